/**
 * Every page, as a visitor, a partner and an operator would open it, in French and English, on a
 * phone (390 px) and a laptop (1,366 px): no horizontal scroll (the document is no wider than the
 * window) and no accessibility violation found by axe-core. Also the French navigation, and the
 * CSV statement downloaded in each language.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { loadDemoData } from '../../src/modules/demo/demo-data.js';
import { SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [390, 1366] as const;
const LANGUAGES = ['fr', 'en'] as const;

interface Finding {
  page: string;
  problem: string;
}

/** Opens `path` in the given language and returns what is wrong with it (nothing, we hope). */
async function inspect(page: Page, origin: string, path: string, lang: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const url = new URL(path, origin);
  url.searchParams.set('lang', lang);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    const response = await page.goto(url.href);
    const where = `${path} ${lang} ${width}px`;
    if (!response || response.status() >= 500) findings.push({ page: where, problem: `status ${response?.status()}` });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    if (overflow > 0) findings.push({ page: where, problem: `${overflow}px wider than the window` });
    // The CSP forbids inline scripts; the context bypasses it for axe alone (our pages run none).
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => JSON.stringify(n.target)).join(', ')))`);
    for (const violation of violations) findings.push({ page: where, problem: violation });
  }
  return findings;
}

describe('every page at a phone’s and a laptop’s width, in both languages', () => {
  const mailer = new CapturingMailer();
  let suite: BrowserSuite;
  let browser: Browser;
  let origin: string;
  let campaignId: string;
  let linaId: string;
  let withdrawalId: string | null;

  beforeAll(async () => {
    // With the settings, the demo has Lina's withdrawal history and saved payout method (same key as the app's).
    suite = await startBrowserSuite({ mailer, env: { PUBLISHING_ALLOW_LOOPBACK: 'true' }, seed: async (database) => void (await loadDemoData(database.db, new Date(), testConfig())) });
    ({ browser, origin } = suite);
    const db = suite.database.db;
    campaignId = (await queryRows<{ id: string }>(db, sql`select id from campaigns where status = 'active' order by created_at limit 1`))[0]!.id;
    linaId = (await queryRows<{ id: string }>(db, sql`select id from partners where email = 'lina.demo@example.com'`))[0]!.id;
    withdrawalId = (await queryRows<{ id: string }>(db, sql`select id from withdraw_requests order by created_at limit 1`))[0]?.id ?? null;
  });
  afterAll(async () => suite?.close());

  async function signedIn(email: string | null): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale: 'fr-FR', bypassCSP: true });
    const page = await context.newPage();
    if (email) await signInInBrowser(page, origin, email, mailer);
    return { context, page };
  }

  async function check(email: string | null, paths: string[]): Promise<Finding[]> {
    const { context, page } = await signedIn(email);
    const findings: Finding[] = [];
    try {
      for (const path of paths) for (const lang of LANGUAGES) findings.push(...(await inspect(page, origin, path, lang)));
    } finally {
      await context.close();
    }
    return findings;
  }

  it('a visitor’s pages fit and pass axe', async () => {
    const findings = await check(null, ['/partners', '/partners/faq', '/partners/leaderboard', '/partners/earnings', '/partner/login?token=expired', '/nowhere']);
    // The page after asking for a sign-in link.
    const { context, page } = await signedIn(null);
    await page.goto(`${origin}/partners`);
    await page.getByLabel('Ton adresse email').fill('someone@example.com');
    await page.getByRole('button', { name: 'Recevoir le lien d’accès' }).click();
    await page.waitForSelector('text=Vérifie ta boîte mail');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    await context.close();
    expect(overflow).toBeLessThanOrEqual(0);
    expect(findings).toEqual([]);
  }, 600_000);

  it('a partner’s pages fit and pass axe', async () => {
    expect(await check('lina.demo@example.com', ['/partner/portal', '/partner/posts', '/partners/earnings', '/partners/leaderboard?days=7'])).toEqual([]);
  }, 600_000);

  it('a connected account and a webhook’s one-time secret fit and pass axe', async () => {
    const { context, page } = await signedIn('lina.demo@example.com');
    const findings: string[] = [];
    try {
      for (const [lang, button] of [['fr', 'Connecter le webhook'], ['en', 'Connect the webhook']] as const) {
        for (const width of [390, 1366]) {
          await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
          await page.goto(`${origin}/partner/portal?lang=${lang}`);
          await page.locator('#accounts details.connect > summary', { hasText: 'Webhook' }).click();
          await page.locator('#acc-url').fill(`http://localhost:9/hook-${lang}-${width}`);
          await page.getByRole('button', { name: button }).click();
          await page.waitForSelector('#acc-secret');
          // The secret is where the eye is: focused and on screen.
          expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('accounts-secret');
          await page.locator('#accounts').screenshot({ path: join(SCREENSHOTS, `accounts-secret-${lang}-${width}.png`) });
          const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
          if (overflow > 0) findings.push(`${lang} ${width}px: ${overflow}px wider than the window`);
          await page.evaluate(AXE_SOURCE);
          findings.push(...(await page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
            result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => JSON.stringify(n.target)).join(', ')))`)).map((v) => `${lang} ${width}px: ${v}`));
        }
      }
    } finally {
      await context.close();
    }
    expect(findings).toEqual([]);
  }, 600_000);

  it('the back-office fits and passes axe', async () => {
    const paths = ['/admin', '/admin/campaigns', `/admin/campaigns/${campaignId}`, '/admin/partners', `/admin/partners/${linaId}`, '/admin/withdrawals', '/admin/audit'];
    if (withdrawalId) paths.push(`/admin/withdrawals/${withdrawalId}`);
    expect(await check('ops@example.com', paths)).toEqual([]);
  }, 600_000);

  it('names the pages in French, and in English when asked', async () => {
    const { context, page } = await signedIn('lina.demo@example.com');
    try {
      await page.goto(`${origin}/partners/earnings`);
      const nav = page.getByRole('navigation', { name: 'Navigation principale' });
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Partenaires', 'Classement', 'Mes gains']);
      expect(await nav.getByRole('link', { name: 'Mes gains' }).getAttribute('aria-current')).toBe('page');
      await page.goto(`${origin}/partners/earnings?lang=en`);
      const english = page.getByRole('navigation', { name: 'Main navigation' });
      expect(await english.getByRole('link').allTextContents()).toEqual(['Partners', 'Leaderboard', 'Earnings']);
    } finally {
      await context.close();
    }
  });

  it('downloads the CSV statement laid out for each language', async () => {
    const { context, page } = await signedIn('lina.demo@example.com');
    try {
      const statement = async (lang: 'fr' | 'en', linkName: string) => {
        await page.goto(`${origin}/partners/earnings?lang=${lang}`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName }).click()]);
        const body = readFileSync((await download.path())!, 'utf8');
        return { name: download.suggestedFilename(), lines: body.replace(/^\ufeff/, '').trim().split(/\r?\n/) };
      };
      const french = await statement('fr', 'Télécharger mes statistiques quotidiennes (CSV)');
      expect(french.name).toBe('plug-and-earn-statistiques.csv');
      expect(french.lines[0]).toMatch(/^Jour;Campagne;Clics;Clics valides;Gains \(€\);/);
      // Amounts with a decimal comma, in the demo's ledger (some days earn).
      expect(french.lines.slice(1).some((line) => /;\d+,\d\d(;|$)/.test(line))).toBe(true);
      const english = await statement('en', 'Download my daily statistics (CSV)');
      expect(english.name).toBe('plug-and-earn-statistics.csv');
      expect(english.lines[0]).toMatch(/^day,campaign,clicks,valid_clicks,earned_eur,/);
      expect(english.lines.slice(1).some((line) => /,\d+\.\d\d(,|$)/.test(line))).toBe(true);
    } finally {
      await context.close();
    }
  });
});
