/**
 * One rule for every text input, on every face: a control character that cannot be stored (NUL,
 * which PostgreSQL refuses in text, and the other C0 controls but tab, line feed and carriage
 * return) is a 400 naming the field, before any query runs, never a 500.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ENGINES } from '../support/databases.js';
import { earn, partnerIdByEmail, countRows } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const TOKEN = 'api-token-api-token-api-token-api-token';
const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe.each(ENGINES)('text inputs with control characters on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let partner: Visitor;
  let requestId: string;
  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com', ADMIN_API_TOKEN: TOKEN });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    partner = new Visitor(t.app);
    await partner.signIn('nul@example.com', t.mailer);
    await earn(t.database.db, await partnerIdByEmail(t.database.db, 'nul@example.com'), 3);
    const created = await partner.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify({ amount: '12', method: 'paypal', details: 'nul@example.com' }), headers: { 'content-type': 'application/json', 'idempotency-key': 'nul-00000001' } });
    expect(created.statusCode).toBe(201);
    requestId = created.json().id;
  });
  afterAll(async () => t?.close());

  const counts = async () =>
    (await queryRows<{ campaigns: number; requests: number; audit: number }>(
      t.database.db,
      sql`select (select count(*) from campaigns)::int8 as campaigns, (select count(*) from withdraw_requests where status = 'requested')::int8 as requests, (select count(*) from audit_log)::int8 as audit`,
    ))[0];

  it('answers the JSON API with a 400 naming the field, and writes nothing', async () => {
    const before = await counts();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/admin/campaigns', { name: 'Pri\u0000ntemps', targetUrl: 'https://brand.example/' }, 'name'],
      ['POST', '/api/admin/campaigns', { name: 'Printemps', targetUrl: 'https://brand.example/', posts: ['ok', 'Regarde\u0000 {link}'] }, 'posts.1'],
      ['POST', '/api/admin/campaigns', { name: 'Bell\u0007', targetUrl: 'https://brand.example/' }, 'name'],
      ['POST', `/api/admin/withdrawals/${requestId}/reject`, { reason: 'Doublon\u0000' }, 'reason'],
      ['GET', '/api/admin/partners?q=a%00b', undefined, 'q'],
      ['GET', '/api/leaderboard?days=7%00', undefined, 'days'],
    ];
    for (const [method, url, body, field] of cases) {
      const response = await t.app.inject({ method: method as 'GET' | 'POST', url, headers: bearer, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toMatchObject({ error: 'invalid_input', field });
      expect(response.json().message).toMatch(/holds a control character \(U\+00(00|07)\)|contient un caractère de contrôle \(U\+00(00|07)\)/);
    }
    const partnerCase = await partner.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify({ amount: '10', method: 'bank', details: 'FR76 3000 6000 0112 3456 7890 189', holderName: 'Lina\u0000' }), headers: { 'content-type': 'application/json', 'idempotency-key': 'nul-00000002' } });
    expect(partnerCase.statusCode).toBe(400);
    expect(partnerCase.json()).toMatchObject({ field: 'holderName' });
    expect(await counts()).toEqual(before);
  });

  it('answers the HTML forms and pages with a 400 page naming the field, in the page’s language', async () => {
    const before = await counts();
    await ops.get('/admin/campaigns');
    const form = await ops.post('/admin/campaigns', { name: 'Noël\u0000', targetUrl: 'https://brand.example/', ratePerClickEur: '0,10', posts: '' });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain('Le champ « name » contient un caractère de contrôle (U+0000)');
    await ops.get('/admin/withdrawals');
    const reject = await ops.post(`/admin/withdrawals/${requestId}/reject`, { reason: 'Faux\u0000' });
    expect(reject.statusCode).toBe(400);
    expect(reject.body).toContain('« reason »');
    const search = await ops.get('/admin/partners?q=lina%00&lang=en');
    expect(search.statusCode).toBe(400);
    expect(search.body).toContain('The field “q” holds a control character (U+0000)');
    expect((await ops.get('/admin/partners/%00')).statusCode).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('still redirects a tracked link whatever a platform appends to it: the redirect stores no text of the request', async () => {
    const [link] = (await partner.request({ method: 'GET', url: '/api/me/links' })).json() as Array<{ code: string }>;
    const before = (await countRows(t.database.db, sql`metric_events`));
    const response = await t.app.inject({ url: `/r/${link!.code}?utm_source=a%00b`, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0' } });
    expect(response.statusCode).toBe(302);
    expect((await countRows(t.database.db, sql`metric_events`))).toBe(before + 1);
    expect((await t.app.inject({ url: '/r/%00abcdefghi' })).statusCode).toBe(404);
  });

  it('refuses a value nested deeper than any input with a 400, not a 500', async () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    for (const url of ['/api/admin/campaigns', '/partner/magic']) {
      const response = await t.app.inject({ method: 'POST', url, headers: bearer, payload: `{"name":${deep}}` });
      expect(response.statusCode, url).toBe(400);
    }
  });

  it('keeps tab, line feed and carriage return, which people do type', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/admin/campaigns', headers: bearer, payload: JSON.stringify({ name: 'Multi', targetUrl: 'https://brand.example/', posts: ['Ligne 1\r\nLigne 2\tfin {link}'] }) });
    expect(response.statusCode).toBe(201);
    expect(response.json().posts).toEqual(['Ligne 1\r\nLigne 2\tfin {link}']);
  });
});
