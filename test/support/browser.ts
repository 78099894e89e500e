/** Debian's Chromium driven by Playwright, and the steps every browser test repeats. */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { projectRoot } from '../../src/lib/project-root.js';
import type { Mailer } from '../../src/modules/mail/mailer.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { testConfig, type CapturingMailer } from './test-app.js';

/** Screenshots of every page the browser tests visit, for a person to look at. */
export const SCREENSHOTS = join(projectRoot, 'test-results', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A port nobody listens on, so BASE_URL can be known before the app is built. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Signs in through the French landing, the link of the captured mail, and the confirm button. */
export async function signInInBrowser(page: Page, origin: string, email: string, mailer: CapturingMailer): Promise<void> {
  await page.goto(`${origin}/partners`);
  await page.getByLabel('Ton adresse email').fill(email);
  await page.getByRole('button', { name: 'Recevoir le lien d’accès' }).click();
  await page.waitForSelector('text=Vérifie ta boîte mail');
  await page.goto(mailer.lastLinkTo(email).href);
  await page.getByRole('button', { name: 'Me connecter' }).click();
  await page.waitForURL(`${origin}/partner/portal`);
}

/**
 * Connects a Bluesky account from the portal's « Comptes connectés »: handle, app password, and the
 * server (folded, as most partners use bsky.social), then waits for « Compte connecté. ».
 */
export async function connectBlueskyInBrowser(page: Page, account: { handle: string; appPassword: string; service: string }): Promise<void> {
  await page.locator('#accounts details.connect > summary', { hasText: 'Bluesky' }).click();
  await page.getByLabel('Ton identifiant Bluesky').fill(account.handle);
  await page.getByLabel('Mot de passe d’application').fill(account.appPassword);
  await page.locator('#accounts summary', { hasText: 'Serveur (facultatif)' }).click();
  await page.locator('#acc-service').fill(account.service);
  await page.getByRole('button', { name: 'Connecter Bluesky' }).click();
  await page.waitForSelector('text=Compte connecté.');
}

export interface BrowserSuite {
  origin: string;
  browser: Browser;
  database: TestDatabase;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The app on a loopback port (BASE_URL set to it), an embedded test database seeded by `seed`,
 * and Chromium: what every browser test starts with.
 */
export async function startBrowserSuite(options: {
  env?: Record<string, string>;
  mailer: Mailer | ((config: Config) => Mailer);
  seed?: (database: TestDatabase) => Promise<void>;
}): Promise<BrowserSuite> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = testConfig({ BASE_URL: origin, ADMIN_EMAILS: 'ops@example.com', ...options.env });
  const database = await createTestDatabase('pglite');
  await options.seed?.(database);
  const app = await buildApp(config, database, { mailer: typeof options.mailer === 'function' ? options.mailer(config) : options.mailer });
  await app.listen({ host: '127.0.0.1', port });
  const browser = await launchChromium();
  return {
    origin,
    browser,
    database,
    app,
    close: async () => {
      await browser.close();
      await app.close();
      await database.close();
    },
  };
}
