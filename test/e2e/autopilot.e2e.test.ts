/**
 * The autopilot in a real browser, against a real AT Protocol server (@atproto/dev-env's PDS on
 * loopback): a partner on a phone connects Bluesky with an app password and turns autopublish on
 * for it (2 a day at most, 9 h–21 h every day, Europe/Paris, 3 h apart). The brand's post waiting
 * for them, and the one the operator writes next, are each scheduled at least the veto window
 * (AUTOPUBLISH_VETO_HOURS) ahead, shown under « Programmés par l’autopublication » and announced
 * by email. The partner edits the first one's text and cancels the second. Then the clock moves
 * past both times: the edited post appears on the PDS once (disclosure first, the partner's link
 * as a link facet), shown as published; the cancelled one never goes out, and neither a longer run
 * nor a second worker posts anything again.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publications } from '../../src/db/schema.js';
import type { Worker } from '../../src/modules/jobs/worker.js';
import { createCampaign } from '../../src/modules/campaigns/campaigns.js';
import { instantToWall } from '../../src/modules/publishing/autopilot/schedule.js';
import { startPublishingWorker } from '../../src/modules/publishing/publishing-worker.js';
import { createTemplate } from '../../src/modules/publishing/templates.js';
import { connectBlueskyInBrowser, SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { startBlueskyServer, type BlueskyServer } from '../support/bluesky-server.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

// Headless Chromium says "HeadlessChrome", which the bot rule rightly refuses: people use this.
const PERSON_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const HOUR = 3_600_000;
const VETO_HOURS = 12;
const FIRST = 'Ma box bio du mois, livrée chez toi : {link} #bio';
const SECOND = 'Nouveau : la box apéro bio, à découvrir : {link}';
const shot = (name: string) => join(SCREENSHOTS, `autopilot-${name}.png`);

describe('the autopilot in a real browser', () => {
  let suite: BrowserSuite;
  let bluesky: BlueskyServer;
  let brand: Server;
  let worker: Worker;
  let campaignId = '';
  const mailer = new CapturingMailer();
  /** The app's and the worker's clock: the real one, moved ahead by the test. */
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    bluesky = await startBlueskyServer('lina.test');
    brand = createHttpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Box bio</h1>'));
    await new Promise<void>((resolve) => brand.listen(0, '127.0.0.1', resolve));
    const brandUrl = `http://127.0.0.1:${(brand.address() as { port: number }).port}/offre`;
    suite = await startBrowserSuite({
      mailer,
      env: { PUBLISHING_ALLOW_LOOPBACK: 'true', AUTOPUBLISH_VETO_HOURS: String(VETO_HOURS) },
      seed: async (database) => {
        const campaign = await createCampaign(database.db, { name: 'Box bio', targetUrl: brandUrl, ratePerClickEur: '0,12' }, 12, { id: null, label: 'test' });
        campaignId = campaign.id;
        await createTemplate(database.db, testConfig(), campaign.id, { locale: 'fr', texts: FIRST }, { id: null, label: 'test' });
      },
    });
    // Set before the worker starts: its claims read the same clock (startWorker's `clock`).
    suite.app.publishing.clock = clock;
    worker = startPublishingWorker(suite.database.db, suite.app.publishing, mailer, { error: (error) => console.error(error) }, { pollMs: 200 });
    suite.app.publishing.wakeWorker = () => worker.wake();
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await suite?.close();
    await bluesky?.close();
    await new Promise((resolve) => brand?.close(resolve));
  });

  it('schedules the brand’s posts ahead, lets the partner edit and cancel, and posts once when the time comes', async () => {
    const { browser, origin } = suite;
    const db = suite.database.db;
    const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, userAgent: PERSON_UA });
    const page = await context.newPage();
    await signInInBrowser(page, origin, 'lina@example.com', mailer);

    // Connect Bluesky with an app password, on the local PDS.
    await connectBlueskyInBrowser(page, bluesky);

    // « Autopublication », off until the partner turns it on.
    const account = page.locator('li.account', { hasText: `@${bluesky.handle}` });
    const block = account.locator('details.autopilot');
    await expect.poll(() => block.locator('summary').textContent()).toContain('désactivée');
    await block.locator('summary').click();
    await block.getByLabel(`Publier automatiquement les posts de la marque sur @${bluesky.handle}`).check();
    await block.getByLabel(/^Posts par jour au plus/).fill('2');
    await block.getByLabel('De', { exact: true }).selectOption('9');
    await block.getByLabel('À', { exact: true }).selectOption('21');
    const days = block.locator('fieldset.days input[type=checkbox]');
    expect(await days.count()).toBe(7);
    for (const day of await days.all()) await day.check();
    await block.getByLabel('Fuseau horaire (ex. Europe/Paris)').fill('Europe/Paris');
    await block.getByLabel('Écart minimal entre deux posts sur ce compte').selectOption('180');
    await block.getByRole('button', { name: 'Enregistrer' }).click();
    // The post already waiting is scheduled at once.
    await page.waitForSelector('text=Autopublication enregistrée : 1 post programmé.');
    const saved = page.locator('li.account', { hasText: `@${bluesky.handle}` }).locator('details.autopilot');
    expect(await saved.locator('summary').textContent()).toContain('activée, 2 par jour au plus, de 9\u00a0h à 21\u00a0h');
    await page.screenshot({ path: shot('portal-block-fr-390'), fullPage: true });
    await saved.screenshot({ path: shot('portal-block-only-fr-390') });

    // The operator writes a second post: the worker prepares it and the autopilot schedules it too.
    await createTemplate(db, testConfig(), campaignId, { locale: 'fr', texts: SECOND }, { id: null, label: 'test' });
    worker.wake();
    const scheduledRows = async () => (await db.select().from(publications)).filter((row) => row.state === 'scheduled');
    await expect.poll(async () => (await scheduledRows()).length, { timeout: 60_000, interval: 250 }).toBe(2);
    const rows = await scheduledRows();
    const now = clock().getTime();
    for (const row of rows) {
      expect(row.autopilot).toBe(true);
      // At least the veto window ahead, and within the partner's hours in Paris.
      expect(row.scheduledAt!.getTime()).toBeGreaterThanOrEqual(now + VETO_HOURS * HOUR - 60_000);
      const hour = Number(instantToWall(row.scheduledAt!, 'Europe/Paris').slice(11, 13));
      expect(hour).toBeGreaterThanOrEqual(9);
      expect(hour).toBeLessThan(21);
    }
    const [a, b] = rows.map((row) => row.scheduledAt!.getTime()).sort((x, y) => x - y);
    expect(b! - a!).toBeGreaterThanOrEqual(3 * HOUR);
    const first = rows.find((row) => row.text.includes('Ma box bio du mois'))!;
    const second = rows.find((row) => row.text.includes('la box apéro bio'))!;
    expect(first.text.startsWith('Publicité · Box bio\n')).toBe(true);

    // On the posts page, under « Programmés par l’autopublication », each with its time.
    await page.goto(`${origin}/partner/posts`);
    const scheduled = page.locator('section[aria-labelledby="scheduled-title"]');
    expect(await scheduled.locator('h2').textContent()).toMatch(/^Programmés par l’autopublication\s*\(2\)$/);
    const firstCard = page.locator(`#post-${first.id}`);
    const secondCard = page.locator(`#post-${second.id}`);
    const whenOf = async (card: typeof firstCard) => ((await card.locator('.publication-when').textContent()) ?? '').trim().replace(/^Part le /, '');
    const firstWhen = await whenOf(firstCard);
    const secondWhen = await whenOf(secondCard);
    expect(firstWhen).toMatch(/^\p{L}+ \d{1,2} \p{L}+ (à )?\d{2}:\d{2}$/u);
    expect(await firstCard.locator('input[type=datetime-local]').inputValue()).toBe(instantToWall(first.scheduledAt!, 'Europe/Paris'));
    expect(await firstCard.locator('textarea').inputValue()).toBe(first.text);
    await page.screenshot({ path: shot('posts-scheduled-fr-390'), fullPage: true });

    // The email announcing them (one minute later, so that posts scheduled together go in one).
    offsetMs += 2 * 60_000;
    worker.wake();
    const notices = () => mailer.sent.filter((mail) => mail.to === 'lina@example.com' && /programmés? sur tes comptes/.test(mail.subject));
    await expect.poll(() => notices().map((mail) => mail.text).join('\n'), { timeout: 60_000, interval: 250 }).toContain(secondWhen);
    const announced = notices().map((mail) => mail.text).join('\n');
    expect(announced).toContain(`${firstWhen} · @${bluesky.handle} : « Publicité · Box bio Ma box bio du mois`);
    expect(announced).toContain('Tu peux annuler, modifier ou déplacer chacun dans « Mes posts » jusqu’à son départ.');
    expect(announced).toContain(`${origin}/partner/posts#scheduled-title`);

    // The veto: the first one's text edited (that text goes out), the second cancelled.
    const editedText = `${first.text}\nJe l’ai testée, je valide !`;
    await firstCard.locator('textarea').fill(editedText);
    await firstCard.getByRole('button', { name: 'Enregistrer le texte' }).click();
    await page.waitForSelector('text=Texte enregistré : c’est lui qui partira.');
    expect(await page.locator(`#post-${first.id} textarea`).inputValue()).toBe(editedText);
    await page.locator(`#post-${second.id}`).getByRole('button', { name: 'Annuler ce post' }).click();
    await page.waitForSelector('text=Post annulé : il ne partira pas.');
    expect(await page.locator(`#post-${second.id}`).count()).toBe(0);
    expect(await scheduled.locator('h2').textContent()).toMatch(/\(1\)$/);
    await page.screenshot({ path: shot('posts-after-veto-fr-390'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.screenshot({ path: shot('posts-after-veto-fr-1366'), fullPage: true });
    await page.goto(`${origin}/partner/portal#accounts`);
    await page.locator('li.account', { hasText: `@${bluesky.handle}` }).locator('details.autopilot > summary').click();
    await page.screenshot({ path: shot('portal-block-fr-1366'), fullPage: true });
    // The same in English, on a phone: the block and the scheduled post.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('a[hreflang="en"]').click();
    await page.locator('li.account', { hasText: `@${bluesky.handle}` }).locator('details.autopilot > summary').click();
    expect(await page.locator('li.account details.autopilot > summary').first().textContent()).toContain('on, at most 2 a day, from 09:00 to 21:00');
    await page.locator('li.account details.autopilot').first().screenshot({ path: shot('portal-block-only-en-390') });
    await page.goto(`${origin}/partner/posts`);
    expect(await page.locator('#scheduled-title').textContent()).toContain('Scheduled by autopublish');
    await page.screenshot({ path: shot('posts-scheduled-en-390'), fullPage: true });
    await page.locator('a[hreflang="fr"]').click();
    // Nothing has gone out before its time.
    expect(await bluesky.posts()).toEqual([]);

    // The clock moves past both times: the edited one goes out, once; the cancelled one never.
    offsetMs = Math.max(first.scheduledAt!.getTime(), second.scheduledAt!.getTime()) + 5 * 60_000 - Date.now();
    worker.wake();
    await expect.poll(async () => (await bluesky.posts()).length, { timeout: 120_000, interval: 250 }).toBe(1);
    const [post] = await bluesky.posts();
    expect(post!.value.text).toBe(editedText);
    expect(post!.value.text.startsWith('Publicité · Box bio\n')).toBe(true);
    const link = post!.value.facets!.flatMap((facet) => facet.features).find((feature) => feature.uri)!.uri!;
    expect(link).toMatch(new RegExp(`^${origin}/r/[0-9A-Za-z]{10}$`));
    expect(post!.value.text).toContain(link);

    await expect.poll(async () => {
      await page.goto(`${origin}/partner/posts`);
      return page.locator('section[aria-labelledby="published-title"]').getByRole('link', { name: 'Voir le post' }).count();
    }, { timeout: 60_000, interval: 500 }).toBe(1);
    const published = page.locator('section[aria-labelledby="published-title"]');
    expect(await published.locator('.publication-text').textContent()).toBe(editedText);
    expect(await published.getByRole('link', { name: 'Voir le post' }).getAttribute('href')).toBe(`https://bsky.app/profile/${bluesky.handle}/post/${post!.uri.split('/').at(-1)}`);
    expect(await page.locator('section[aria-labelledby="scheduled-title"]').count()).toBe(0);
    await page.screenshot({ path: shot('posts-published-fr-390'), fullPage: true });
    const after = new Map((await db.select().from(publications)).map((row) => [row.id, row]));
    expect(after.get(first.id)!.state).toBe('published');
    expect(after.get(second.id)!.state).toBe('declined');
    expect(after.get(second.id)!.stateDetail).toBe('cancelled_by_partner');

    // Later still, woken again and again, and a second worker on the same queue: nothing more.
    offsetMs += 3 * 86_400_000;
    const another = startPublishingWorker(db, suite.app.publishing, mailer, { error: (error) => console.error(error) }, { pollMs: 200, workerId: 'second-worker' });
    try {
      for (let round = 0; round < 10; round++) {
        worker.wake();
        another.wake();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    } finally {
      await another.stop();
    }
    expect((await bluesky.posts()).map((record) => record.uri)).toEqual([post!.uri]);
    expect((await db.select().from(publications).where(eq(publications.id, second.id)))[0]!.state).toBe('declined');
    await context.close();
  }, 300_000);
});
