import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ENGINES } from '../support/databases.js';
import { earn, ledgerProblems, partnerIdByEmail, countRows } from '../support/fixtures.js';
import { sepaSchemaErrors } from '../support/sepa-schema.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const TOKEN = 'api-token-api-token-api-token-api-token';
const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const text = (body: string) => body.replace(/[\u00a0\u202f]/g, ' ');

describe.each(ENGINES)('withdrawals over HTTP on %s', (engine) => {
  let t: TestApp;
  let partner: Visitor;
  let partnerId: string;
  beforeAll(async () => {
    t = await createTestApp(engine, {
      ADMIN_EMAILS: 'ops@example.com',
      ADMIN_API_TOKEN: TOKEN,
      SEPA_DEBTOR_NAME: 'Plug & Earn SAS — Société Générale',
      SEPA_DEBTOR_IBAN: 'FR14 2004 1010 0505 0001 3M02 606',
      SEPA_DEBTOR_BIC: 'PSSTFRPPPAR',
    });
    partner = new Visitor(t.app);
    await partner.signIn('saver@example.com', t.mailer);
    partnerId = await partnerIdByEmail(t.database.db, 'saver@example.com');
    await earn(t.database.db, partnerId, 10); // 100 €
  });
  afterAll(async () => {
    if (t) expect(await ledgerProblems(t.database.db)).toEqual([]);
    await t?.close();
  });

  const requestsCount = async () => (await countRows(t.database.db, sql`withdraw_requests`));

  it('takes the seed’s form, once even when resubmitted, and lists the request masked', async () => {
    const page = await partner.get('/partners/earnings');
    expect(text(page.body)).toMatch(/<dt>Disponible<\/dt><dd>100,00 €<\/dd>/);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!;
    const form = { amount: '12,50', method: 'bank', details: 'FR76 3000 6000 0112 3456 7890 189', holderName: 'Jeanne Dupont', idempotencyKey: key };
    const csrf = partner.csrf();
    const first = await partner.post('/partners/withdraw', { ...form, _csrf: csrf });
    expect(first.statusCode).toBe(303);
    const again = await partner.post('/partners/withdraw', { ...form, _csrf: csrf });
    expect(again.statusCode).toBe(303);
    expect(await requestsCount()).toBe(1);
    const after = await partner.get('/partners/earnings?requested=1');
    const body = text(after.body);
    expect(body).toContain('Demande de retrait enregistrée');
    expect(body).toMatch(/<dt>Retraits en cours<\/dt><dd>12,50 €<\/dd>/);
    expect(body).toMatch(/<dt>Disponible<\/dt><dd>87,50 €<\/dd>/);
    expect(body).toContain('FR76 •••• •••• 0189');
    expect(body).not.toContain('3000 6000 0112');
    expect(body).toMatch(/<span class="status status-requested">Demandée<\/span>/);
  });

  it('refuses bad forms with a clear message, keeps the values, writes nothing', async () => {
    const before = await requestsCount();
    const cases: Array<[Record<string, string>, string]> = [
      [{ amount: 'nan', method: 'paypal', details: 'me@example.com' }, 'Indique un montant en euros'],
      [{ amount: '9.99', method: 'paypal', details: 'me@example.com' }, 'Le retrait minimum est de 10 €'],
      [{ amount: '1000', method: 'paypal', details: 'me@example.com' }, 'dépasse ton solde disponible'],
      [{ amount: '20', method: 'cash', details: 'me@example.com' }, 'Choisis une méthode'],
      [{ amount: '20', method: 'bank', details: 'FR7630006000011234567890188', holderName: 'J D' }, 'IBAN n’est pas valide'],
      [{ amount: '20', method: 'paypal', details: '<script>alert(1)</script>' }, 'adresse email de ton compte PayPal'],
    ];
    for (const [form, message] of cases) {
      await partner.get('/partners/earnings');
      const response = await partner.post('/partners/withdraw', form);
      expect(response.statusCode, JSON.stringify(form)).toBe(400);
      expect(text(response.body)).toContain(message);
      expect(response.body).toContain(`value="${form.amount}"`);
      expect(response.body).not.toContain('<script>alert(1)</script>');
    }
    await partner.get('/partners/earnings');
    const noCsrf = await partner.post('/partners/withdraw', { amount: '20', method: 'paypal', details: 'me@example.com', _csrf: '' });
    expect(noCsrf.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/partners/withdraw', payload: 'amount=20', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(403);
    expect(await requestsCount()).toBe(before);
  });

  it('answers the JSON API idempotently: a replay returns the first result, another amount is a 422', async () => {
    const send = (body: unknown, key?: string) =>
      partner.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) } });
    const body = { amount: '20.00', method: 'paypal', details: 'Saver@Example.com' };
    expect((await send(body)).statusCode).toBe(400);
    const first = await send(body, 'api-key-0001');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ amountCents: 2000, amountEur: '20.00', method: 'paypal', detailsMasked: 'sa…r@example.com', status: 'requested' });
    const replay = await send(body, 'api-key-0001');
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const other = await send({ ...body, amount: '21.00' }, 'api-key-0001');
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toBe('idempotency_mismatch');
    expect((await send({ ...body, amount: 'Infinity' }, 'api-key-0002')).json()).toMatchObject({ error: 'invalid_input', field: 'amount' });
    const list = (await partner.request({ method: 'GET', url: '/api/me/withdrawals' })).json();
    expect(list).toHaveLength(2);
    expect((await partner.request({ method: 'GET', url: '/api/me/balance' })).json()).toMatchObject({ pendingCents: 3250, availableCents: 6750 });
  });

  it('lets operators approve, reject with a reason and pay with a reference; the partner is told each time', async () => {
    const list = (await t.app.inject({ url: '/api/admin/withdrawals?status=requested', headers: bearer })).json() as Array<{ id: string; method: string; partnerEmail: string }>;
    expect(list).toHaveLength(2);
    expect(list.every((w) => w.partnerEmail === 'saver@example.com')).toBe(true);
    expect((await t.app.inject({ url: '/api/admin/withdrawals?status=lost', headers: bearer })).statusCode).toBe(400);
    const paypalRequest = list.find((w) => w.method === 'paypal')!;
    const bankRequest = list.find((w) => w.method === 'bank')!;
    const sentBefore = t.mailer.sent.length;

    const act = (id: string, action: string, body: unknown = {}) => t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${id}/${action}`, headers: bearer, payload: JSON.stringify(body) });
    expect((await act(paypalRequest.id, 'pay', { reference: 'PP-1' })).statusCode).toBe(409);
    expect((await act(paypalRequest.id, 'reject', {})).statusCode).toBe(400);
    const rejected = await act(paypalRequest.id, 'reject', { reason: '<b>Compte</b> PayPal introuvable' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', reason: '<b>Compte</b> PayPal introuvable' });
    expect((await act(paypalRequest.id, 'approve')).statusCode).toBe(409);
    expect((await act(bankRequest.id, 'approve')).json().status).toBe('approved');
    expect((await act(bankRequest.id, 'approve')).statusCode).toBe(409);
    expect((await act('00000000-0000-0000-0000-000000000000', 'approve')).statusCode).toBe(404);

    const mails = t.mailer.sent.slice(sentBefore);
    expect(mails.map((m) => text(m.subject))).toEqual(['Ta demande de retrait de 20,00 € est refusée', 'Ta demande de retrait de 12,50 € est approuvée']);
    expect(mails[0]!.text).toContain('Motif : <b>Compte</b> PayPal introuvable');
    expect(mails[0]!.html).toContain('&lt;b&gt;Compte&lt;/b&gt;');

    const earnings = await partner.get('/partners/earnings');
    expect(earnings.body).toContain('&lt;b&gt;Compte&lt;/b&gt; PayPal introuvable');
    expect(earnings.body).not.toContain('<b>Compte</b>');
  });

  it('exports a SEPA file the schema accepts, marks it paid as a whole, and a PayPal CSV', async () => {
    // A second partner with a bank request, and a holder name full of markup and accents.
    const other = new Visitor(t.app);
    await other.signIn('second@example.com', t.mailer);
    await earn(t.database.db, await partnerIdByEmail(t.database.db, 'second@example.com'), 3);
    const created = await other.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify({ amount: '30', method: 'bank', details: 'DE89 3704 0044 0532 0130 00', holderName: 'Chloé <Müller> & Fils' }), headers: { 'content-type': 'application/json', 'idempotency-key': 'second-0001' } });
    expect(created.statusCode).toBe(201);
    await t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${created.json().id}/approve`, headers: bearer, payload: '{}' });

    const file = await t.app.inject({ method: 'POST', url: '/api/admin/payout-files/sepa', headers: bearer, payload: '{}' });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/xml; charset=utf-8');
    const xml = file.body;
    expect(await sepaSchemaErrors(xml)).toEqual([]);
    expect(xml).toContain('<NbOfTxs>2</NbOfTxs>');
    expect(xml).toContain('<CtrlSum>42.50</CtrlSum>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">12.50</InstdAmt>');
    expect(xml).toContain('<Nm>Chloe Muller + Fils</Nm>');
    expect(xml).toContain('<IBAN>FR7630006000011234567890189</IBAN>');
    expect(xml).toContain('<Nm>Plug + Earn SAS Societe Generale</Nm>');
    expect(xml).toContain('<BIC>PSSTFRPPPAR</BIC>');
    const ids = [...xml.matchAll(/<EndToEndId>([^<]+)<\/EndToEndId>/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(2);
    const messageId = file.headers['x-message-id'] as string;
    expect(xml).toContain(`<MsgId>${messageId}</MsgId>`);
    // Its requests are in an open file: no second file gets them, and they cannot be rejected alone.
    const second = await t.app.inject({ method: 'POST', url: '/api/admin/payout-files/sepa', headers: bearer, payload: '{}' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toBe('nothing_to_pay');
    const inFile = await t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${created.json().id}/reject`, headers: bearer, payload: JSON.stringify({ reason: 'changed my mind' }) });
    expect(inFile.statusCode).toBe(409);
    expect(inFile.json().error).toBe('withdrawal_in_file');
    expect((await t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${created.json().id}/pay`, headers: bearer, payload: JSON.stringify({ reference: 'alone' }) })).statusCode).toBe(409);
    // The same file downloads again, byte for byte.
    const again = await t.app.inject({ url: `/api/admin/payout-files/${messageId}`, headers: { authorization: bearer.authorization } });
    expect(again.body).toBe(xml);
    // No GET creates a file, whatever the headers: a link followed in a browser that sends no
    // Fetch Metadata, with an operator's cookie, only gets a 405 naming the POST.
    const ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    const filesBefore = [{ n: await countRows(t.database.db, sql`payout_files`) }];
    for (const headers of [{}, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-origin' }, { authorization: bearer.authorization }]) {
      for (const slug of ['paypal', 'sepa']) {
        const followed = await ops.request({ method: 'GET', url: `/api/admin/payout-files/${slug}`, headers });
        expect(followed.statusCode, `${slug} ${JSON.stringify(headers)}`).toBe(405);
        expect(followed.headers.allow).toBe('POST');
        expect(followed.json()).toMatchObject({ error: 'method_not_allowed' });
      }
    }
    // A POST riding on the cookie alone (a form, no JSON body) needs the session's CSRF token.
    expect((await ops.request({ method: 'POST', url: '/api/admin/payout-files/paypal' })).statusCode).toBe(403);
    expect([{ n: await countRows(t.database.db, sql`payout_files`) }]).toEqual(filesBefore);

    const paid = await t.app.inject({ method: 'POST', url: `/api/admin/payout-files/${messageId}/pay`, headers: bearer, payload: '{}' });
    expect(paid.statusCode).toBe(200);
    expect(paid.json().paid).toHaveLength(2);
    expect((await t.app.inject({ method: 'POST', url: `/api/admin/payout-files/${messageId}/pay`, headers: bearer, payload: '{}' })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: `/api/admin/payout-files/${messageId}/cancel`, headers: bearer, payload: '{}' })).statusCode).toBe(409);
    const payouts = await queryRows<{ reference: string; amount_cents: number }>(t.database.db, sql`select reference, amount_cents from payouts order by amount_cents`);
    expect(payouts).toEqual([{ reference: messageId, amount_cents: 1250 }, { reference: messageId, amount_cents: 3000 }]);
    expect((await t.app.inject({ method: 'POST', url: '/api/admin/payout-files/sepa', headers: bearer, payload: '{}' })).statusCode).toBe(409);

    // PayPal: one approved request → one CSV line.
    const pp = await partner.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify({ amount: '15', method: 'paypal', details: 'saver@example.com' }), headers: { 'content-type': 'application/json', 'idempotency-key': 'pp-00000001' } });
    await t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${pp.json().id}/approve`, headers: bearer, payload: '{}' });
    const csv = await t.app.inject({ method: 'POST', url: '/api/admin/payout-files/paypal', headers: bearer, payload: '{}' });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toBe(`saver@example.com,15.00,EUR,${pp.json().id},Plug & Earn - merci !,PAYPAL\r\n`);
    // Cancelled, the file frees its request: it can be rejected alone, and the money comes back.
    const ppFile = csv.headers['x-message-id'] as string;
    expect((await t.app.inject({ method: 'POST', url: `/api/admin/payout-files/${ppFile}/cancel`, headers: bearer, payload: '{}' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${pp.json().id}/reject`, headers: bearer, payload: JSON.stringify({ reason: 'PayPal a refusé' }) })).statusCode).toBe(200);

    const balance = (await partner.request({ method: 'GET', url: '/api/me/balance' })).json();
    expect(balance).toMatchObject({ earnedCents: 10000, paidCents: 1250, pendingCents: 0 });
    expect(balance.availableCents).toBe(10000 - 1250);
  });

  it('shows the operator’s withdrawals page with actions, masked details, and the full ones only on the detail view', async () => {
    const ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    const page = await ops.get('/admin/withdrawals?status=all');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('FR76 •••• •••• 0189');
    expect(page.body).not.toContain('FR7630006000011234567890189');
    expect(page.body).toContain('&lt;b&gt;Compte&lt;/b&gt;');
    const fresh = await partner.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify({ amount: '11', method: 'paypal', details: 'saver@example.com' }), headers: { 'content-type': 'application/json', 'idempotency-key': 'form-00000001' } });
    await t.app.inject({ method: 'POST', url: `/api/admin/withdrawals/${fresh.json().id}/approve`, headers: bearer, payload: '{}' });
    const approvedPage = await ops.get('/admin/withdrawals?status=approved');
    expect(approvedPage.body).toContain('action="/admin/withdrawals/');
    const [müller] = await queryRows<{ id: string }>(t.database.db, sql`select w.id from withdraw_requests w join partners p on p.id = w.partner_id where p.email = 'second@example.com'`);
    const detail = await ops.get(`/admin/withdrawals/${müller!.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('DE89 3704 0044 0532 0130 00 — Chloé &lt;Müller&gt; &amp; Fils');
    expect(detail.body).not.toContain('<Müller>');
    // Approve then reject through the forms.
    const pending = (await t.app.inject({ url: '/api/admin/withdrawals?status=approved', headers: bearer })).json() as Array<{ id: string }>;
    await ops.get('/admin/withdrawals?status=approved');
    const reject = await ops.post(`/admin/withdrawals/${pending[0]!.id}/reject`, { reason: '' });
    expect(reject.statusCode).toBe(400);
    await ops.get('/admin/withdrawals?status=approved');
    expect((await ops.post(`/admin/withdrawals/${pending[0]!.id}/reject`, { reason: 'Doublon' })).statusCode).toBe(303);
    await ops.get('/admin/withdrawals?status=rejected');
    expect((await ops.post(`/admin/withdrawals/${pending[0]!.id}/pay`, { reference: 'X' })).statusCode).toBe(409);
    expect((await partner.get('/admin/withdrawals')).statusCode).toBe(403);
    const audit = await ops.get('/admin/audit');
    for (const action of ['Retrait demandé', 'Retrait approuvé', 'Retrait refusé', 'Retrait payé', 'Fichier de paiement créé', 'Fichier de paiement marqué payé', 'Fichier de paiement annulé']) expect(audit.body).toContain(action);
  });
});

describe('payout files without SEPA settings', () => {
  it('refuses the SEPA export with a message naming the settings', async () => {
    const t = await createTestApp('pglite', { ADMIN_API_TOKEN: TOKEN });
    try {
      const response = await t.app.inject({ method: 'POST', url: '/api/admin/payout-files/sepa', headers: bearer, payload: '{}' });
      expect(response.statusCode).toBe(409);
      expect(response.json().message).toContain('SEPA_DEBTOR_IBAN');
    } finally {
      await t.close();
    }
  });
});

describe.each(ENGINES)('payout files follow PAYOUT_METHODS on %s', (engine) => {
  it('refuses a file for a method the settings do not offer, on the page, the API and alike', async () => {
    const t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com', ADMIN_API_TOKEN: TOKEN, PAYOUT_METHODS: 'paypal', SEPA_DEBTOR_NAME: 'Plug & Earn SAS', SEPA_DEBTOR_IBAN: 'FR76 3000 6000 0112 3456 7890 189' });
    try {
      const api = await t.app.inject({ method: 'POST', url: '/api/admin/payout-files/sepa', headers: bearer, payload: '{}' });
      expect(api.statusCode).toBe(400);
      expect(api.json()).toMatchObject({ error: 'invalid_input', field: 'method' });
      const ops = new Visitor(t.app);
      await ops.signIn('ops@example.com', t.mailer);
      await ops.get('/admin/withdrawals');
      const page = await ops.post('/admin/payout-files', { method: 'bank' });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('Choisis une méthode de paiement proposée.');
      expect(await queryRows(t.database.db, sql`select message_id from payout_files`)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
