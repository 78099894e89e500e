/**
 * A partner earns in a real browser: signs in, copies their link, a visitor in another browser
 * context follows it to the brand, and the partner's earnings page shows the click and its amount.
 * The operator's pages are screenshotted with the demo data loaded.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/modules/campaigns/campaigns.js';
import { loadDemoData } from '../../src/modules/demo/demo-data.js';
import { SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { CapturingMailer } from '../support/test-app.js';

const shots = SCREENSHOTS;
// Headless Chromium says "HeadlessChrome", which the bot rule rightly refuses: people use this.
const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';


describe('earning in a real browser', () => {
  let browser: Browser;
  let origin: string;
  let brand: Server;
  const brandHits: string[] = [];
  const mailer = new CapturingMailer();

  let suite: BrowserSuite;
  beforeAll(async () => {
    // The brand's own site, on loopback: where a tracked link must land.
    brand = createHttpServer((request, response) => {
      if (request.url !== '/favicon.ico') brandHits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Box bio — la marque</h1>');
    });
    await new Promise<void>((resolve) => brand.listen(0, '127.0.0.1', resolve));
    const brandUrl = `http://127.0.0.1:${(brand.address() as { port: number }).port}/offre?src=pe`;
    suite = await startBrowserSuite({
      mailer,
      seed: async (database) => {
        await loadDemoData(database.db);
        await createCampaign(database.db, { name: 'Box bio locale', targetUrl: brandUrl, ratePerClickEur: '0,12', posts: ['Ma box bio : {link}'] }, 12, { id: null, label: 'test' });
      },
    });
    ({ browser, origin } = suite);
  });

  afterAll(async () => {
    await suite?.close();
    await new Promise((resolve) => brand?.close(resolve));
  });

  const signIn = (page: Page, email: string) => signInInBrowser(page, origin, email, mailer);

  it('copies the link, a visitor follows it, and the earnings page shows the click and amount', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1200, height: 900 }, userAgent: PERSON_UA });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    await signIn(page, 'earner@example.com');

    const card = page.locator('article.campaign', { hasText: 'Box bio locale' });
    const linkField = card.getByLabel('Ton lien');
    const link = await linkField.inputValue();
    expect(link).toMatch(new RegExp(`^${origin}/r/[0-9A-Za-z]{10}$`));
    await card.getByRole('button', { name: 'Copier le lien' }).click();
    await expect.poll(() => card.getByRole('button', { name: 'Copié ✓' }).count()).toBe(1);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(link);
    expect(await card.locator('textarea').first().inputValue()).toContain(`${link}`);
    expect(await card.locator('textarea').first().inputValue()).toContain('#ad · Publicité');
    await page.screenshot({ path: join(shots, 'portal-links.png'), fullPage: true });

    const before = await page.goto(`${origin}/partners/earnings`);
    expect(before?.status()).toBe(200);
    expect(await page.locator('.figure', { hasText: 'Clics valides (90 j)' }).locator('dd').first().textContent()).toBe('0');

    // A visitor, in another browser, follows the link to the brand's page.
    const visitorContext = await browser.newContext({ locale: 'fr-FR', userAgent: PERSON_UA });
    const visitor = await visitorContext.newPage();
    await visitor.goto(link);
    // The brand's page, with the click id its shop keeps to report a sale (issue 17).
    expect(visitor.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/offre\?src=pe&pe_click=[0-9a-z]+\.[A-Za-z0-9_-]{16}$/);
    expect(brandHits).toEqual([new URL(visitor.url()).pathname + new URL(visitor.url()).search]);
    expect(await visitor.locator('h1').textContent()).toBe('Box bio — la marque');
    await visitorContext.close();

    await page.goto(`${origin}/partners/earnings`);
    // The figure titled exactly `label` (another figure's help may mention the word).
    const figure = (label: string) => page.locator('.figure').filter({ has: page.locator('dt', { hasText: new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}\\s*$`) }) }).locator('dd').first().textContent();
    expect(await figure('Clics valides (90 j)')).toBe('1');
    expect((await figure('Gains bruts'))?.replace(/\s/g, ' ')).toBe('0,12 €');
    expect((await figure('Disponible'))?.replace(/\s/g, ' ')).toBe('0,12 €');
    await page.screenshot({ path: join(shots, 'earnings-one-click.png'), fullPage: true });

    // Following one's own link is recorded but not paid.
    await page.goto(link);
    expect(brandHits).toHaveLength(2);
    await page.goto(`${origin}/partners/earnings`);
    expect(await figure('Clics valides (90 j)')).toBe('1');
    expect(await page.locator('.reasons').textContent()).toContain('ton propre clic');

    await page.goto(`${origin}/partners/leaderboard?days=7`);
    await page.screenshot({ path: join(shots, 'leaderboard.png'), fullPage: true });
    expect(await page.locator('tr.me').count()).toBe(1);
    await context.close();
  });

  it('shows the operator’s back-office pages', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await signIn(page, 'ops@example.com');
    await page.goto(`${origin}/admin`);
    await page.screenshot({ path: join(shots, 'admin.png'), fullPage: true });
    await page.goto(`${origin}/admin/campaigns`);
    await page.screenshot({ path: join(shots, 'admin-campaigns.png'), fullPage: true });
    await page.getByRole('link', { name: 'Démo · Box bio du mois' }).click();
    await page.screenshot({ path: join(shots, 'admin-campaign.png'), fullPage: true });
    await page.goto(`${origin}/admin/partners`);
    await page.getByRole('link', { name: 'lina.demo@example.com' }).click();
    await page.screenshot({ path: join(shots, 'admin-partner.png'), fullPage: true });
    await page.goto(`${origin}/admin/audit`);
    await page.screenshot({ path: join(shots, 'admin-audit.png'), fullPage: true });

    const phone = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
    const mobile = await phone.newPage();
    await signIn(mobile, 'lina.demo@example.com');
    await mobile.goto(`${origin}/partners/earnings`);
    const overflow = (await mobile.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await mobile.screenshot({ path: join(shots, 'earnings-mobile.png'), fullPage: true });
    await phone.close();
    await context.close();
  });
});
