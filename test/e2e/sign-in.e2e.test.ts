/**
 * A person in Chromium: opens the landing, asks for a link, reads it from a real SMTP mail,
 * confirms, lands signed in, and signs out. Screenshots of every page go to test-results/.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/app.js';
import { SCREENSHOTS, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const shots = SCREENSHOTS;


describe('sign-in in a real browser', () => {
  let browser: Browser;
  let sink: SmtpSink;
  let origin: string;

  let suite: BrowserSuite;
  beforeAll(async () => {
    sink = await startSmtpSink();
    // A real SMTP server this time: the link is read from the mail as it was delivered.
    suite = await startBrowserSuite({ env: { SMTP_URL: sink.url }, mailer: (config) => createMailer(config) });
    ({ browser, origin } = suite);
  });

  afterAll(async () => {
    await suite?.close();
    await sink?.close();
  });

  it('asks for a link, reads it from the mail, confirms, lands signed in, and signs out', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // The 401 and 410 pages below are expected; Chromium reports them as failed loads.
      if (message.type() === 'error' && !/status of 40[01]|status of 410/.test(message.text())) errors.push(message.text());
    });

    await page.goto(`${origin}/partners`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Plug & Earn — Deviens partenaire');
    await page.screenshot({ path: join(shots, 'landing.png'), fullPage: true });

    await page.getByLabel('Ton adresse email').fill('Browser.User@Example.com');
    await page.getByRole('button', { name: 'Recevoir le lien d’accès' }).click();
    await page.waitForSelector('text=Vérifie ta boîte mail');
    await page.screenshot({ path: join(shots, 'magic-sent.png'), fullPage: true });

    const mail = await sink.waitFor('browser.user@example.com');
    const link = /http:\/\/127\.0\.0\.1:\d+\/partner\/login\?token=[\w-]+/.exec(mail.text ?? '')![0];
    await page.goto(link);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirmer la connexion');
    await page.screenshot({ path: join(shots, 'confirm.png'), fullPage: true });
    await page.getByRole('button', { name: 'Me connecter' }).click();

    await page.waitForURL(`${origin}/partner/portal`);
    expect(await page.locator('.session .who').textContent()).toBe('Connecté : br…r@example.com');
    await page.screenshot({ path: join(shots, 'portal.png'), fullPage: true });
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'pe_session')?.httpOnly).toBe(true);

    await page.getByRole('link', { name: 'Mes gains' }).click();
    await page.waitForURL(`${origin}/partners/earnings`);
    await page.screenshot({ path: join(shots, 'earnings.png'), fullPage: true });

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(`${origin}/partners?signed_out=1`);
    await page.waitForSelector('text=Tu es déconnecté.');
    expect(await page.getByRole('link', { name: 'Se connecter' }).count()).toBe(1);

    const protectedPage = await page.goto(`${origin}/partner/portal`);
    expect(protectedPage?.status()).toBe(401);
    await page.screenshot({ path: join(shots, 'unauthorized.png'), fullPage: true });

    // The used link now offers a new one.
    const used = await page.goto(link);
    expect(used?.status()).toBe(410);
    await page.screenshot({ path: join(shots, 'link-used.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works on a phone in English, with the keyboard alone', async () => {
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await page.goto(`${origin}/partners`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Plug & Earn — Become a partner');
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'landing-mobile-en.png'), fullPage: true });

    // Skip link first, then keyboard only to the form.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    // Tab through the page until the email field has focus: everything on the way is reachable.
    for (let i = 0; i < 15; i++) {
      if ((await page.evaluate('document.activeElement && document.activeElement.id')) === 'signin-email') break;
      await page.keyboard.press('Tab');
    }
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('signin-email');
    await page.keyboard.type('phone@example.com');
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Check your inbox');

    await page.goto(`${origin}/partners/faq`);
    await page.getByText('How do I earn money?').click();
    await page.screenshot({ path: join(shots, 'faq-mobile-en.png'), fullPage: true });
    await page.goto(`${origin}/partners/leaderboard?days=7`);
    await page.screenshot({ path: join(shots, 'leaderboard-mobile-en.png'), fullPage: true });
    await context.close();
  });

  it('shows the FAQ and the leaderboard placeholder on a desktop in French', async () => {
    const page = await browser.newPage({ locale: 'fr-FR', viewport: { width: 1200, height: 900 } });
    await page.goto(`${origin}/partners/faq`);
    await page.getByText('Paiement', { exact: true }).click();
    await page.screenshot({ path: join(shots, 'faq.png'), fullPage: true });
    const bad = await page.goto(`${origin}/partners/leaderboard?days=91`);
    expect(bad?.status()).toBe(400);
    await page.screenshot({ path: join(shots, 'leaderboard-bad-days.png'), fullPage: true });
    await page.close();
  });
});
