/**
 * « Connecte tes comptes. Valide nos posts. » in a real browser, against a real AT Protocol server
 * (@atproto/dev-env's PDS on loopback): a partner on a phone connects their Bluesky account with an
 * app password, approves the brand's post, and the post appears on the PDS with the disclosure
 * first and the partner's link as a link facet; a visitor follows that link to the brand, and the
 * click is counted for that publication on the partner's page.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Worker } from '../../src/modules/jobs/worker.js';
import { createCampaign } from '../../src/modules/campaigns/campaigns.js';
import { startPublishingWorker } from '../../src/modules/publishing/publishing-worker.js';
import { createTemplate } from '../../src/modules/publishing/templates.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBlueskyInBrowser, SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { startBlueskyServer, type BlueskyServer } from '../support/bluesky-server.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

// Headless Chromium says "HeadlessChrome", which the bot rule rightly refuses: people use this.
const PERSON_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

describe('publishing a post in a real browser', () => {
  let suite: BrowserSuite;
  let bluesky: BlueskyServer;
  let brand: Server;
  let worker: Worker;
  const brandHits: string[] = [];
  const mailer = new CapturingMailer();

  beforeAll(async () => {
    bluesky = await startBlueskyServer('lina.test');
    brand = createHttpServer((request, response) => {
      if (request.url !== '/favicon.ico') brandHits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Box bio — la marque</h1>');
    });
    await new Promise<void>((resolve) => brand.listen(0, '127.0.0.1', resolve));
    const brandUrl = `http://127.0.0.1:${(brand.address() as { port: number }).port}/offre`;
    suite = await startBrowserSuite({
      mailer,
      env: { PUBLISHING_ALLOW_LOOPBACK: 'true' },
      seed: async (database) => {
        const campaign = await createCampaign(database.db, { name: 'Box bio', targetUrl: brandUrl, ratePerClickEur: '0,12' }, 12, { id: null, label: 'test' });
        await createTemplate(database.db, testConfig(), campaign.id, { locale: 'fr', texts: 'Ma box bio du mois, livrée chez toi : {link} #bio' }, { id: null, label: 'test' });
      },
    });
    // The worker the server would run, polling often so the test does not wait.
    worker = startPublishingWorker(suite.database.db, suite.app.publishing, mailer, { error: (error) => console.error(error) }, { pollMs: 200 });
    suite.app.publishing.wakeWorker = () => worker.wake();
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await suite?.close();
    await bluesky?.close();
    await new Promise((resolve) => brand?.close(resolve));
  });

  it('connects Bluesky, approves the post, which appears on the PDS; a visitor’s click counts for it', async () => {
    const { browser, origin } = suite;
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, userAgent: PERSON_UA });
    const page = await context.newPage();
    await signInInBrowser(page, origin, 'lina@example.com', mailer);

    // Connect: handle, app password, and the server (folded, as most partners use bsky.social).
    await connectBlueskyInBrowser(page, bluesky);
    expect(await page.locator('li.account', { hasText: `@${bluesky.handle}` }).count()).toBe(1);

    // The post is waiting; the partner approves it as it is.
    await page.getByRole('link', { name: 'Voir mes posts' }).click();
    await page.waitForURL(`${origin}/partner/posts`);
    const card = page.locator('article.publication', { hasText: `@${bluesky.handle}` });
    const text = await card.locator('textarea').inputValue();
    expect(text.startsWith('Publicité · Box bio\nMa box bio du mois, livrée chez toi : ')).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'posts-pending-fr-390.png'), fullPage: true });
    await card.getByRole('button', { name: `Publier sur @${bluesky.handle}` }).click();
    await page.waitForSelector('text=Validé : le post part dans un instant.');

    // On the PDS: once, exactly the approved text, the link as a facet.
    await expect.poll(async () => (await bluesky.posts()).length, { timeout: 60_000, interval: 250 }).toBe(1);
    const [post] = await bluesky.posts();
    expect(post!.value.text).toBe(text);
    expect(post!.value.langs).toEqual(['fr']);
    const link = post!.value.facets!.flatMap((facet) => facet.features).find((feature) => feature.uri)!.uri!;
    expect(link).toMatch(new RegExp(`^${origin}/r/[0-9A-Za-z]{10}$`));
    expect(text).toContain(link);
    expect(post!.value.facets!.flatMap((facet) => facet.features).some((feature) => feature.tag === 'bio')).toBe(true);

    await expect.poll(async () => {
      await page.goto(`${origin}/partner/posts`);
      return page.locator('section', { hasText: 'Publiées' }).getByRole('link', { name: 'Voir le post' }).count();
    }, { timeout: 30_000, interval: 250 }).toBe(1);
    const seeIt = await page.getByRole('link', { name: 'Voir le post' }).getAttribute('href');
    expect(seeIt).toBe(`https://bsky.app/profile/${bluesky.handle}/post/${post!.uri.split('/').at(-1)}`);

    // A visitor follows the link in the post: the brand's page, and the click for this publication.
    const visitor = await browser.newContext({ locale: 'fr-FR', userAgent: PERSON_UA });
    const visit = await visitor.newPage();
    await visit.goto(link);
    await visit.waitForSelector('text=Box bio — la marque');
    // The brand's page, with the click id its shop keeps (issue 17).
    expect(brandHits).toHaveLength(1);
    expect(brandHits[0]).toMatch(/^\/offre\?pe_click=[0-9a-z]+\.[A-Za-z0-9_-]{16}$/);
    await visitor.close();
    await expect.poll(async () => {
      await page.goto(`${origin}/partner/posts`);
      return page.locator('section', { hasText: 'Publiées' }).locator('.publication-figures').textContent();
    }, { timeout: 30_000, interval: 250 }).toMatch(/^1 clic · 1 valide · 0,12\s€$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'posts-published-fr-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${origin}/partner/posts?lang=en`);
    await page.screenshot({ path: join(SCREENSHOTS, 'posts-published-en-1366.png'), fullPage: true });
    await context.close();
  });
});
