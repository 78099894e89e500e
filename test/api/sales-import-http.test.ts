/**
 * Importing sales from a CSV over HTTP on both engines, as an operator does it: the page, a file
 * (or pasted text) and its preview line by line — attributed with its commission, without
 * commission and why, refused and why, already recorded — with nothing written; then « Importer »
 * records what the preview said and reports it, audited; importing again records nothing more.
 * A malformed file is refused next to its field with its line; a partner cannot even send one;
 * a form without its CSRF token is refused.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { recordSale } from '../../src/modules/sales/sales.js';
import { salesDeps } from '../../src/modules/sales/sales-deps.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, addPartner, BROWSER_UA, countRows, linkCode } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

/** A multipart/form-data body as a browser sends it: the fields, then the file part (empty when none is chosen). */
function multipart(fields: Record<string, string>, file?: { data: Buffer; filename: string }): { payload: Buffer; type: string } {
  const boundary = '----formdata-test-c5v1';
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  const chosen = file ?? { data: Buffer.alloc(0), filename: '' };
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${chosen.filename}"\r\nContent-Type: text/csv\r\n\r\n`), chosen.data, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

const decode = (text: string) => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

describe.each(ENGINES)('the CSV import of sales on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let partnerVisitor: Visitor;
  let campaignId: string;
  let partnerId: string;
  let clickId: string;
  let ownClickId: string;

  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    const db = t.database.db;
    const campaign = await addCampaign(db, '0.10', 'Boutique CSV');
    campaignId = campaign.id;
    await db.execute(sql`update campaigns set commission_bp = 1000, commission_fixed_cents = 0 where id = ${campaignId}`);
    partnerId = await addPartner(db, 'csv-partner@example.com');
    const code = await linkCode(db, partnerId, campaignId);
    const visit = async (headers: Record<string, string>, remoteAddress: string) => {
      const response = await t.app.inject({ url: `/r/${code}`, remoteAddress, headers: { 'user-agent': BROWSER_UA, ...headers } });
      return new URL(response.headers.location as string).searchParams.get('pe_click')!;
    };
    clickId = await visit({}, '198.51.100.7');
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    partnerVisitor = new Visitor(t.app);
    await partnerVisitor.signIn('csv-partner@example.com', t.mailer);
    // The partner's own click (signed in): recorded, earns nothing.
    ownClickId = await visit({ cookie: [...partnerVisitor.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, '198.51.100.8');
    // An order the shop already reported through the API.
    await recordSale(db, salesDeps(t.config), campaignId, 'api', { orderId: 'A-OLD', amount: '15.00', currency: 'EUR' });
  }, 60_000);
  afterAll(async () => t?.close());

  const url = () => `/admin/campaigns/${campaignId}/sales/import`;
  const send = (visitor: Visitor, fields: Record<string, string>, file?: { data: Buffer; filename: string }, csrf = true) => {
    const body = multipart({ ...(csrf ? { _csrf: visitor.csrf() } : {}), ...fields }, file);
    return visitor.request({ method: 'POST', url: url(), payload: body.payload, headers: { 'content-type': body.type } });
  };
  const salesCount = () => countRows(t.database.db, sql`sales where campaign_id = ${campaignId}`);

  it('previews every line with what importing would do, writing nothing, then imports it and reports', async () => {
    // Reached from the campaign's page.
    expect((await ops.get(`/admin/campaigns/${campaignId}`)).body).toContain(`<a href="${url()}">Importer des ventes (CSV)</a>`);
    const page = await ops.get(url());
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('enctype="multipart/form-data"');
    const csv = [
      'N° de commande;Identifiant de clic;Montant;Date',
      `A-1;${clickId};49,90;`,
      'A-2;;1 200,00 €;14/03/2026',
      `A-3;${ownClickId};10;`,
      'A-4;forged.AAAAAAAAAAAAAAAA;10;',
      'A-5;;-3;',
      'A-OLD;;15.00;',
      `A-1;${clickId};49,90;`,
      'A-6;;12;hier',
    ].join('\r\n');
    const before = await salesCount();
    const preview = await send(ops, { mode: 'preview', text: '' }, { data: Buffer.from(`\uFEFF${csv}`, 'utf8'), filename: 'ventes.csv' });
    expect(preview.statusCode).toBe(200);
    const body = decode(preview.body);
    expect(body).toContain('Aperçu : rien n’est encore enregistré');
    expect(body).toMatch(/Attribuée : commission 4,99\s€/);
    expect(body).toContain('Enregistrée sans commission\u00a0: pas d’identifiant de clic');
    expect(body).toContain('Enregistrée sans commission\u00a0: clic du partenaire lui-même');
    expect(body).toContain('Refusée\u00a0: Identifiant de clic inconnu');
    expect(body).toContain('Refusée\u00a0: Montant invalide');
    expect(body).toContain('Refusée\u00a0: Date invalide');
    expect(body).toContain('Déjà enregistrée');
    expect(body).toContain('Même commande que la ligne 2');
    // Nothing written by the preview.
    expect(await salesCount()).toBe(before);

    const imported = await ops.request({
      method: 'POST',
      url: url(),
      payload: multipart({ _csrf: ops.csrf(), mode: 'import', text: decode(/name="text" value="([^"]*)"/.exec(preview.body)![1]!) }).payload,
      headers: { 'content-type': multipart({}).type },
    });
    expect(imported.statusCode).toBe(200);
    expect(decode(imported.body)).toContain('Import terminé');
    expect(decode(imported.body)).toMatch(/Enregistrée et attribuée : commission 4,99\s€/);
    expect(await salesCount()).toBe(before + 3);
    const rows = await queryRows<{ order_id: string; source: string; attribution: string; commission_cents: number; amount_cents: number; sold_at: Date }>(
      t.database.db,
      sql`select order_id, source, attribution, commission_cents, amount_cents, sold_at from sales where campaign_id = ${campaignId} and source = 'csv' order by order_id`,
    );
    expect(rows.map((row) => [row.order_id, row.attribution, row.commission_cents, row.amount_cents])).toEqual([
      ['A-1', 'attributed', 499, 4990],
      ['A-2', 'no_click', 0, 120000],
      ['A-3', 'own_click', 0, 1000],
    ]);
    const [audit] = await queryRows<{ params: Record<string, unknown> }>(t.database.db, sql`select params from audit_log where action = 'sales_imported'`);
    expect(audit!.params).toMatchObject({ lines: 8, attributed: 1, withoutCommission: 2, refused: 3, already: 2, commissionCents: 499 });

    // The same file again: every line already recorded or refused, nothing more written.
    const again = await send(ops, { mode: 'import', text: csv });
    expect(decode(again.body)).not.toContain('Enregistrée et attribuée');
    expect(await salesCount()).toBe(before + 3);
  });

  it('reads pasted text with commas, in English', async () => {
    const response = await send(ops, { mode: 'preview', text: 'order id,click id,amount,date\nE-1,,"19,99",2026-03-10\n' }, undefined);
    expect(response.statusCode).toBe(200);
    // The page's language is the visitor's: French here, the lines read all the same.
    expect(decode(response.body)).toContain('E-1');
    expect(decode(response.body)).toContain('pas d’identifiant de clic');
  });

  it('refuses a malformed CSV next to its field, with its line, writing nothing', async () => {
    const before = await salesCount();
    const cases: Array<[Record<string, string>, { data: Buffer; filename: string } | undefined, string, string]> = [
      [{ text: '' }, undefined, 'text', 'Choisis un fichier CSV'],
      [{ text: 'A-1;x;1;2026-01-01\n' }, undefined, 'text', 'Ligne 1 : l’en-tête doit nommer'],
      [{ text: 'commande;clic;montant;date\nA;;1;\n"B;;2;\n' }, undefined, 'text', 'Ligne 3 : guillemet ouvert jamais fermé'],
      [{ text: 'commande;clic;montant;date\nA;;1\n' }, undefined, 'text', 'Ligne 2 : 3 colonnes au lieu des 4'],
      [{ text: '' }, { data: Buffer.from('commande;montant\nR\xe9f;1\n', 'latin1'), filename: 'latin1.csv' }, 'file', 'pas en UTF-8'],
      [{ text: '' }, { data: Buffer.from(`commande;clic;montant;date\n${Array.from({ length: 5001 }, (_, i) => `Z-${i};;1;`).join('\n')}`), filename: 'big.csv' }, 'file', '5 000 ventes au plus'],
    ];
    for (const [fields, file, field, message] of cases) {
      const response = await send(ops, { mode: 'preview', ...fields }, file);
      expect(response.statusCode, message).toBe(400);
      const body = decode(response.body).replace(/\u00a0|\u202f/g, ' ');
      expect(body, message).toContain(`id="import-${field}-error" role="alert">`);
      expect(body, message).toContain(message);
    }
    const control = await send(ops, { mode: 'preview', text: 'commande;clic;montant;date\nA\u0001;;1;\n' });
    expect(control.statusCode).toBe(400);
    expect(await salesCount()).toBe(before);
  });

  it('is an operator’s page: a partner is refused before the file is read, a form without its token too', async () => {
    const asPartner = await partnerVisitor.get(url());
    expect(asPartner.statusCode).toBe(403);
    const posted = await partnerVisitor.request({ method: 'POST', url: url(), payload: multipart({ mode: 'import', text: 'commande;clic;montant;date\nP-1;;1;\n' }).payload, headers: { 'content-type': multipart({}).type } });
    expect(posted.statusCode).toBe(403);
    await ops.get(url());
    const noToken = await send(ops, { mode: 'import', text: 'commande;clic;montant;date\nP-1;;1;\n' }, undefined, false);
    expect(noToken.statusCode).toBe(403);
    expect(await countRows(t.database.db, sql`sales where order_id = 'P-1'`)).toBe(0);
    expect((await ops.get('/admin/campaigns/00000000-0000-4000-8000-000000000000/sales/import')).statusCode).toBe(404);
  });
});
