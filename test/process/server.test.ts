import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { ensureBuilt, runNode, startServer, type RunningServer } from '../support/processes.js';
import { csrfTokenIn } from '../support/test-app.js';

/** The sign-in form flow over real HTTP: returns the pre-session cookie and the response. */
async function askForLink(origin: string, email: string): Promise<Response> {
  const landing = await fetch(`${origin}/partners`);
  const cookie = landing.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = csrfTokenIn(await landing.text());
  return fetch(`${origin}/partner/magic`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email }),
  });
}

describe('the server on the embedded database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pe-proc-'));
  const dataDir = join(cwd, 'data');
  let server: RunningServer;

  beforeAll(async () => {
    ensureBuilt();
    server = await startServer({ DATA_DIR: dataDir }, cwd);
  });
  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('starts with no setup, migrates, and answers', async () => {
    const health = await fetch(`${server.origin}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: { engine: 'pglite', status: 'ok' } });
    expect(server.output()).toContain('database migrated');
    expect(existsSync(join(dataDir, 'app-secret'))).toBe(true);
    // Pages are request-logged; redirects are not (thousands a second; the ledger has every click).
    expect((await fetch(`${server.origin}/r/unknown00`, { redirect: 'manual' })).status).toBe(404);
    await fetch(`${server.origin}/healthz?after=redirect`);
    // Log lines arrive in order: once the later request's line is there, the redirect's would be.
    await expect.poll(() => server.output(), { timeout: 30_000 }).toContain('"url":"/healthz?after=redirect"');
    expect(server.output()).not.toContain('"url":"/r/');
  });

  it('writes mail to the outbox and logs the sign-in link when no SMTP is set', async () => {
    const response = await askForLink(server.origin, 'outbox@example.com');
    expect(response.status).toBe(200);
    const files = readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(dataDir, 'outbox', files[0]!), 'utf8');
    expect(eml).toContain('To: outbox@example.com');
    expect(eml).toContain('Content-Type: text/html');
    expect(eml).toContain('Content-Type: text/plain');
    // The log line may reach the pipe a moment after the response.
    await expect.poll(() => server.output(), { timeout: 30_000 }).toMatch(/"signInLink":"http:\/\/localhost:0\/partner\/login\?token=[\w-]{43}"/);
  });

  it('refuses a second server and the CLI on the same data directory', async () => {
    const second = await runNode('dist/src/server.js', [], { DATA_DIR: dataDir, PORT: '0' }, cwd);
    expect(second.code).toBe(1);
    expect(second.output).toContain('is already open in process');
    const cli = await runNode('dist/src/cli/index.js', ['migrate'], { DATA_DIR: dataDir }, cwd);
    expect(cli.code).toBe(1);
    expect(cli.output).toContain('is already open in process');
  });

  it('shuts down gracefully on SIGTERM and frees the directory', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('shutting down');
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    const cli = await runNode('dist/src/cli/index.js', ['migrate'], { DATA_DIR: dataDir }, cwd);
    expect(cli.output).toContain('Database is up to date.');
    expect(cli.code).toBe(0);
  });
});

describe('start-up errors', () => {
  beforeAll(() => ensureBuilt());
  const cwd = mkdtempSync(join(tmpdir(), 'pe-proc-'));

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PAYOUT_MIN_EUR: 'nan' }, 'PAYOUT_MIN_EUR'],
    [{ NODE_ENV: 'production', BASE_URL: 'https://p.example.com' }, 'APP_SECRET'],
    [{ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, 'Cannot reach PostgreSQL'],
  ])('stops with a message naming the problem (%j)', async (env, named) => {
    const result = await runNode('dist/src/server.js', [], { DATA_DIR: join(cwd, 'data'), ...env }, cwd);
    expect(result.code).toBe(1);
    expect(result.output).toContain(named);
  });

  it('the CLI explains its commands and refuses unknown ones', async () => {
    const help = await runNode('dist/src/cli/index.js', ['help'], {}, cwd);
    expect(help.code).toBe(0);
    expect(help.output).toContain('migrate');
    const unknown = await runNode('dist/src/cli/index.js', ['frobnicate'], {}, cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('Unknown command "frobnicate"');
  });
});

describe('the server on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase('postgres', { migrate: false });
  });
  afterAll(async () => database?.close());

  it('two servers starting at once on an empty database migrate it once, and share it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pe-proc-'));
    const env = { DATABASE_URL: database.url!, DATA_DIR: join(cwd, 'data'), APP_SECRET: 'p'.repeat(40), DEMO_DATA: 'false' };
    const [a, b] = await Promise.all([startServer(env, cwd), startServer(env, cwd)]);
    expect([a.output(), b.output()].some((out) => out.includes('database migrated'))).toBe(true);
    const cli = await runNode('dist/src/cli/index.js', ['migrate'], env, cwd);
    expect(cli.output).toContain('Database is up to date.');
    try {
      for (const server of [a, b]) {
        const health = await fetch(`${server.origin}/healthz`);
        expect(await health.json()).toEqual({ status: 'ok', database: { engine: 'postgres', status: 'ok' } });
      }
      expect((await askForLink(a.origin, 'pg@example.com')).status).toBe(200);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
    }
  });
});
