import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { parseClickId } from '../../src/modules/clicks/click-id.js';
import { invalidateRankings } from '../../src/modules/earnings/leaderboard.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, BROWSER_UA, partnerIdByEmail } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const text = (body: string) => body.replace(/[\u00a0\u202f]/g, ' ');

describe.each(ENGINES)('links, clicks and earnings over HTTP on %s', (engine) => {
  let t: TestApp;
  let partner: Visitor;
  let code: string;
  beforeAll(async () => {
    t = await createTestApp(engine, { TRUST_PROXY: 'loopback' });
    await addCampaign(t.database.db, '0.12', 'Box bio');
    partner = new Visitor(t.app);
    await partner.signIn('maker@example.com', t.mailer);
    const links = await partner.request({ method: 'GET', url: '/api/me/links' });
    expect(links.statusCode).toBe(200);
    const list = links.json() as Array<{ code: string; url: string; campaignName: string; posts: string[] }>;
    expect(list).toHaveLength(1);
    code = list[0]!.code;
    expect(list[0]!.url).toBe(`http://partners.test/r/${code}`);
  });
  afterAll(async () => t?.close());

  const visit = (headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
    t.app.inject({ method, url: `/r/${code}`, headers: { 'user-agent': BROWSER_UA, ...headers } });

  async function events(): Promise<Array<{ verdict: string; amount_cents: number }>> {
    return queryRows(t.database.db, sql`select verdict, amount_cents from metric_events order by id`);
  }

  it('redirects to the stored URL, records the click, and ignores any URL in the request', async () => {
    const response = await t.app.inject({ url: `/r/${code}?url=https://evil.example&next=//evil.example`, headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': '203.0.113.1', host: 'evil.example' } });
    expect(response.statusCode).toBe(302);
    // The stored URL, and the click's id for the shop: it names the click just stored.
    const location = response.headers.location as string;
    expect(location).toMatch(/^https:\/\/brand\.example\/offer\?utm=pe&pe_click=[0-9a-z]+\.[\w-]{16}$/);
    const clickId = parseClickId(t.config, new URL(location).searchParams.get('pe_click')!);
    expect(await queryRows(t.database.db, sql`select link_code, verdict from metric_events where id = ${clickId}`)).toEqual([{ link_code: code, verdict: 'valid' }]);
    expect(response.headers['cache-control']).toBe('no-store');
    // Only the security headers that act on a redirect: nothing renders an empty 302.
    expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    for (const name of ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'x-dns-prefetch-control']) {
      expect(response.headers[name], name).toBeUndefined();
    }
    expect(await events()).toEqual([{ verdict: 'valid', amount_cents: 12 }]);
  });

  it('answers unknown or malformed codes with a 404 page and records nothing', async () => {
    for (const bad of ['zzzzzzzzzz', 'short', '../../etc', 'a'.repeat(40), '%3Cscript%3E']) {
      const response = await t.app.inject({ url: `/r/${bad}`, headers: { accept: 'text/html' } });
      expect(response.statusCode, bad).toBe(404);
      expect(response.body).toContain('Page introuvable');
      // A page: every security header.
      expect(response.headers['content-security-policy'], bad).toContain("frame-ancestors 'none'");
    }
    expect(await events()).toHaveLength(1);
  });

  it('redirects HEAD and prefetch requests without recording them', async () => {
    const head = await visit({ 'x-forwarded-for': '203.0.113.2' }, 'HEAD');
    expect(head.statusCode).toBe(302);
    // Nothing recorded, nothing to name: the stored URL alone.
    expect(head.headers.location).toBe('https://brand.example/offer?utm=pe');
    const prefetches: Array<Record<string, string>> = [{ purpose: 'prefetch' }, { 'sec-purpose': 'prefetch;prerender' }, { 'x-purpose': 'preview' }];
    for (const headers of prefetches) {
      const response = await visit({ ...headers, 'x-forwarded-for': '203.0.113.3' });
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toBe('https://brand.example/offer?utm=pe');
    }
    expect(await events()).toHaveLength(1);
  });

  it('records bots and the partner’s own clicks without paying them', async () => {
    expect((await visit({ 'user-agent': 'facebookexternalhit/1.1', 'x-forwarded-for': '203.0.113.4' })).statusCode).toBe(302);
    expect((await visit({ 'user-agent': '', 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(302);
    const own = await partner.request({ method: 'GET', url: `/r/${code}`, headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': '203.0.113.6' } });
    expect(own.statusCode).toBe(302);
    expect((await events()).map((e) => e.verdict)).toEqual(['valid', 'bot', 'bot', 'self']);
  });

  it('tells visitors apart by X-Forwarded-For only when TRUST_PROXY says so', async () => {
    await visit({ 'x-forwarded-for': '203.0.113.7' });
    await visit({ 'x-forwarded-for': '203.0.113.7' });
    await visit({ 'x-forwarded-for': '203.0.113.8' });
    expect((await events()).slice(-3).map((e) => e.verdict)).toEqual(['valid', 'duplicate', 'valid']);

    const untrusting = await createTestApp(engine, { TRUST_PROXY: 'false' });
    try {
      await addCampaign(untrusting.database.db);
      const v = new Visitor(untrusting.app);
      await v.signIn('p2@example.com', untrusting.mailer);
      const [link] = (await v.request({ method: 'GET', url: '/api/me/links' })).json() as Array<{ code: string }>;
      for (const address of ['198.51.100.1', '198.51.100.2']) {
        await untrusting.app.inject({ url: `/r/${link!.code}`, headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': address } });
      }
      const verdicts = await queryRows<{ verdict: string }>(untrusting.database.db, sql`select verdict from metric_events order by id`);
      expect(verdicts.map((r) => r.verdict)).toEqual(['valid', 'duplicate']);
    } finally {
      await untrusting.close();
    }
  });

  it('shows the earnings page with figures, chart, reasons, and the balance API agrees', async () => {
    const page = await partner.get('/partners/earnings');
    expect(page.statusCode).toBe(200);
    const body = text(page.body);
    expect(body).toContain('Compte : ma…r@example.com');
    expect(body).toMatch(/<dt>Clics valides \(90 j\)<\/dt><dd>3<\/dd>/);
    expect(body).toMatch(/<dt>Gains bruts<\/dt><dd>0,36 €<\/dd>/);
    expect(body).toMatch(/<dt>Disponible<\/dt><dd>0,36 €<\/dd>/);
    expect(body).toMatch(/<dt>EPC \(90 j\)<\/dt><dd>0,12 €<\/dd>/);
    // The chart says what it shows in words, and its figures are a table, one row a day.
    expect(body).toMatch(/<figcaption>3 clics valides en 30 jours ; meilleur jour : (2|3) le \d{1,2} [a-zéû]+\.?<\/figcaption>/);
    expect(body.match(/<tr><td><time datetime="\d{4}-\d\d-\d\d">/g)).toHaveLength(30);
    expect(body).not.toMatch(/>\d{4}-\d\d-\d\d</);
    expect(body).toContain('<strong>2</strong> — robot ou aperçu de lien');
    expect(body).toContain('<strong>1</strong> — ton propre clic');
    expect(body).toContain('<strong>1</strong> — même visiteur déjà compté récemment');
    const balance = (await partner.request({ method: 'GET', url: '/api/me/balance' })).json();
    expect(balance).toEqual({
      earnedCents: 36,
      paidCents: 0,
      pendingCents: 0,
      availableCents: 36,
      validClicks90d: 3,
      epcCents90d: 12,
      notCounted: { bot: 2, duplicate: 1, self: 1, over_cap: 0, inactive: 0, suspended: 0, not_navigation: 0 },
    });
    expect((await t.app.inject({ url: '/api/me/balance' })).statusCode).toBe(401);
  });

  it('exports daily statistics as CSV, laid out for the page’s language', async () => {
    const french = await partner.request({ method: 'GET', url: '/partners/earnings.csv' });
    expect(french.statusCode).toBe(200);
    expect(french.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(french.headers['content-disposition']).toBe('attachment; filename="plug-and-earn-statistiques.csv"');
    expect(french.body.startsWith('\ufeff')).toBe(true);
    const frLines = french.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(frLines[0]).toBe('Jour;Campagne;Clics;Clics valides;Gains (€);Robots;Doublons;Tes propres clics;Au-delà du plafond;Campagne inactive;Compte suspendu;Pas une visite');
    expect(frLines[1]).toMatch(/^"\d{4}-\d{2}-\d{2}";"Box bio";7;3;0,36;2;1;1;0;0;0;0$/);
    const english = await partner.request({ method: 'GET', url: '/partners/earnings.csv?lang=en' });
    expect(english.headers['content-disposition']).toBe('attachment; filename="plug-and-earn-statistics.csv"');
    const enLines = english.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(enLines[0]).toBe('day,campaign,clicks,valid_clicks,earned_eur,bot,duplicate,self,over_cap,inactive,suspended,not_navigation');
    expect(enLines[1]).toMatch(/^"\d{4}-\d{2}-\d{2}","Box bio",7,3,0\.36,2,1,1,0,0,0,0$/);
    await partner.request({ method: 'GET', url: '/partners/earnings.csv?lang=fr' }); // back to French for the next tests
  });

  it('shows the portal with the link, copy buttons and ready posts carrying the disclosure', async () => {
    await t.app.inject({ url: '/' });
    const campaignId = (await queryRows<{ id: string }>(t.database.db, sql`select id from campaigns where name = 'Box bio'`))[0]!.id;
    await t.database.db.execute(sql`update campaigns set posts = array['Ma box bio est là : {link}', 'Sans lien ni mention'] where id = ${campaignId}`);
    const page = await partner.get('/partner/portal');
    // The email is masked in the page as in its header (a phone's screen is seen by others).
    expect(page.body).not.toContain('maker@example.com');
    expect(page.body).toContain('Bienvenue, ma…r@example.com.');
    expect(page.body).toContain(`value="http://partners.test/r/${code}"`);
    expect(page.body).toContain('data-copy=');
    expect(page.body).toContain(`Ma box bio est là : http://partners.test/r/${code}\n#ad · Publicité`);
    expect(page.body).toContain(`Sans lien ni mention\nhttp://partners.test/r/${code}\n#ad · Publicité`);
    expect(page.body).toContain('<script src="/assets/app.js" defer></script>');
    expect((await t.app.inject({ url: '/assets/app.js' })).statusCode).toBe(200);
  });

  it('lets a partner pick a pseudonym, escapes it everywhere, and refuses bad or taken ones', async () => {
    await partner.get('/partner/portal');
    const saved = await partner.post('/partner/pseudonym', { pseudonym: 'Max Bio' });
    expect(saved.statusCode).toBe(303);
    const board = await partner.get('/partners/leaderboard?days=7');
    expect(board.body).toContain('Max Bio');
    expect(board.body).toContain('Ton rang : #1 avec 3 clics valides.');
    await partner.get('/partner/portal');
    const bad = await partner.post('/partner/pseudonym', { pseudonym: '<script>alert(1)</script>' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('2 à 40 caractères');
    expect(bad.body).not.toContain('<script>alert(1)</script>');
    expect(bad.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const other = new Visitor(t.app);
    await other.signIn('copycat@example.com', t.mailer);
    await other.get('/partner/portal');
    const taken = await other.post('/partner/pseudonym', { pseudonym: 'max bio' });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toContain('déjà pris');
    // Look-alikes: a Cyrillic « а » among Latin letters, full-width letters.
    await other.get('/partner/portal');
    const mixed = await other.post('/partner/pseudonym', { pseudonym: 'Mаx Bio' });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.body).toContain('mélange des alphabets');
    await other.get('/partner/portal');
    const lookalike = await other.post('/partner/pseudonym', { pseudonym: 'Ｍａｘ Ｂｉｏ' });
    expect(lookalike.statusCode).toBe(400);
    expect(lookalike.body).toContain('ressemble trop à celui d’un autre partenaire');
    // A hostile pseudonym written straight into the database still renders as text.
    const id = await partnerIdByEmail(t.database.db, 'maker@example.com');
    await t.database.db.execute(sql`update partners set pseudonym = '<img src=x onerror=alert(1)>' where id = ${id}`);
    invalidateRankings(t.database.db); // written behind the app's back: drop its cached ranking
    // Signed in or not, the leaderboard page holds no full email.
    const signedInBoard = await partner.get('/partners/leaderboard?days=90');
    for (const email of ['maker@example.com', 'copycat@example.com']) expect(signedInBoard.body).not.toContain(email);
    expect(signedInBoard.body).toContain('ma…r@example.com');
    const escaped = await t.app.inject({ url: '/partners/leaderboard' });
    expect(escaped.body).not.toContain('<img src=x');
    expect(escaped.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const api = (await t.app.inject({ url: '/api/leaderboard?days=7' })).json();
    expect(api).toEqual([{ rank: 1, label: '<img src=x onerror=alert(1)>', clicks: 3 }]);
    expect(JSON.stringify(api)).not.toContain(id);
  });

  it('refuses bad leaderboard periods on the API too', async () => {
    for (const days of ['0', '-1', '91', 'abc', '1e9']) {
      const response = await t.app.inject({ url: `/api/leaderboard?days=${days}` });
      expect(response.statusCode, days).toBe(400);
      expect(response.json().error).toBe('invalid_days');
    }
  });
});
