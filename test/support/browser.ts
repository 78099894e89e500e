/** Debian's Chromium driven by Playwright, and the steps every browser test repeats. */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/lib/project-root.js';
import type { CapturingMailer } from './test-app.js';

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
