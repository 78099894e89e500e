/**
 * The operator's irreversible actions in a browser without JavaScript: suspending a partner asks
 * for a reason, then shows what will happen, and only its button suspends; the confirmation page
 * and the audit log fit a phone and a laptop and pass axe.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { loadDemoData } from '../../src/modules/demo/demo-data.js';
import { signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('an operator confirms what cannot be undone, without JavaScript', () => {
  const mailer = new CapturingMailer();
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({ mailer, seed: async (database) => void (await loadDemoData(database.db, new Date(), testConfig())) });
  });
  afterAll(async () => suite?.close());

  /** Horizontal overflow and axe's violations of the page as it is, at both widths. */
  async function problems(page: Page, js: Page): Promise<string[]> {
    const found: string[] = [];
    // The same page (its HTML, as the no-JavaScript browser got it) in a page that may run axe.
    const html = await page.content();
    for (const width of [390, 1366]) {
      await js.setViewportSize({ width, height: 900 });
      await js.goto(`${suite.origin}/partners/faq`);
      await js.setContent(html, { waitUntil: 'load' });
      const overflow = await js.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      if (overflow > 0) found.push(`${width}px: ${overflow}px too wide`);
      await js.evaluate(AXE_SOURCE);
      const violations = await js.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id))`);
      found.push(...violations.map((v) => `${width}px: ${v}`));
    }
    return found;
  }

  it('suspends a partner only with a reason and after the confirmation page', async () => {
    const db = suite.database.db;
    const context = await suite.browser.newContext({ locale: 'fr-FR', javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const checker = await (await suite.browser.newContext({ locale: 'fr-FR', bypassCSP: true })).newPage();
    const page = await context.newPage();
    await signInInBrowser(page, suite.origin, 'ops@example.com', mailer);
    const status = async () => (await queryRows<{ status: string; status_reason: string | null }>(db, sql`select status, status_reason from partners where email = 'max.demo@example.com'`))[0];

    await page.goto(`${suite.origin}/admin/partners`);
    await page.getByRole('link', { name: 'max.demo@example.com' }).click();
    await page.getByRole('button', { name: 'Suspendre…' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Indique le motif de la suspension');
    expect(await status()).toEqual({ status: 'active', status_reason: null });

    await page.getByLabel('Motif de la suspension').fill('Clics achetés');
    await page.getByRole('button', { name: 'Suspendre…' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Suspendre max.demo@example.com ?');
    expect(await status()).toEqual({ status: 'active', status_reason: null });
    expect(await problems(page, checker)).toEqual([]);

    // « Annuler » goes back and changes nothing.
    await page.getByRole('link', { name: 'Annuler, ne rien changer' }).click();
    expect(await status()).toEqual({ status: 'active', status_reason: null });

    await page.getByLabel('Motif de la suspension').fill('Clics achetés');
    await page.getByRole('button', { name: 'Suspendre…' }).click();
    await page.getByRole('button', { name: 'Oui, suspendre' }).click();
    expect(await page.getByRole('status').textContent()).toContain('max.demo@example.com est suspendu');
    expect(await status()).toEqual({ status: 'suspended', status_reason: 'Clics achetés' });

    await page.goto(`${suite.origin}/admin/audit?partner=max.demo%40example.com`);
    expect(await page.locator('tbody tr').first().textContent()).toContain('Partenaire suspendu');
    expect(await page.locator('tbody tr').first().textContent()).toContain('Motif : Clics achetés');
    expect(await problems(page, checker)).toEqual([]);
    await context.close();
  }, 300_000);
});
