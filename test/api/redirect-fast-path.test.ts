/**
 * The redirect's fast path answers before Fastify, so `inject` never reaches it: these tests listen
 * on a real port. It must answer exactly as the route does, record the same verdicts, and leave
 * every case it does not handle to Fastify.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { parseClickId } from '../../src/modules/clicks/click-id.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, BROWSER_UA, linkCode, partnerIdByEmail } from '../support/fixtures.js';
import { NAVIGATION, rawRequest } from '../support/raw-http.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('the redirect’s fast path on %s', (engine) => {
  let t: TestApp;
  let partner: Visitor;
  let code: string;
  let origin: string;
  beforeAll(async () => {
    // One trusted proxy: the client is the last address of X-Forwarded-For.
    t = await createTestApp(engine, { TRUST_PROXY: '1' });
    await addCampaign(t.database.db, '0.12', 'Box bio');
    partner = new Visitor(t.app);
    await partner.signIn('fast@example.com', t.mailer);
    code = ((await partner.request({ method: 'GET', url: '/api/me/links' })).json() as Array<{ code: string }>)[0]!.code;
    origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t?.close());

  const served = () => t.app.redirectFastPath.stats.served;
  // A person following the link, unless the headers say otherwise.
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(`${origin}${path}`, { 'user-agent': BROWSER_UA, ...NAVIGATION, ...headers }, method);
  const verdicts = async () => (await queryRows<{ verdict: string }>(t.database.db, sql`select verdict from metric_events order by id`)).map((r) => r.verdict);
  const comparable = (response: Response) => {
    const headers = Object.fromEntries(response.headers);
    delete headers['date'];
    delete headers['connection'];
    delete headers['keep-alive'];
    // Each click has its own id: compared apart (`clickOf`).
    headers['location'] = headers['location']!.replace(/([?&]pe_click=)[^&#]+/, '$1…');
    return { status: response.status, headers };
  };
  /** The stored click a redirect's click id names, read from its Location under `param`. */
  const clickOf = async (response: Response, param = 'pe_click') => {
    const value = new URL(response.headers.get('location')!).searchParams.get(param);
    const id = value === null ? null : parseClickId(t.config, value);
    if (id === null) return null;
    const [row] = await queryRows<{ id: number; link_code: string; verdict: string }>(t.database.db, sql`select id, link_code, verdict from metric_events where id = ${id}`);
    return row ?? null;
  };
  const location = (response: Response) => response.headers.get('location')!;
  const lastEventId = async () => (await queryRows<{ id: number }>(t.database.db, sql`select max(id)::int8 as id from metric_events`))[0]!.id;

  it('answers a cached link itself, with the route’s response to the byte', async () => {
    const before = served();
    const fromRoute = await get(`/r/${code}`, { 'x-forwarded-for': '203.0.113.1' }); // first sight: the route looks the link up
    expect(served()).toBe(before);
    const fromFastPath = await get(`/r/${code}`, { 'x-forwarded-for': '203.0.113.2' });
    expect(served()).toBe(before + 1);
    expect(fromFastPath.status).toBe(302);
    // The stored URL and the click's id, on both paths: each names its own stored click of this link.
    for (const response of [fromRoute, fromFastPath]) expect(location(response)).toMatch(/^https:\/\/brand\.example\/offer\?utm=pe&pe_click=[0-9a-z]+\.[\w-]{16}$/);
    const [viaRoute, viaFastPath] = [await clickOf(fromRoute), await clickOf(fromFastPath)];
    expect(viaRoute).toMatchObject({ link_code: code, verdict: 'valid' });
    expect(viaFastPath).toEqual({ id: await lastEventId(), link_code: code, verdict: 'valid' });
    expect(viaFastPath!.id).not.toBe(viaRoute!.id);
    expect(comparable(fromFastPath)).toEqual(comparable(fromRoute));
    expect(await fromFastPath.text()).toBe(await fromRoute.text());
    expect(fromFastPath.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(fromFastPath.headers.get('content-security-policy')).toBeNull();
    expect(await verdicts()).toEqual(['valid', 'valid']);
  });

  it('applies the same rules: bots, duplicates, and the client address through the trusted proxy only', async () => {
    const before = served();
    await get(`/r/${code}`, { 'user-agent': 'facebookexternalhit/1.1', 'x-forwarded-for': '203.0.113.3' });
    // Same client behind the trusted proxy, whatever the visitor claims further away: a duplicate.
    await get(`/r/${code}`, { 'x-forwarded-for': '198.51.100.1, 203.0.113.4' });
    await get(`/r/${code}`, { 'x-forwarded-for': '198.51.100.2, 203.0.113.4' });
    // Query parameters added by social networks change nothing.
    await get(`/r/${code}?fbclid=IwAR0abc&utm_source=x`, { 'x-forwarded-for': '203.0.113.5' });
    expect(served()).toBe(before + 4);
    expect((await verdicts()).slice(-4)).toEqual(['bot', 'valid', 'duplicate', 'valid']);
  });

  it('pays only a top-level navigation, on the fast path and through Fastify alike, and redirects every load', async () => {
    const before = served();
    const events = (await verdicts()).length;
    const loads: Array<[Record<string, string>, string]> = [
      [{ 'sec-fetch-dest': 'image', 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'cross-site' }, 'not_navigation'], // <img src>
      [{ 'sec-fetch-dest': 'script', 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'cross-site' }, 'not_navigation'], // <script src>
      [{ 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site' }, 'not_navigation'], // fetch()
      [{ 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'cross-site' }, 'not_navigation'], // a hidden frame
      [{ 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'no-cors' }, 'not_navigation'],
      [{ 'sec-fetch-mode': 'cors' }, 'not_navigation'], // Node's own fetch()
      [{ 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'cross-site' }, 'valid'], // no user activation: a shortener's script redirect
    ];
    let address = 20;
    for (const [headers, verdict] of loads) {
      const response = await rawRequest(`${origin}/r/${code}`, { 'user-agent': BROWSER_UA, 'x-forwarded-for': `203.0.113.${address++}`, ...headers });
      expect(response.status, verdict).toBe(302);
      // Not counted, still recorded: its click id names its row all the same.
      expect(await clickOf(response)).toEqual({ id: await lastEventId(), link_code: code, verdict });
    }
    // An older browser that sends no Fetch Metadata keeps today's rules.
    expect((await rawRequest(`${origin}/r/${code}`, { 'user-agent': BROWSER_UA, 'x-forwarded-for': `203.0.113.${address}` })).status).toBe(302);
    expect(served()).toBe(before + loads.length + 1);
    // Through Fastify (inject never reaches the fast path): the same rule.
    const throughFastify = await t.app.inject({ url: `/r/${code}`, remoteAddress: '203.0.113.90', headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': '203.0.113.90', 'sec-fetch-dest': 'image', 'sec-fetch-mode': 'no-cors' } });
    expect(throughFastify.statusCode).toBe(302);
    expect((await verdicts()).slice(events)).toEqual([...loads.map(([, verdict]) => verdict), 'valid', 'not_navigation']);
    // The partner sees them among the clicks not counted, in the balance, the page and the CSV.
    const balance = (await partner.request({ method: 'GET', url: '/api/me/balance' })).json();
    expect(balance.notCounted.not_navigation).toBe(7);
    expect((await partner.get('/partners/earnings')).body).toContain('chargé par une page (image, script…), pas une visite');
    const csv = (await partner.get('/partners/earnings.csv')).body.split('\r\n');
    expect(csv[0]!.split(';').at(-1)).toBe('Pas une visite');
    expect(csv[1]!.split(';').at(-1)).toBe('7');
  });

  it('leaves to Fastify what it does not handle, which answers as before', async () => {
    const before = served();
    const events = (await verdicts()).length;
    // Signed in: the click may be the partner's own.
    const cookie = [...partner.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await get(`/r/${code}`, { cookie, 'x-forwarded-for': '203.0.113.6' })).status).toBe(302);
    // Also in the forms the cookie parser accepts (a space before `=`): same partner, same verdict.
    const spaced = cookie.replace('pe_session=', 'pe_session =');
    expect(spaced).not.toBe(cookie);
    expect((await get(`/r/${code}`, { cookie: spaced, 'x-forwarded-for': '203.0.113.10' })).status).toBe(302);
    // HEAD and prefetches redirect without being recorded, so without a click id.
    for (const [headers, method] of [[{ 'x-forwarded-for': '203.0.113.7' }, 'HEAD'], [{ purpose: 'prefetch', 'x-forwarded-for': '203.0.113.8' }, 'GET']] as const) {
      const response = await get(`/r/${code}`, headers, method);
      expect(response.status).toBe(302);
      expect(location(response)).toBe('https://brand.example/offer?utm=pe');
    }
    // ?lang= sets the language cookie.
    const english = await get(`/r/${code}?lang=en`, { 'x-forwarded-for': '203.0.113.9' });
    expect(english.status).toBe(302);
    expect(english.headers.getSetCookie().join()).toContain('pe_lang=en');
    // Unknown (twice: the second time from the cache's memory of the miss) and malformed codes.
    for (const path of ['/r/zzzzzzzzzz', '/r/zzzzzzzzzz', '/r/short', `/r/${code}/`, '/r/zzzzzzzz%7A']) {
      const response = await get(path, { accept: 'text/html' });
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toContain('Page introuvable');
    }
    expect(served()).toBe(before);
    expect((await verdicts()).slice(events)).toEqual(['self', 'self', 'valid']);
  });

  it('hands the shop the click id under the campaign’s own parameter, in the query and before the fragment', async () => {
    const db = t.database.db;
    const campaign = await addCampaign(db, '0.12', 'Ref');
    await db.execute(sql`update campaigns set click_param = 'ref', target_url = 'https://shop.example/p?a=1#top' where id = ${campaign.id}`);
    const refCode = await linkCode(db, await partnerIdByEmail(db, 'fast@example.com'), campaign.id);
    const before = served();
    // Through the route (first sight), then from the cache on the fast path: the same parameter.
    for (const address of ['203.0.113.40', '203.0.113.41']) {
      const response = await get(`/r/${refCode}`, { 'x-forwarded-for': address });
      expect(response.status).toBe(302);
      expect(location(response)).toMatch(/^https:\/\/shop\.example\/p\?a=1&ref=[0-9a-z]+\.[\w-]{16}#top$/);
      expect(await clickOf(response, 'ref')).toEqual({ id: await lastEventId(), link_code: refCode, verdict: 'valid' });
    }
    expect(served()).toBe(before + 1);
  });
});
