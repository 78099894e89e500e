/**
 * One validated settings object, read once at start from the environment and an optional `.env`
 * file (the environment wins). A bad value stops the start with a message naming the variable.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from 'ibantools';
import { z } from 'zod';
import { parseEurosToCents } from './lib/money.js';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const PAYOUT_METHOD_NAMES = ['paypal', 'bank'] as const;
export type PayoutMethod = (typeof PAYOUT_METHOD_NAMES)[number];

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  baseUrl: URL;
  /** True when BASE_URL is https: cookies get `Secure` and `__Host-`, responses get HSTS. */
  secureCookies: boolean;
  dataDir: string;
  /** Empty: the embedded database (PGlite) in `dataDir/pglite`. */
  databaseUrl: string | null;
  appSecret: string;
  /** Signs the click ids the redirect hands the shops (its own key: modules/clicks/click-id.ts). */
  clickIdKey: Buffer;
  smtpUrl: string | null;
  mailFrom: string;
  adminEmails: ReadonlySet<string>;
  /** Fastify's `trustProxy`: false, true, a hop count or a list of addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  defaultLocale: Locale;
  payoutMinCents: number;
  payoutMethods: readonly PayoutMethod[];
  defaultRateCents: number;
  clickDedupeHours: number;
  maxPaidClicksPerDay: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Bearer token for the operators' JSON API; null = no token access (operator session only). */
  adminApiToken: string | null;
  /** Load demo campaigns, partners and clicks into an empty database (never in production). */
  demoData: boolean;
  /** 32-byte key for payout details at rest (AES-256-GCM); derived from APP_SECRET unless set. */
  payoutDetailsKey: Buffer;
  /** Seals connected accounts' tokens, app passwords and webhook secrets (its own key: lib/sealed.ts). */
  credentialsKey: Buffer;
  /** Seals the sales secrets a campaign holds (the conversion API's key), its own key. */
  salesSecretsKey: Buffer;
  /** Seals the campaigns' Stripe webhook signing secrets, its own key (sales/stripe-webhook.ts). */
  stripeSecretsKey: Buffer;
  /** Keys the hash that stands for a Stripe customer's email in a sale's customer reference (never the email itself). */
  customerRefKey: Buffer;
  /** Run the publishing worker in this server process (off when a separate `cli worker` runs it). */
  publishingWorker: boolean;
  /** How long a worker's claim on a job lasts: a dead worker's jobs are taken over after it. */
  publishingLeaseMs: number;
  /** How often an idle worker looks for due jobs. */
  publishingPollMs: number;
  /** CLICK_HOLDING_DAYS: a valid click's earnings are held this many days before they are available (0: at once). */
  clickHoldingDays: number;
  /** AUTOPUBLISH_VETO_HOURS: the partner hears of an automatic publication at least this long before it goes out. */
  autopublishVetoMs: number;
  /** What the app may call for a partner (instances, webhooks): remote-address.ts. */
  outboundPolicy: { requireHttps: boolean; allowLoopback: boolean; ownHosts: string[] };
  /** Telegram's Bot API (`<url>/bot<token>/<method>`); tests point it at a local server. */
  telegramApiUrl: string;
  /** Discord's API, under which channel webhooks live (`<url>/webhooks/<id>/<token>`). */
  discordApiUrl: string;
  /** The account SEPA transfers are paid from; null until configured (SEPA export refused). */
  sepaDebtor: { name: string; iban: string; bic: string | null } | null;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid setting ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const emptyToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalText = z.preprocess(emptyToUndefined, z.string().trim().optional());

const euros = (fallback: string) =>
  z.preprocess(
    (value) => emptyToUndefined(value) ?? fallback,
    z.string().transform((text, ctx) => {
      const parsed = parseEurosToCents(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: `expected an amount in euros such as 10 or 0.12, got "${text}"` });
        return z.NEVER;
      }
      return parsed.cents;
    }),
  );

const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (value) => emptyToUndefined(value) ?? String(fallback),
    z
      .string()
      .trim()
      .regex(/^\d+$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  );

const emailList = z.preprocess(
  (value) => emptyToUndefined(value) ?? '',
  z.string().transform((text, ctx) => {
    const emails = text
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item !== '');
    for (const email of emails) {
      if (!z.email().safeParse(email).success) {
        ctx.addIssue({ code: 'custom', message: `"${email}" is not an email address` });
      }
    }
    return new Set(emails);
  }),
);

const payoutMethods = z.preprocess(
  (value) => emptyToUndefined(value) ?? 'paypal,bank',
  z.string().transform((text, ctx) => {
    // The original design compared the list without trimming, so "paypal, bank" refused "bank".
    const names = [...new Set(text.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean))];
    const unknown = names.filter((name) => !(PAYOUT_METHOD_NAMES as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of ${PAYOUT_METHOD_NAMES.join(', ')}` });
      return z.NEVER;
    }
    return names as PayoutMethod[];
  }),
);

const trustProxy = z.preprocess(
  (value) => emptyToUndefined(value) ?? 'false',
  z.string().transform((text, ctx): boolean | number | string[] => {
    const value = text.trim().toLowerCase();
    if (value === 'false' || value === '0' || value === 'no') return false;
    if (value === 'true' || value === 'yes') return true;
    if (/^\d+$/.test(value)) return Number(value);
    const list = value.split(',').map((item) => item.trim()).filter(Boolean);
    const address = /^[0-9a-f.:]+(\/\d{1,3})?$/;
    if (list.every((item) => address.test(item) || item === 'loopback' || item === 'linklocal' || item === 'uniquelocal')) return list;
    ctx.addIssue({ code: 'custom', message: 'expected false, true, a hop count, or a comma-separated list of addresses/CIDRs' });
    return z.NEVER;
  }),
);

/** A network's API base: an absolute http(s) URL, kept without its trailing slash. */
const apiUrl = (fallback: string) =>
  z.preprocess(
    (value) => emptyToUndefined(value) ?? fallback,
    z
      .url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL' })
      .refine((text) => !/[?#]/.test(text), 'expected a URL without a query or fragment')
      .transform((text) => text.replace(/\/+$/, '')),
  );

/**
 * A job's lease must outlast its calls to a network (the adapters wait up to 15 s for each answer,
 * and a job may make a few): shorter, a live worker's job could be taken over mid-call and posted
 * twice. Shorter leases are for tests, which kill workers and want their jobs back soon.
 */
const MIN_PRODUCTION_LEASE_SECONDS = 60;

const schema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  PORT: integer(3000, 0, 65535),
  BASE_URL: optionalText.pipe(
    z
      .url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL such as https://partners.example.com' })
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL, or nothing for the embedded database')
      .optional(),
  ),
  APP_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters long').optional()),
  SMTP_URL: optionalText.pipe(z.string().regex(/^smtps?:\/\//, 'expected smtp:// or smtps://').optional()),
  MAIL_FROM: z.preprocess(emptyToUndefined, z.string().default('Plug & Earn <no-reply@localhost>')),
  ADMIN_EMAILS: emailList,
  TRUST_PROXY: trustProxy,
  DEFAULT_LOCALE: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value) || undefined,
    z.enum(LOCALES).default('fr'),
  ),
  PAYOUT_MIN_EUR: euros('10'),
  PAYOUT_METHODS: payoutMethods,
  DEFAULT_EPC_EUR: euros('0.12'),
  CLICK_DEDUPE_HOURS: integer(24, 0, 24 * 365),
  MAX_PAID_CLICKS_PER_DAY: integer(500, 1, 10_000_000),
  ADMIN_API_TOKEN: optionalText.pipe(z.string().min(32, 'must be at least 32 characters long').optional()),
  PAYOUT_DETAILS_KEY: optionalText.pipe(z.string().min(32, 'must be at least 32 characters long').optional()),
  SEPA_DEBTOR_NAME: optionalText.pipe(z.string().max(70, 'must be at most 70 characters (SEPA)').optional()),
  SEPA_DEBTOR_IBAN: optionalText.pipe(
    z
      .string()
      .transform((value) => electronicFormatIBAN(value) ?? '')
      .refine((value) => isValidIBAN(value), 'expected a valid IBAN')
      .optional(),
  ),
  SEPA_DEBTOR_BIC: optionalText.pipe(
    z
      .string()
      .transform((value) => value.replace(/\s+/g, '').toUpperCase())
      .refine((value) => isValidBIC(value), 'expected a valid BIC (8 or 11 characters)')
      .optional(),
  ),
  PUBLISHING_ALLOW_LOOPBACK: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value) || undefined,
    z.enum(['true', 'false']).default('false'),
  ),
  TELEGRAM_API_URL: apiUrl('https://api.telegram.org'),
  DISCORD_API_URL: apiUrl('https://discord.com/api'),
  PUBLISHING_WORKER: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value) || undefined,
    z.enum(['true', 'false']).default('true'),
  ),
  PUBLISHING_LEASE_SECONDS: integer(120, 2, 86_400),
  PUBLISHING_POLL_MS: integer(1000, 50, 60_000),
  AUTOPUBLISH_VETO_HOURS: integer(12, 1, 168),
  CLICK_HOLDING_DAYS: integer(0, 0, 365),
  DEMO_DATA: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value) || undefined,
    z.enum(['auto', 'true', 'false']).default('auto'),
  ),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

/** Every variable the service reads (documented in `.env.example` and the README). */
export const SETTING_NAMES = Object.keys(schema.shape);

/** Reads `.env` in the working directory, if any; variables already in the environment win. */
export function readEnvironment(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}

/** Validates the settings; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const s = result.data;
  const dataDir = resolve(s.DATA_DIR);
  const baseUrl = new URL(s.BASE_URL ?? `http://localhost:${s.PORT}`);
  if (baseUrl.pathname !== '/' || baseUrl.search || baseUrl.hash) {
    throw new ConfigError('BASE_URL', 'must be an origin without a path, query or fragment');
  }
  if (s.NODE_ENV === 'production' && !s.APP_SECRET) {
    throw new ConfigError('APP_SECRET', 'is required when NODE_ENV=production (at least 32 random characters)');
  }
  if (s.NODE_ENV === 'production' && !s.BASE_URL) {
    throw new ConfigError('BASE_URL', 'is required when NODE_ENV=production: sign-in links are built from it');
  }
  if ((s.SEPA_DEBTOR_NAME || s.SEPA_DEBTOR_BIC) && !s.SEPA_DEBTOR_IBAN) {
    throw new ConfigError('SEPA_DEBTOR_IBAN', 'is required with SEPA_DEBTOR_NAME and SEPA_DEBTOR_BIC');
  }
  if (s.NODE_ENV === 'production' && s.PUBLISHING_LEASE_SECONDS < MIN_PRODUCTION_LEASE_SECONDS) {
    // A live worker's job taken over in the middle of its calls could be posted twice.
    throw new ConfigError('PUBLISHING_LEASE_SECONDS', `must be at least ${MIN_PRODUCTION_LEASE_SECONDS} when NODE_ENV=production: longer than a job's calls to a network can take`);
  }
  if (s.SEPA_DEBTOR_IBAN && !s.SEPA_DEBTOR_NAME) {
    throw new ConfigError('SEPA_DEBTOR_NAME', 'is required with SEPA_DEBTOR_IBAN');
  }
  const appSecret = s.APP_SECRET ?? persistedSecret(dataDir);
  return {
    nodeEnv: s.NODE_ENV,
    host: s.HOST,
    port: s.PORT,
    baseUrl,
    secureCookies: baseUrl.protocol === 'https:',
    dataDir,
    databaseUrl: s.DATABASE_URL ?? null,
    appSecret,
    clickIdKey: Buffer.from(hkdfSync('sha256', appSecret, 'plug-and-earn', 'click-id-v1', 32)),
    smtpUrl: s.SMTP_URL ?? null,
    mailFrom: s.MAIL_FROM,
    adminEmails: s.ADMIN_EMAILS,
    trustProxy: s.TRUST_PROXY,
    defaultLocale: s.DEFAULT_LOCALE,
    payoutMinCents: s.PAYOUT_MIN_EUR,
    payoutMethods: s.PAYOUT_METHODS,
    defaultRateCents: s.DEFAULT_EPC_EUR,
    clickDedupeHours: s.CLICK_DEDUPE_HOURS,
    maxPaidClicksPerDay: s.MAX_PAID_CLICKS_PER_DAY,
    logLevel: s.LOG_LEVEL,
    adminApiToken: s.ADMIN_API_TOKEN ?? null,
    demoData: s.NODE_ENV !== 'production' && s.DEMO_DATA !== 'false',
    payoutDetailsKey: Buffer.from(hkdfSync('sha256', s.PAYOUT_DETAILS_KEY ?? appSecret, 'plug-and-earn', 'payout-details-v1', 32)),
    publishingWorker: s.PUBLISHING_WORKER === 'true',
    publishingLeaseMs: s.PUBLISHING_LEASE_SECONDS * 1000,
    publishingPollMs: s.PUBLISHING_POLL_MS,
    autopublishVetoMs: s.AUTOPUBLISH_VETO_HOURS * 3_600_000,
    clickHoldingDays: s.CLICK_HOLDING_DAYS,
    outboundPolicy: {
      requireHttps: s.NODE_ENV === 'production',
      // Loopback only where asked, and never in production: local test servers and development.
      allowLoopback: s.NODE_ENV !== 'production' && s.PUBLISHING_ALLOW_LOOPBACK === 'true',
      ownHosts: [baseUrl.hostname],
    },
    telegramApiUrl: s.TELEGRAM_API_URL,
    discordApiUrl: s.DISCORD_API_URL,
    credentialsKey: Buffer.from(hkdfSync('sha256', appSecret, 'plug-and-earn', 'publishing-credentials-v1', 32)),
    salesSecretsKey: Buffer.from(hkdfSync('sha256', appSecret, 'plug-and-earn', 'sales-secrets-v1', 32)),
    stripeSecretsKey: Buffer.from(hkdfSync('sha256', appSecret, 'plug-and-earn', 'stripe-secrets-v1', 32)),
    customerRefKey: Buffer.from(hkdfSync('sha256', appSecret, 'plug-and-earn', 'customer-ref-v1', 32)),
    sepaDebtor: s.SEPA_DEBTOR_IBAN ? { name: s.SEPA_DEBTOR_NAME!, iban: s.SEPA_DEBTOR_IBAN, bic: s.SEPA_DEBTOR_BIC ?? null } : null,
  };
}

/**
 * Without APP_SECRET (development), a secret is generated once and kept in the data directory, so
 * sessions and CSRF tokens survive restarts without any setup.
 */
function persistedSecret(dataDir: string): string {
  const file = join(dataDir, 'app-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx': two processes starting at once on a new directory must end up with one secret.
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(file, 'utf8').trim();
  }
}
