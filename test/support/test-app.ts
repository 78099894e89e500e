import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Engine } from '../../src/db/client.js';
import type { Mailer, MailMessage } from '../../src/modules/mail/mailer.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'pe-test-')),
    APP_SECRET: TEST_SECRET,
    BASE_URL: 'http://partners.test',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export class CapturingMailer implements Mailer {
  readonly destination = 'memory';
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage) {
    this.sent.push(message);
  }
  close() {}
  /** The sign-in link of the last mail sent to `to`. */
  lastLinkTo(to: string): URL {
    const mail = [...this.sent].reverse().find((m) => m.to === to);
    if (!mail) throw new Error(`no mail sent to ${to}`);
    const match = /https?:\/\/\S+\/partner\/login\?token=[A-Za-z0-9_-]+/.exec(mail.text);
    if (!match) throw new Error('no sign-in link in the mail');
    return new URL(match[0]);
  }
}

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  mailer: CapturingMailer;
  close(): Promise<void>;
}

export async function createTestApp(engine: Engine, env: Record<string, string> = {}, mailer?: Mailer): Promise<TestApp> {
  const config = testConfig(env);
  const database = await createTestDatabase(engine);
  const capturing = new CapturingMailer();
  const app = await buildApp(config, database, { mailer: mailer ?? capturing });
  await app.ready();
  return {
    app,
    database,
    config,
    mailer: capturing,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** The CSRF token of a page's forms. */
export function csrfTokenIn(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1]!;
}

/**
 * A browser-like visitor for `inject`: keeps cookies between requests and reads the CSRF token of
 * the last page, so tests drive forms the way a person does.
 */
let addressCounter = 1;
function nextAddress(): string {
  const n = addressCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export class Visitor {
  readonly cookies = new Map<string, string>();
  lastPage = '';

  /** Each visitor comes from its own address, as distinct people do (rate limits are per address). */
  readonly remoteAddress = nextAddress();

  constructor(private readonly app: FastifyInstance, private readonly headers: Record<string, string> = {}) {}

  async request(options: InjectOptions): Promise<LightMyRequestResponse> {
    const cookieHeader = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.app.inject({
      remoteAddress: this.remoteAddress,
      ...options,
      headers: { ...this.headers, ...(cookieHeader ? { cookie: cookieHeader } : {}), ...(options.headers ?? {}) },
    });
    for (const cookie of response.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() <= Date.now()) || cookie.value === '';
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    if (String(response.headers['content-type'] ?? '').startsWith('text/html')) this.lastPage = response.body;
    return response;
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.request({ method: 'GET', url, headers });
  }

  /** The CSRF token found in the last page. */
  csrf(): string {
    return csrfTokenIn(this.lastPage);
  }

  /** Posts a form with the CSRF token of the last page (unless `_csrf` is given, even empty); an array is a field sent once per value (ticked boxes). */
  post(url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const form = new URLSearchParams({ _csrf: '_csrf' in fields ? '' : this.csrf() });
    for (const [name, value] of Object.entries(fields)) {
      form.delete(name);
      for (const one of ([] as string[]).concat(value)) form.append(name, one);
    }
    const body = form.toString();
    return this.request({
      method: 'POST',
      url,
      payload: body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  /** Full sign-in: landing, ask for a link, open it, confirm. Returns the confirm response. */
  async signIn(email: string, mailer: CapturingMailer): Promise<LightMyRequestResponse> {
    await this.get('/partners');
    const asked = await this.post('/partner/magic', { email });
    if (asked.statusCode !== 200) throw new Error(`magic link refused: ${asked.statusCode}`);
    const link = mailer.lastLinkTo(email.trim().toLowerCase());
    await this.get(link.pathname + link.search);
    return this.post('/partner/login', { token: link.searchParams.get('token')! });
  }
}
