/**
 * Revenue share's pages over HTTP on both engines: an operator sets a campaign's terms on its form
 * (each bad value refused next to its field, typed values kept, nothing changed; a campaign paying
 * nothing refused), what it pays is said on the landing, the portal and the JSON API; the partner
 * sees their sales and an adjustment with its reason; an operator adds an adjustment (checked,
 * asked twice, audited; each bad value refused next to its field with nothing written) and makes a
 * conversion API key shown once; a partner gets 403 for all of it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { recordSale } from '../../src/modules/sales/sales.js';
import { ENGINES } from '../support/databases.js';
import { click, countRows, linkCode, partnerIdByEmail } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const TOKEN = 'api-token-api-token-api-token-api-token';
/** A page's text with the no-break spaces French puts before « € » and « % » made plain. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe.each(ENGINES)('revenue share pages on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let partner: Visitor;
  let campaignPath = '';
  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com', ADMIN_API_TOKEN: TOKEN });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    partner = new Visitor(t.app);
    await partner.signIn('seller@example.com', t.mailer);
  });
  afterAll(async () => t?.close());

  const terms = { name: 'Thés', targetUrl: 'https://tea.example/shop', ratePerClickEur: '0', posts: '', brand: '', commissionPercent: '8', commissionFixedEur: '', attributionDays: '14', holdingDays: '30', clickParam: 'ref_pe' };
  const campaignRow = async () => (await queryRows<Record<string, unknown>>(t.database.db, sql`select rate_cents, commission_bp, commission_fixed_cents, attribution_days, holding_days, click_param from campaigns where name = 'Thés'`))[0];

  it('creates a campaign paying per sale from the form, refusing each bad value next to its field', async () => {
    await ops.get('/admin/campaigns');
    const bad: Array<[Record<string, string>, string, string]> = [
      [{ commissionPercent: '100,01' }, 'commissionPercent', 'Pourcentage invalide'],
      [{ commissionPercent: '8,125' }, 'commissionPercent', 'Pourcentage invalide'],
      [{ commissionPercent: '-1' }, 'commissionPercent', 'Pourcentage invalide'],
      [{ commissionFixedEur: '10000,01' }, 'commissionFixedEur', 'montant fixe'],
      [{ commissionFixedEur: 'cinq' }, 'commissionFixedEur', 'montant fixe'],
      [{ attributionDays: '0' }, 'attributionDays', 'de 1 à 365'],
      [{ attributionDays: '366' }, 'attributionDays', 'de 1 à 365'],
      [{ attributionDays: '7.5' }, 'attributionDays', 'de 1 à 365'],
      [{ holdingDays: '-1' }, 'holdingDays', 'de 0 à 365'],
      [{ holdingDays: '400' }, 'holdingDays', 'de 0 à 365'],
      [{ clickParam: '1ref' }, 'clickParam', 'Une lettre'],
      [{ clickParam: 'ref pe' }, 'clickParam', 'Une lettre'],
      [{ clickParam: 'a'.repeat(41) }, 'clickParam', 'Une lettre'],
      [{ commissionPercent: '', commissionFixedEur: '' }, 'ratePerClickEur', 'doit payer quelque chose'],
    ];
    const before = await countRows(t.database.db, sql`campaigns`);
    for (const [change, field, message] of bad) {
      const response = await ops.post('/admin/campaigns', { ...terms, ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      expect(plain(response.body)).toContain(`id="c-${field}-error"`);
      expect(plain(response.body)).toMatch(new RegExp(`id="c-${field}" [^>]*aria-invalid="true"`));
      expect(plain(response.body)).toContain(message);
      // What was typed is kept.
      expect(plain(response.body)).toContain(`value="${Object.values(change)[0] ?? ''}"`);
    }
    expect(await countRows(t.database.db, sql`campaigns`)).toBe(before);
    const created = await ops.post('/admin/campaigns', terms);
    expect(created.statusCode).toBe(303);
    campaignPath = (created.headers.location as string).split('?')[0]!;
    expect(await campaignRow()).toEqual({ rate_cents: 0, commission_bp: 800, commission_fixed_cents: 0, attribution_days: 14, holding_days: 30, click_param: 'ref_pe' });
    const page = await ops.get(campaignPath);
    expect(plain(page.body)).toContain('Paie : 8 % des ventes');
    expect(plain(page.body)).toContain('Changer ces conditions ne touche que les ventes enregistrées ensuite');
    expect(plain(page.body)).toContain('value="ref_pe"');
  });

  it('edits the terms, each bad value refused with nothing changed, the change audited term by term', async () => {
    await ops.get(campaignPath);
    const before = await campaignRow();
    const audits = await countRows(t.database.db, sql`audit_log where action = 'campaign_updated'`);
    for (const [change, field] of [[{ holdingDays: '366' }, 'holdingDays'], [{ commissionPercent: '0', commissionFixedEur: '0' }, 'ratePerClickEur'], [{ clickParam: 'é' }, 'clickParam']] as const) {
      const response = await ops.post(campaignPath, { ...terms, ...change });
      expect(response.statusCode).toBe(400);
      expect(plain(response.body)).toContain(`id="c-${field}-error"`);
    }
    expect(await campaignRow()).toEqual(before);
    expect(await countRows(t.database.db, sql`audit_log where action = 'campaign_updated'`)).toBe(audits);
    const saved = await ops.post(campaignPath, { ...terms, ratePerClickEur: '0,05', commissionPercent: '12,5', commissionFixedEur: '2', holdingDays: '7' });
    expect(saved.statusCode).toBe(303);
    expect(await campaignRow()).toMatchObject({ rate_cents: 5, commission_bp: 1250, commission_fixed_cents: 200, holding_days: 7 });
    expect(plain((await ops.get(campaignPath)).body)).toContain('0,05 € par clic + 12,5 % des ventes + 2 € par vente');
    const audit = await ops.get('/admin/audit?kind=campaigns');
    expect(plain(audit.body)).toContain('part des ventes : 8 % → 12,5 %');
    expect(plain(audit.body)).toContain('rétention : 30 j → 7 j');
  });

  it('says what the campaign pays on the landing, the portal and the JSON API', async () => {
    const landing = await t.app.inject({ url: '/partners' });
    expect(plain(landing.body)).toContain('Thés</strong> — 0,05 € par clic + 12,5 % des ventes + 2 € par vente');
    const english = await t.app.inject({ url: '/partners?lang=en' });
    expect(plain(english.body)).toContain('€0.05 per click + 12.5% of sales + €2 per sale');
    expect(plain((await partner.get('/partner/portal')).body)).toContain('Tu gagnes 0,05 € par clic + 12,5 % des ventes + 2 € par vente.');
    const api = await t.app.inject({ url: '/api/admin/campaigns', headers: { authorization: `Bearer ${TOKEN}` } });
    const tea = api.json().find((c: { name: string }) => c.name === 'Thés');
    expect(tea).toMatchObject({ ratePerClickCents: 5, commissionBp: 1250, commissionPercent: '12.50', commissionFixedCents: 200, attributionDays: 14, holdingDays: 7, clickParam: 'ref_pe' });
    expect(plain(tea.pays)).toBe('0,05 € par clic + 12,5 % des ventes + 2 € par vente');
    const mine = await partner.request({ method: 'GET', url: '/api/me/links', headers: { 'accept-language': 'en' } });
    expect(mine.json()[0]).toMatchObject({ campaignName: 'Thés', commissionBp: 1250, pays: '€0.05 per click + 12.5% of sales + €2 per sale' });
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/admin/campaigns/${campaignPath.split('/').pop()}`, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: JSON.stringify({ attributionDays: 0 }) });
    expect(patched.statusCode).toBe(400);
    expect(patched.json()).toMatchObject({ field: 'attributionDays' });
  });

  it('shows the partner their sale with its status and the operator the sales by reason', async () => {
    const db = t.database.db;
    const campaignId = campaignPath.split('/').pop()!;
    const seller = await partnerIdByEmail(db, 'seller@example.com');
    await click(db, await linkCode(db, seller, campaignId));
    const [clicked] = await queryRows<{ id: number }>(db, sql`select max(id)::int8 as id from metric_events where campaign_id = ${campaignId}`);
    const deps = { parseClickId: (text: string) => Number(text) };
    await recordSale(db, deps, campaignId, 'api', { orderId: 'T-1', amount: '40', currency: 'EUR', clickId: String(clicked!.id) });
    await recordSale(db, deps, campaignId, 'csv', { orderId: 'T-2', amount: '15', currency: 'EUR' });
    const earnings = await partner.get('/partners/earnings');
    // 12,5 % of 40 € plus 2 €.
    expect(plain(earnings.body)).toContain('<h2 id="sales-title">Ventes</h2>');
    expect(plain(earnings.body)).toContain('7,00 €');
    expect(plain(earnings.body)).toMatch(/en attente jusqu’au \d+ [a-zéû]+\.?/);
    expect(plain(earnings.body)).toContain('7,00 € en attente');
    const page = await ops.get(campaignPath);
    expect(plain(page.body)).toContain('sans identifiant de clic (15,00 €)');
    expect(plain(page.body)).toContain('T-1');
  });

  it('adds an adjustment after a confirmation, audited and shown to the partner with its reason', async () => {
    const seller = await partnerIdByEmail(t.database.db, 'seller@example.com');
    const path = `/admin/partners/${seller}`;
    await ops.get(path);
    const count = () => countRows(t.database.db, sql`adjustments where partner_id = ${seller}`);
    const bad: Array<[Record<string, string>, string]> = [
      [{ amount: '0', reason: 'x' }, 'amount'],
      [{ amount: 'douze', reason: 'x' }, 'amount'],
      [{ amount: '1000000,01', reason: 'x' }, 'amount'],
      [{ amount: '12,345', reason: 'x' }, 'amount'],
      [{ amount: '-5', reason: '' }, 'reason'],
      [{ amount: '-5', reason: 'x'.repeat(501) }, 'reason'],
    ];
    for (const [body, field] of bad) {
      for (const confirm of [{}, { confirm: '1' }] as Array<Record<string, string>>) {
        const response = await ops.post(`${path}/adjustments`, { ...body, ...confirm });
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(plain(response.body)).toContain(`id="adj-${field}-error"`);
        expect(plain(response.body)).toContain(field === 'amount' ? 'Montant invalide' : 'Indique la raison');
        await ops.get(path);
      }
    }
    expect(await count()).toBe(0);
    const asked = await ops.post(`${path}/adjustments`, { amount: '-12,50', reason: 'Vente T-0 annulée <b>' });
    expect(asked.statusCode).toBe(200);
    expect(plain(asked.body)).toContain('Ajuster de −12,50 € les gains de seller@example.com ?');
    expect(plain(asked.body)).toContain('« Vente T-0 annulée &lt;b&gt; »');
    expect(await count()).toBe(0);
    const done = await ops.post(`${path}/adjustments`, { amount: '-12,50', reason: 'Vente T-0 annulée <b>', confirm: '1' });
    expect(done.statusCode).toBe(303);
    expect(await count()).toBe(1);
    expect(plain((await ops.get(done.headers.location as string)).body)).toContain('Ajustement enregistré');
    const audit = await ops.get('/admin/audit?kind=partners');
    expect(plain(audit.body)).toContain('Ajustement');
    expect(plain(audit.body)).toContain('−12,50 €');
    const earnings = await partner.get('/partners/earnings');
    expect(plain(earnings.body)).toContain('Vente T-0 annulée &lt;b&gt;');
    expect(plain(earnings.body)).toContain('−12,50 €');
    // Confirmed clicks 0,05 € less 12,50 €: below zero, said so, nothing to withdraw.
    expect(plain(earnings.body)).toContain('Ton solde disponible est négatif (-12,45 €)');
  });

  it('makes a conversion API key shown once; replacing it is asked twice', async () => {
    await ops.get(campaignPath);
    expect(ops.lastPage).toContain('Créer une clé d’API de conversion');
    const made = await ops.post(`${campaignPath}/conversion-secret`, {});
    expect(made.statusCode).toBe(200);
    const secret = /id="conversion-secret" type="text" readonly value="(pe_conv_[^"]+)"/.exec(made.body)?.[1];
    expect(secret).toBeTruthy();
    const again = await ops.get(campaignPath);
    expect(again.body).not.toContain(secret!);
    expect(plain(again.body)).toContain('Remplacer la clé');
    const asked = await ops.post(`${campaignPath}/conversion-secret`, {});
    expect(plain(asked.body)).toContain('L’ancienne clé cesse de fonctionner aussitôt');
    expect(asked.body).not.toContain('pe_conv_');
    const replaced = await ops.post(`${campaignPath}/conversion-secret`, { confirm: '1' });
    const second = /value="(pe_conv_[^"]+)"/.exec(replaced.body)?.[1];
    expect(second).toBeTruthy();
    expect(second).not.toBe(secret);
    expect(await countRows(t.database.db, sql`audit_log where action = 'conversion_secret_created'`)).toBe(2);
  });

  it('answers 403 to a partner for every operator form, and changes nothing', async () => {
    const seller = await partnerIdByEmail(t.database.db, 'seller@example.com');
    const before = await campaignRow();
    const adjustments = await countRows(t.database.db, sql`adjustments`);
    await partner.get('/partner/portal');
    for (const [url, body] of [
      [campaignPath, { ...terms, commissionPercent: '50' }],
      ['/admin/campaigns', terms],
      [`/admin/partners/${seller}/adjustments`, { amount: '100', reason: 'moi', confirm: '1' }],
      [`${campaignPath}/conversion-secret`, { confirm: '1' }],
    ] as const) {
      expect((await partner.post(url, body)).statusCode, url).toBe(403);
    }
    expect(await campaignRow()).toEqual(before);
    expect(await countRows(t.database.db, sql`adjustments`)).toBe(adjustments);
  });
});
