import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/modules/campaigns/campaigns.js';
import { utcDay } from '../../src/modules/clicks/click-rules.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, click, operator, partnerIdByEmail } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const text = (body: string) => body.replace(/[\u00a0\u202f]/g, ' ');
const DAY = 86_400_000;

/** The `<article>` of one campaign's card in the portal. */
function card(page: string, campaignName: string): string {
  const start = page.indexOf(`<h2>${campaignName}`);
  expect(start, campaignName).toBeGreaterThan(-1);
  return page.slice(page.lastIndexOf('<article', start), page.indexOf('</article>', start));
}

/** The cells of a figures row, by its heading. */
function row(cardHtml: string, heading: string): string[] {
  const match = new RegExp(`<tr><th scope="row">${heading}</th>(.*?)</tr>`).exec(cardHtml);
  expect(match, heading).not.toBeNull();
  return [...match![1]!.matchAll(/<td class="num">(.*?)<\/td>/g)].map((m) => text(m[1]!));
}

describe.each(ENGINES)('the portal’s links: figures, share links, QR code on %s', (engine) => {
  let t: TestApp;
  let lina: Visitor;
  let max: Visitor;
  let boxCode: string;
  let appCode: string;
  let maxBoxCode: string;
  let clickedAt: Date;
  /** Today's expected figure, or 0 if the UTC day ended between the clicks and the page (a run at midnight). */
  const today = (value: string, zero: string) => (utcDay(clickedAt) === utcDay(new Date()) ? value : zero);

  beforeAll(async () => {
    t = await createTestApp(engine);
    const db = t.database.db;
    await createCampaign(db, { name: 'Box & co', targetUrl: 'https://brand.example/box', ratePerClickEur: '0.12', posts: ['Ma box « bio » & locale : {link} ?'] }, 12, operator);
    await addCampaign(db, '0.07', 'Appli sans post');
    lina = new Visitor(t.app);
    max = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
    await max.signIn('max@example.com', t.mailer);
    const codes = async (visitor: Visitor) =>
      new Map(((await visitor.get('/api/me/links')).json() as Array<{ code: string; campaignName: string }>).map((l) => [l.campaignName, l.code]));
    const linaCodes = await codes(lina);
    boxCode = linaCodes.get('Box & co')!;
    appCode = linaCodes.get('Appli sans post')!;
    maxBoxCode = (await codes(max)).get('Box & co')!;

    const now = new Date();
    clickedAt = now;
    // Today: two valid clicks, a bot and her own click; three days ago a valid one; 20 days ago a load by an image.
    await click(db, boxCode, { now });
    await click(db, boxCode, { now });
    await click(db, boxCode, { now, userAgent: 'facebookexternalhit/1.1' });
    await click(db, boxCode, { now, signedIn: await partnerIdByEmail(db, 'lina@example.com') });
    await click(db, boxCode, { now: new Date(now.getTime() - 3 * DAY) });
    await click(db, boxCode, { now: new Date(now.getTime() - 20 * DAY), notNavigation: true });
    // Max's clicks are his own.
    for (let i = 0; i < 5; i++) await click(db, maxBoxCode, { now });
  });
  afterAll(async () => t?.close());

  it('shows each card’s clicks, valid clicks and euros for today, 7 and 30 days, and the not-counted by reason', async () => {
    const page = await lina.get('/partner/portal');
    expect(page.statusCode).toBe(200);
    const box = card(page.body, 'Box &amp; co');
    expect(box).toContain('<caption id="stats-');
    expect(box).toMatch(/<th scope="col" class="num">Aujourd’hui<\/th><th scope="col" class="num"><span aria-hidden="true">7 j<\/span><span class="sr-only">7 derniers jours<\/span><\/th>/);
    expect(row(box, 'Clics')).toEqual([today('4', '0'), '5', '6']);
    expect(row(box, 'Clics valides')).toEqual([today('2', '0'), '3', '3']);
    expect(row(box, 'Gains')).toEqual([today('0,24 €', '0,00 €'), '0,36 €', '0,36 €']);
    expect(text(box)).toContain('Clics non comptés sur 30 jours :');
    expect(box).toContain('<li><strong>1</strong> robot ou aperçu de lien</li>');
    expect(box).toContain('<li><strong>1</strong> ton propre clic</li>');
    expect(box).toContain('<li><strong>1</strong> chargé par une page (image, script…), pas une visite</li>');
    expect(box).not.toContain('même visiteur');

    const app = card(page.body, 'Appli sans post');
    expect(row(app, 'Gains')).toEqual(['0,00 €', '0,00 €', '0,00 €']);
    expect(app).toContain('Aucun clic non compté sur 30 jours.');
  });

  it('shows a partner only their own figures and links', async () => {
    const page = await max.get('/partner/portal');
    const box = card(page.body, 'Box &amp; co');
    expect(row(box, 'Clics valides')).toEqual([today('5', '0'), '5', '5']);
    expect(page.body).toContain(maxBoxCode);
    expect(page.body).not.toContain(boxCode);
    expect(page.body).not.toContain(appCode);
  });

  it('offers share links to each network’s share page, the first post (with #ad) encoded, no third-party script or image', async () => {
    const page = await lina.get('/partner/portal');
    const box = card(page.body, 'Box &amp; co');
    const link = `http://partners.test/r/${boxCode}`;
    const post = `Ma box « bio » & locale : ${link} ?\n#ad · Publicité`;
    const anchors = [...box.matchAll(/<a class="share-(\w+)" href="([^"]+)" aria-label="([^"]+)"( target="_blank" rel="noopener noreferrer")?>([^<]+)<\/a>/g)].map(
      ([, network, href, label, newTab, name]) => ({ network, href: href!.replace(/&amp;/g, '&'), label, newTab: Boolean(newTab), name }),
    );
    expect(anchors.map((a) => [a.network, a.label, a.name, a.newTab])).toEqual([
      ['whatsapp', 'Partager sur WhatsApp', 'WhatsApp', true],
      ['telegram', 'Partager sur Telegram', 'Telegram', true],
      ['x', 'Partager sur X', 'X', true],
      ['linkedin', 'Partager sur LinkedIn', 'LinkedIn', true],
      ['facebook', 'Partager sur Facebook', 'Facebook', true],
      ['email', 'Partager par email', 'Email', false],
    ]);
    const href = (network: string) => anchors.find((a) => a.network === network)!.href;
    expect(new URL(href('whatsapp')).searchParams.get('text')).toBe(post);
    expect(new URL(href('x')).origin + new URL(href('x')).pathname).toBe('https://x.com/intent/post');
    expect(new URL(href('x')).searchParams.get('text')).toBe(post);
    expect(new URL(href('telegram')).searchParams.get('url')).toBe(link);
    expect(new URL(href('telegram')).searchParams.get('text')).toContain('#ad · Publicité');
    expect(href('linkedin')).toBe(`https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(link)}`);
    expect(href('facebook')).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(link)}`);
    expect(decodeURIComponent(href('email').split('&body=')[1]!)).toBe(post.replace(/\n/g, '\r\n'));
    expect(href('email')).toMatch(/^mailto:\?subject=Box%20%26%20co&body=/);

    // Without a ready post, the link alone.
    const app = card(page.body, 'Appli sans post');
    const appWhatsapp = /<a class="share-whatsapp" href="([^"]+)"/.exec(app)![1]!;
    expect(new URL(appWhatsapp).searchParams.get('text')).toBe(`http://partners.test/r/${appCode}`);

    // Nothing loaded from another site: the only script is ours, every image is ours.
    expect([...page.body.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/assets/app.js" defer>']);
    for (const [, src] of page.body.matchAll(/<img [^>]*src="([^"]+)"/g)) expect(src).toMatch(/^\/partner\/links\/[0-9A-Za-z]+\/qr\.svg$/);
  });

  it('previews each link’s QR code lazily with a text alternative and offers it to download', async () => {
    const box = card((await lina.get('/partner/portal')).body, 'Box &amp; co');
    expect(box).toContain(`<img src="/partner/links/${boxCode}/qr.svg" width="112" height="112" loading="lazy" decoding="async" alt="QR code de ton lien pour Box &amp; co">`);
    expect(box).toContain(`<a href="/partner/links/${boxCode}/qr.svg" download="plug-and-earn-${boxCode}.svg">Télécharger le QR code (SVG)</a>`);
    const english = await lina.get('/partner/portal?lang=en');
    expect(english.body).toContain('aria-label="Share on WhatsApp"');
    expect(english.body).toContain('<th scope="col" class="num">Today</th>');
    expect(english.body).toContain('Download the QR code (SVG)');
    expect(text(english.body)).toContain('€0.36');
  });

  it('serves the owner their link’s QR code as a safe SVG file', async () => {
    const response = await lina.get(`/partner/links/${boxCode}/qr.svg`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="plug-and-earn-${boxCode}.svg"`);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const svg = response.body;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Only drawing: <svg> and <path> elements, no script, event handler, link or foreign content.
    expect(new Set([...svg.matchAll(/<\/?([\w:-]+)/g)].map((m) => m[1]))).toEqual(new Set(['svg', 'path']));
    expect(svg).not.toMatch(/script|\bon\w+=|href|<!|<\?|foreignObject/i);
  });

  it('refuses another partner’s link, an unknown or malformed code (404), and a signed-out visitor (401)', async () => {
    expect((await max.get(`/partner/links/${boxCode}/qr.svg`)).statusCode).toBe(404);
    expect((await lina.get(`/partner/links/${maxBoxCode}/qr.svg`)).statusCode).toBe(404);
    expect((await lina.get('/partner/links/zzzzzzzzzz/qr.svg')).statusCode).toBe(404);
    expect((await lina.get('/partner/links/%3Csvg%3E/qr.svg')).statusCode).toBe(404);
    const signedOut = await t.app.inject({ url: `/partner/links/${boxCode}/qr.svg` });
    expect(signedOut.statusCode).toBe(401);
    expect(signedOut.headers['content-type']).not.toContain('svg');
  });
});
