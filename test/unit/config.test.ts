import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig, readEnvironment, SETTING_NAMES } from '../../src/config.js';
import { projectRoot } from '../../src/lib/project-root.js';

const dir = () => mkdtempSync(join(tmpdir(), 'pe-config-'));

describe('loadConfig', () => {
  it('has the seed’s defaults and the landing’s promise', () => {
    const config = loadConfig({ DATA_DIR: dir() });
    expect(config.payoutMinCents).toBe(1000);
    expect(config.payoutMethods).toEqual(['paypal', 'bank']);
    expect(config.defaultRateCents).toBe(12);
    expect(config.port).toBe(3000);
    expect(config.baseUrl.href).toBe('http://localhost:3000/');
    expect(config.databaseUrl).toBeNull();
    expect(config.defaultLocale).toBe('fr');
    expect(config.secureCookies).toBe(false);
  });

  it('trims the payout methods list (the original design compared it untrimmed)', () => {
    expect(loadConfig({ DATA_DIR: dir(), PAYOUT_METHODS: ' paypal , Bank ' }).payoutMethods).toEqual(['paypal', 'bank']);
    expect(loadConfig({ DATA_DIR: dir(), PAYOUT_METHODS: 'bank' }).payoutMethods).toEqual(['bank']);
  });

  it('reads admin emails case-insensitively', () => {
    const config = loadConfig({ DATA_DIR: dir(), ADMIN_EMAILS: 'Boss@Example.com, ops@x.fr ,' });
    expect([...config.adminEmails]).toEqual(['boss@example.com', 'ops@x.fr']);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BASE_URL', 'partners.example.com'],
    ['BASE_URL', 'ftp://x.fr'],
    ['BASE_URL', 'https://x.fr/some/path'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['APP_SECRET', 'short'],
    ['SMTP_URL', 'http://mail'],
    ['ADMIN_EMAILS', 'boss@x.fr, not-an-email'],
    ['TRUST_PROXY', 'sometimes'],
    ['DEFAULT_LOCALE', 'de'],
    ['PAYOUT_MIN_EUR', 'nan'],
    ['PAYOUT_MIN_EUR', '-5'],
    ['PAYOUT_MIN_EUR', '10.001'],
    ['PAYOUT_METHODS', 'paypal,cash'],
    ['PAYOUT_METHODS', ' , '],
    ['DEFAULT_EPC_EUR', '0,2x'],
    ['CLICK_DEDUPE_HOURS', '-1'],
    ['MAX_PAID_CLICKS_PER_DAY', '0'],
    ['PUBLISHING_LEASE_SECONDS', '1'],
    ['PUBLISHING_LEASE_SECONDS', '2.5'],
    ['PUBLISHING_POLL_MS', '10'],
    ['PUBLISHING_POLL_MS', 'often'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
  ])('stops on a bad %s (%s) with a message naming it', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dir(), [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toContain(variable);
  });

  it('requires APP_SECRET and BASE_URL in production', () => {
    expect(() => loadConfig({ DATA_DIR: dir(), NODE_ENV: 'production', BASE_URL: 'https://p.example.com' })).toThrow(/APP_SECRET/);
    expect(() => loadConfig({ DATA_DIR: dir(), NODE_ENV: 'production', APP_SECRET: 'x'.repeat(32) })).toThrow(/BASE_URL/);
  });

  it('reads the publishing worker’s lease and poll, and keeps a lease that outlasts a job’s calls in production', () => {
    expect(loadConfig({ DATA_DIR: dir() })).toMatchObject({ publishingLeaseMs: 120_000, publishingPollMs: 1000 });
    expect(loadConfig({ DATA_DIR: dir(), PUBLISHING_LEASE_SECONDS: '4', PUBLISHING_POLL_MS: '100' })).toMatchObject({ publishingLeaseMs: 4000, publishingPollMs: 100 });
    const production = { DATA_DIR: dir(), NODE_ENV: 'production', APP_SECRET: 'x'.repeat(32), BASE_URL: 'https://p.example.com' };
    expect(() => loadConfig({ ...production, PUBLISHING_LEASE_SECONDS: '30' })).toThrow(/PUBLISHING_LEASE_SECONDS: must be at least 60/);
    expect(loadConfig({ ...production, PUBLISHING_LEASE_SECONDS: '60' }).publishingLeaseMs).toBe(60_000);
  });

  it('generates APP_SECRET once in the data directory and keeps it', () => {
    const dataDir = dir();
    const first = loadConfig({ DATA_DIR: dataDir }).appSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dataDir, 'app-secret'), 'utf8').trim()).toBe(first);
    expect(loadConfig({ DATA_DIR: dataDir }).appSecret).toBe(first);
    const given = loadConfig({ DATA_DIR: dir(), APP_SECRET: 'y'.repeat(40) });
    expect(given.appSecret).toBe('y'.repeat(40));
  });

  it('turns https BASE_URL into secure cookies', () => {
    expect(loadConfig({ DATA_DIR: dir(), BASE_URL: 'https://p.example.com' }).secureCookies).toBe(true);
  });

  it('reads TRUST_PROXY as boolean, hop count or address list', () => {
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });
});

describe('readEnvironment', () => {
  it('reads .env, and the environment wins over it', () => {
    const cwd = dir();
    writeFileSync(join(cwd, '.env'), 'PORT=4000\nPAYOUT_MIN_EUR=25\n# comment\n');
    const env = readEnvironment(cwd, { PORT: '5000' });
    expect(env.PORT).toBe('5000');
    expect(env.PAYOUT_MIN_EUR).toBe('25');
    expect(existsSync(join(cwd, '.env'))).toBe(true);
  });
});

describe('documentation of the settings', () => {
  it('.env.example lists every setting and loads as it is', () => {
    const example = parseEnv(readFileSync(join(projectRoot, '.env.example'), 'utf8'));
    expect(Object.keys(example).sort()).toEqual([...SETTING_NAMES].sort());
    expect(() => loadConfig({ ...example, DATA_DIR: dir() })).not.toThrow();
  });

  it('the README’s configuration table names every setting', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    for (const name of SETTING_NAMES) expect(readme, name).toContain(`\`${name}\``);
  });
});
