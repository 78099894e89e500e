import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ENGINES } from '../support/databases.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';
import { countRows } from '../support/fixtures.js';

const TOKEN = 'api-token-api-token-api-token-api-token';
const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe.each(ENGINES)('operators on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let partner: Visitor;
  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com', ADMIN_API_TOKEN: TOKEN });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    partner = new Visitor(t.app);
    await partner.signIn('existing@example.com', t.mailer);
  });
  afterAll(async () => t?.close());

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = bearer) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

  it('creates a campaign by API with the bearer token: 201, cents exact, a link for every partner', async () => {
    const response = await api('POST', '/api/admin/campaigns', { name: 'Printemps', targetUrl: 'https://brand.example/spring', ratePerClickEur: 0.15 });
    expect(response.statusCode).toBe(201);
    const campaign = response.json();
    expect(campaign).toMatchObject({ name: 'Printemps', targetUrl: 'https://brand.example/spring', ratePerClickCents: 15, ratePerClickEur: '0.15', status: 'active', posts: [] });
    const links = [{ n: await countRows(t.database.db, sql`tracked_links where campaign_id = ${campaign.id}`) }];
    expect(links[0]!.n).toBe(2);
    const defaultRate = await api('POST', '/api/admin/campaigns', { name: 'Défaut', targetUrl: 'http://brand.example/' });
    expect(defaultRate.json().ratePerClickCents).toBe(12);
    const audit = await queryRows<{ action: string; actor_label: string }>(t.database.db, sql`select action, actor_label from audit_log where action = 'campaign_created'`);
    expect(audit[0]).toEqual({ action: 'campaign_created', actor_label: 'api-token' });
  });

  it('refuses bad campaign input with a clear error, writing nothing', async () => {
    const before = [{ n: await countRows(t.database.db, sql`campaigns`) }];
    const cases: Array<[unknown, string]> = [
      [{ name: '', targetUrl: 'https://x.example' }, 'name'],
      [{ name: 'x'.repeat(121), targetUrl: 'https://x.example' }, 'name'],
      [{ name: 'X', targetUrl: 'javascript:alert(1)' }, 'targetUrl'],
      [{ name: 'X', targetUrl: 'ftp://x.example' }, 'targetUrl'],
      [{ name: 'X', targetUrl: 'not a url' }, 'targetUrl'],
      [{ name: 'X', targetUrl: 'https://user:pw@x.example' }, 'targetUrl'],
      [{ name: 'X', targetUrl: 'https://x.example', ratePerClickEur: 'nan' }, 'ratePerClickEur'],
      [{ name: 'X', targetUrl: 'https://x.example', ratePerClickEur: -1 }, 'ratePerClickEur'],
      [{ name: 'X', targetUrl: 'https://x.example', ratePerClickEur: 0.001 }, 'ratePerClickEur'],
      [{ name: 'X', targetUrl: 'https://x.example', ratePerClickEur: 1e9 }, 'ratePerClickEur'],
      [{ name: 'X', targetUrl: 'https://x.example', ratePerClickEur: '1e3' }, 'ratePerClickEur'],
    ];
    for (const [body, field] of cases) {
      const response = await api('POST', '/api/admin/campaigns', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_input', field });
    }
    const unknownField = await api('POST', '/api/admin/campaigns', { name: 'X', targetUrl: 'https://x.example', id: 'mine' });
    expect(unknownField.statusCode).toBe(400);
    const notJson = await t.app.inject({ method: 'POST', url: '/api/admin/campaigns', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(notJson.statusCode).toBe(400);
    const after = [{ n: await countRows(t.database.db, sql`campaigns`) }];
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('lets only operators in: wrong token 401, partner 403, nobody 401', async () => {
    const body = { name: 'X', targetUrl: 'https://x.example' };
    expect((await api('POST', '/api/admin/campaigns', body, { authorization: 'Bearer wrong-token-wrong-token-wrong-token!!', 'content-type': 'application/json' })).statusCode).toBe(401);
    expect((await api('POST', '/api/admin/campaigns', body, { authorization: 'Basic abc', 'content-type': 'application/json' })).statusCode).toBe(401);
    expect((await api('POST', '/api/admin/campaigns', body, { 'content-type': 'application/json' })).statusCode).toBe(401);
    const asPartner = await partner.request({ method: 'POST', url: '/api/admin/campaigns', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(asPartner.statusCode).toBe(403);
    const asOps = await ops.request({ method: 'GET', url: '/api/admin/campaigns' });
    expect(asOps.statusCode).toBe(200);
    // A cross-site form post (url-encoded, no token) with the operator's cookie is refused.
    const forged = await ops.request({ method: 'POST', url: '/api/admin/campaigns', payload: 'name=X&targetUrl=https://x.example', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(forged.statusCode).toBe(403);
    const plain = await ops.request({ method: 'POST', url: '/api/admin/campaigns', payload: '{}', headers: { 'content-type': 'text/plain' } });
    expect(plain.statusCode).toBe(415);
  });

  it('moves campaigns through their states; anything else is a 409 that changes nothing', async () => {
    const created = (await api('POST', '/api/admin/campaigns', { name: 'Cycle', targetUrl: 'https://x.example' })).json();
    expect((await api('POST', `/api/admin/campaigns/${created.id}/pause`, {})).json().status).toBe('paused');
    expect((await api('POST', `/api/admin/campaigns/${created.id}/pause`, {})).statusCode).toBe(409);
    expect((await api('POST', `/api/admin/campaigns/${created.id}/resume`, {})).json().status).toBe('active');
    expect((await api('POST', `/api/admin/campaigns/${created.id}/end`, {})).json().status).toBe('ended');
    for (const verb of ['pause', 'resume', 'end']) {
      const response = await api('POST', `/api/admin/campaigns/${created.id}/${verb}`, {});
      expect(response.statusCode, verb).toBe(409);
      expect(response.json().error).toBe('campaign_transition');
    }
    expect((await api('POST', '/api/admin/campaigns/00000000-0000-0000-0000-000000000000/pause', {})).statusCode).toBe(404);
    expect((await api('POST', '/api/admin/campaigns/not-a-uuid/pause', {})).statusCode).toBe(400);
    const edited = await api('PATCH', `/api/admin/campaigns/${created.id}`, { ratePerClickEur: '0,20', posts: ['Regarde : {link}'] });
    expect(edited.json()).toMatchObject({ ratePerClickCents: 20, posts: ['Regarde : {link}'], status: 'ended' });
  });

  it('lists, searches, suspends and reinstates partners by API', async () => {
    const found = (await api('GET', '/api/admin/partners?q=EXISTING')).json();
    expect(found).toHaveLength(1);
    const id = found[0].id;
    expect((await api('POST', `/api/admin/partners/${id}/suspend`, { reason: 'Fraud check' })).json().status).toBe('suspended');
    expect((await partner.get('/partner/portal')).statusCode).toBe(401);
    expect((await api('POST', `/api/admin/partners/${id}/reinstate`, {})).json().status).toBe('active');
    expect((await api('GET', '/api/admin/partners?q=%25')).json()).toEqual([]);
  });

  it('runs the back-office forms: create a campaign, see errors, pause it, suspend a partner, read the audit log', async () => {
    await ops.get('/admin/campaigns');
    const bad = await ops.post('/admin/campaigns', { name: 'Form', targetUrl: 'javascript:alert(1)', ratePerClickEur: '0,10', posts: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Indique une URL complète');
    expect(bad.body).toContain('value="Form"');
    const good = await ops.post('/admin/campaigns', { name: 'Form <b>bold</b>', targetUrl: 'https://x.example/form', ratePerClickEur: '0,10', posts: 'Un : {link}\n---\nDeux' });
    expect(good.statusCode).toBe(303);
    const page = await ops.get(good.headers.location as string);
    expect(page.body).toContain('Form &lt;b&gt;bold&lt;/b&gt;');
    expect(page.body).toContain('Un : {link}\n---\nDeux');
    // Success messages say what happened.
    expect(page.body).toContain('Campagne « Form &lt;b&gt;bold&lt;/b&gt; » créée : chaque partenaire a son lien.');
    const paused = await ops.post(`${(good.headers.location as string).split('?')[0]}/status`, { status: 'paused' });
    expect(paused.statusCode).toBe(303);
    expect((await ops.get(paused.headers.location as string)).body).toContain('» mise en pause : ses clics ne sont plus payés.');
    await ops.get('/admin/campaigns');
    expect(ops.lastPage).toContain('en pause');

    const list = await ops.get('/admin/partners?q=existing');
    const href = /href="(\/admin\/partners\/[0-9a-f-]{36})"/.exec(list.body)![1]!;
    await ops.get(href);
    expect(ops.lastPage).toContain('Clics par verdict');
    // A suspension needs a reason, then a confirmation (operator-confirmations.test.ts says more).
    expect((await ops.post(`${href}/status`, { status: 'suspended' })).statusCode).toBe(400);
    await ops.get(href);
    expect((await ops.post(`${href}/status`, { status: 'suspended', reason: 'Test' })).statusCode).toBe(200);
    expect((await ops.post(`${href}/status`, { status: 'suspended', reason: 'Test', confirm: '1' })).statusCode).toBe(303);
    await ops.get(href);
    expect(ops.lastPage).toContain('Réactiver');
    await ops.post(`${href}/status`, { status: 'active' });

    const audit = await ops.get('/admin/audit');
    for (const action of ['Campagne créée', 'Campagne mise en pause', 'Partenaire suspendu', 'Partenaire réactivé', 'Connexion', 'Devient opérateur']) expect(audit.body).toContain(action);
    expect(audit.body).toContain('ops@example.com');
  });

  it('keeps the back-office closed to partners and visitors', async () => {
    partner = new Visitor(t.app);
    await partner.signIn('existing@example.com', t.mailer);
    for (const url of ['/admin', '/admin/campaigns', '/admin/partners', '/admin/audit']) {
      expect((await partner.get(url)).statusCode, url).toBe(403);
      expect((await t.app.inject({ url })).statusCode, url).toBe(401);
    }
  });

  it('describes the API in an OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/admin/campaigns', '/api/admin/campaigns/{id}/pause', '/api/me/links', '/api/me/balance', '/api/leaderboard', '/api/admin/partners']) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(Object.keys(doc.paths).some((p: string) => !p.startsWith('/api/'))).toBe(false);
  });
});
