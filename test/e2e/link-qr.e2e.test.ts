/**
 * A partner's QR code in a real browser, on a phone: the portal's preview loads (the SVG is drawn by
 * Chromium), a screenshot of it decodes back to the partner's link, and the download link saves
 * the SVG file under its name. The share links open each network's share page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/modules/campaigns/campaigns.js';
import { SCREENSHOTS, signInInBrowser, startBrowserSuite, type BrowserSuite } from '../support/browser.js';
import { CapturingMailer } from '../support/test-app.js';

// jsqr is a CommonJS bundle whose exports object holds the function as `default`.
const jsQR = jsQRModule.default;

describe('a tracked link’s QR code in a real browser', () => {
  const mailer = new CapturingMailer();
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({
      mailer,
      seed: async (database) => {
        await createCampaign(database.db, { name: 'Box bio locale', targetUrl: 'https://brand.example/box', ratePerClickEur: '0,12', posts: ['Ma box bio : {link}'] }, 12, { id: null, label: 'test' });
      },
    });
  });
  afterAll(async () => suite?.close());

  it('previews the QR code, which decodes to the partner’s link, and downloads it as an SVG file', async () => {
    const context = await suite.browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, isMobile: true, acceptDownloads: true });
    const page = await context.newPage();
    await signInInBrowser(page, suite.origin, 'qr@example.com', mailer);

    const card = page.locator('article.campaign', { hasText: 'Box bio locale' });
    const link = await card.getByLabel('Ton lien').inputValue();
    expect(link).toMatch(new RegExp(`^${suite.origin}/r/[0-9A-Za-z]{10}$`));
    const code = link.slice(link.lastIndexOf('/') + 1);

    const preview = card.getByRole('img', { name: 'QR code de ton lien pour Box bio locale' });
    await preview.scrollIntoViewIfNeeded();
    // The image loaded and decoded: the server's SVG is one Chromium draws (the tests run without DOM types).
    const loaded = (img: unknown) => (img as { complete: boolean }).complete && (img as { naturalWidth: number }).naturalWidth > 0;
    await expect.poll(() => preview.evaluate(loaded)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'portal-qr-phone.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: 'Télécharger le QR code (SVG)' }).click()]);
    expect(download.suggestedFilename()).toBe(`plug-and-earn-${code}.svg`);
    const saved = readFileSync(await download.path(), 'utf8');
    expect(saved.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);

    // Drawn larger, as a phone's camera would see a printed one, then read back from the pixels.
    await preview.evaluate((img) => {
      img.setAttribute('width', '320');
      img.setAttribute('height', '320');
    });
    const png = PNG.sync.read(await preview.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
    expect(decoded?.data).toBe(link);

    const whatsapp = card.getByRole('link', { name: 'Partager sur WhatsApp' });
    expect(new URL((await whatsapp.getAttribute('href'))!).searchParams.get('text')).toBe(`Ma box bio : ${link}\n#ad · Publicité`);
    expect(await whatsapp.getAttribute('rel')).toBe('noopener noreferrer');
    await context.close();
  });
});
