/**
 * The saved payout method and the one-tap withdrawal over HTTP: the forms with their CSRF, the
 * emailed confirmation link (GET shows, POST confirms), « Tout retirer », and the emails.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { MailMessage, Mailer } from '../../src/modules/mail/mailer.js';
import { decideWithdrawal } from '../../src/modules/withdrawals/decisions.js';
import { ENGINES } from '../support/databases.js';
import { countRows, earn, ledgerProblems, operator, partnerIdByEmail } from '../support/fixtures.js';
import { CapturingMailer, createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const text = (body: string) => body.replace(/[\u00a0\u202f]/g, ' ');
const IBAN_TYPED = 'FR76 3000 6000 0112 3456 7890 189';

/** The confirmation link of the last payout method email sent to `to`. */
function confirmationLink(mailer: CapturingMailer, to: string): URL {
  const mail = [...mailer.sent].reverse().find((m) => m.to === to && m.subject === 'Confirme ton nouveau moyen de paiement');
  if (!mail) throw new Error(`no confirmation mail to ${to}`);
  const match = /https?:\/\/\S+\/partners\/payout-method\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text);
  if (!match) throw new Error('no confirmation link in the mail');
  return new URL(match[0]);
}

describe.each(ENGINES)('saved payout method and one-tap withdrawal over HTTP on %s', (engine) => {
  let t: TestApp;
  let partner: Visitor;
  let partnerId: string;
  const email = 'onetap@example.com';
  beforeAll(async () => {
    t = await createTestApp(engine);
    partner = new Visitor(t.app);
    await partner.signIn(email, t.mailer);
    partnerId = await partnerIdByEmail(t.database.db, email);
    await earn(t.database.db, partnerId, 10); // 100 €
  });
  afterAll(async () => {
    if (t) expect(await ledgerProblems(t.database.db)).toEqual([]);
    await t?.close();
  });

  const methodRows = async () => JSON.stringify(await queryRows(t.database.db, sql`select * from payout_methods union all select partner_id, method, details_encrypted, details_masked, created_at from payout_method_changes`));
  const requests = () => countRows(t.database.db, sql`withdraw_requests`);

  it('asks for a new method with a CSRF-protected form, refuses bad details next to the field, and holds a good one pending', async () => {
    const page = await partner.get('/partners/earnings');
    expect(page.body).toContain('id="w-details"'); // no saved method: today's form
    expect(page.body).toContain('Enregistrer un moyen de paiement pour retirer en un geste');
    const before = await methodRows();

    expect((await partner.post('/partners/payout-method', { method: 'bank', details: IBAN_TYPED, holderName: 'Jeanne Dupont', _csrf: '' })).statusCode).toBe(403);
    const bad = await partner.post('/partners/payout-method', { method: 'bank', details: 'FR7630006000011234567890188', holderName: 'Jeanne Dupont' });
    expect(bad.statusCode).toBe(400);
    expect(text(bad.body)).toMatch(/<p class="error" id="pm-details-error" role="alert">Cet IBAN n’est pas valide/);
    expect(bad.body).toMatch(/id="pm-details"[^>]*value="FR7630006000011234567890188"[^>]*aria-invalid="true"[^>]*autofocus/);
    expect(bad.body).toContain('<details class="payout-method" open>');
    expect(await methodRows()).toBe(before);

    const sentBefore = t.mailer.sent.length;
    const asked = await partner.post('/partners/payout-method', { method: 'bank', details: IBAN_TYPED, holderName: 'Jeanne Dupont' });
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe('/partners/earnings?method=sent#requested');
    const mails = t.mailer.sent.slice(sentBefore);
    expect(mails.map((m) => [m.to, m.subject])).toEqual([[email, 'Confirme ton nouveau moyen de paiement']]);
    expect(text(mails[0]!.text)).toContain('Virement bancaire · FR76 •••• •••• 0189');
    expect(mails[0]!.text).not.toContain('3000 6000');
    expect(mails[0]!.html).toContain('/partners/payout-method/confirm?token=');

    const after = text((await partner.get('/partners/earnings?method=sent')).body);
    expect(after).toContain('Lien de confirmation envoyé à on…p@example.com.');
    expect(after).toContain('En attente de confirmation : Virement bancaire · FR76 •••• •••• 0189.');
    // Pending is not effective: today's form is still the one shown.
    expect(after).toContain('id="w-details"');
    expect(await queryRows(t.database.db, sql`select * from payout_methods`)).toEqual([]);
  });

  it('shows the link’s change with a button that changes nothing, and confirms only by its POST, once', async () => {
    const link = confirmationLink(t.mailer, email);
    // The link opened elsewhere (a mail app, a scanner): no session needed to see it.
    const phone = new Visitor(t.app);
    const shown = await phone.get(link.pathname + link.search);
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['referrer-policy']).toBe('no-referrer');
    expect(text(shown.body)).toContain('Virement bancaire · FR76 •••• •••• 0189');
    expect(shown.body).toContain('Confirmer ce moyen de paiement');
    await phone.get(link.pathname + link.search);
    expect(await queryRows(t.database.db, sql`select * from payout_methods`)).toEqual([]);

    for (const bad of ['?token=nope', '?token=' + 'A'.repeat(43), '']) expect((await phone.get(`/partners/payout-method/confirm${bad}`)).statusCode).toBe(410);
    const token = link.searchParams.get('token')!;
    expect((await phone.post('/partners/payout-method/confirm', { token, _csrf: '' })).statusCode).toBe(403);
    expect(await queryRows(t.database.db, sql`select * from payout_methods`)).toEqual([]);

    await phone.get(link.pathname + link.search);
    const confirmed = await phone.post('/partners/payout-method/confirm', { token });
    expect(confirmed.statusCode).toBe(200);
    expect(text(confirmed.body)).toContain('Moyen de paiement confirmé : tes retraits seront versés sur Virement bancaire · FR76 •••• •••• 0189.');
    await phone.get('/partners');
    const again = await phone.post('/partners/payout-method/confirm', { token });
    expect(again.statusCode).toBe(410);
    expect(text(again.body)).toContain('Lien expiré ou déjà utilisé');
    expect(await queryRows(t.database.db, sql`select method, details_masked from payout_methods`)).toEqual([{ method: 'bank', details_masked: 'FR76 •••• •••• 0189' }]);
  });

  it('withdraws in one tap to the saved method, emails a summary, and refuses typed details', async () => {
    const page = await partner.get('/partners/earnings');
    const body = text(page.body);
    expect(body).toContain('Tes retraits sont versés sur');
    expect(body).not.toContain('id="w-details"');
    expect(body).toContain('Tout retirer (100,00 €)');
    expect(body).toContain('Changer de moyen de paiement');
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!;

    const sentBefore = t.mailer.sent.length;
    const done = await partner.post('/partners/withdraw', { amount: '12,50', idempotencyKey: key });
    expect(done.statusCode).toBe(303);
    const [made] = await queryRows<{ id: string }>(t.database.db, sql`select id from withdraw_requests`);
    expect(done.headers.location).toBe(`/partners/earnings?requested=${made!.id}#requested`);
    expect((await partner.post('/partners/withdraw', { amount: '12,50', idempotencyKey: key })).statusCode).toBe(303);
    expect(await requests()).toBe(1);
    const mails = t.mailer.sent.slice(sentBefore);
    expect(mails.map((m) => text(m.subject))).toEqual(['Demande de retrait de 12,50 € enregistrée']);
    expect(text(mails[0]!.text)).toContain('Ta demande de retrait de 12,50 € est enregistrée. Elle sera versée sur : Virement bancaire · FR76 •••• •••• 0189.');
    expect(text(mails[0]!.text)).toContain('Et ensuite ?');
    expect(mails[0]!.text).not.toContain('3000 6000');

    const shown = text((await partner.get(done.headers.location as string)).body);
    expect(shown).toContain('Demande de retrait de 12,50 € enregistrée, vers Virement bancaire · FR76 •••• •••• 0189. Un email récapitulatif part à ton adresse');
    // Another partner's request id names nothing: the notice stays general.
    const stranger = new Visitor(t.app);
    await stranger.signIn('stranger@example.com', t.mailer);
    const elsewhere = text((await stranger.get(done.headers.location as string)).body);
    expect(elsewhere).toContain('Demande de retrait enregistrée.');
    expect(elsewhere).not.toContain('12,50 €');
    expect(shown).toMatch(/<span class="status status-requested">Demandée<\/span>/);
    expect(shown).toContain('Prochaine étape : la vérification par l’équipe.');

    // Typed details cannot divert a partner's money once a method is saved.
    const diverted = await partner.post('/partners/withdraw', { amount: '20', method: 'paypal', details: 'thief@example.com' });
    expect(diverted.statusCode).toBe(409);
    expect(text(diverted.body)).toContain('Tes retraits vont sur ton moyen de paiement enregistré');
    expect(await requests()).toBe(1);
  });

  it('« Tout retirer » reserves exactly what is available, without JavaScript, and nothing more after', async () => {
    const page = text((await partner.get('/partners/earnings')).body);
    expect(page).toContain('Tout retirer (87,50 €)');
    // Whatever is typed in the amount, the second button asks for everything.
    const all = await partner.post('/partners/withdraw', { amount: '11', withdrawAll: '1', idempotencyKey: 'all-key-000001' });
    expect(all.statusCode).toBe(303);
    const amounts = await queryRows<{ amount_cents: number }>(t.database.db, sql`select amount_cents from withdraw_requests order by created_at`);
    expect(amounts.map((r) => r.amount_cents)).toEqual([1250, 8750]);
    expect((await partner.request({ method: 'GET', url: '/api/me/balance' })).json()).toMatchObject({ availableCents: 0, pendingCents: 10_000 });
    expect(text(t.mailer.sent.at(-1)!.subject)).toBe('Demande de retrait de 87,50 € enregistrée');
    const after = text((await partner.get('/partners/earnings')).body);
    expect(after).not.toContain('Tout retirer');
    const again = await partner.post('/partners/withdraw', { amount: '', withdrawAll: '1', idempotencyKey: 'all-key-000002' });
    expect(again.statusCode).toBe(400);
    expect(text(again.body)).toContain('Le retrait minimum est de 10 €.');
    expect(await requests()).toBe(2);
  });

  it('tells an operator’s decision by email with the status agreeing with « demande »', async () => {
    const [first] = await queryRows<{ id: string }>(t.database.db, sql`select id from withdraw_requests order by created_at limit 1`);
    await decideWithdrawal({ db: t.database.db, config: t.config, mailer: t.mailer, log: { error: () => undefined } }, first!.id, 'reject', operator, { reason: 'Doublon' });
    const mail = t.mailer.sent.at(-1)!;
    expect(text(mail.subject)).toBe('Ta demande de retrait de 12,50 € est refusée');
    expect(text(mail.text)).toContain('Ta demande de retrait de 12,50 € est refusée ; le montant revient à ton solde disponible.');
    expect(mail.text).toContain('Motif : Doublon');
    const page = text((await partner.get('/partners/earnings')).body);
    expect(page).toMatch(/<span class="status status-rejected">Refusée<\/span>/);
    expect(page).toContain('Motif : Doublon');
    expect(page).toMatch(/Refusée le <time datetime="[^"]+">\d+ \S+ \d{4}, \d\d:\d\d UTC<\/time>/);
  });

  it('answers the JSON API: the saved method masked, « all », and a change held for its email', async () => {
    const read = await partner.request({ method: 'GET', url: '/api/me/payout-method' });
    expect(read.json()).toMatchObject({ saved: { method: 'bank', detailsMasked: 'FR76 •••• •••• 0189' }, pending: null });
    const send = (body: unknown, key: string) => partner.request({ method: 'POST', url: '/api/me/withdrawals', payload: JSON.stringify(body), headers: { 'content-type': 'application/json', 'idempotency-key': key } });
    // The rejected 12,50 € came back: « all » takes exactly that.
    const all = await send({ amount: 'all' }, 'api-all-0001');
    expect(all.statusCode).toBe(201);
    expect(all.json()).toMatchObject({ amountCents: 1250, method: 'bank', detailsMasked: 'FR76 •••• •••• 0189' });
    expect((await send({ amount: '10', method: 'paypal', details: 'x@example.com' }, 'api-all-0002')).json()).toMatchObject({ error: 'payout_method_saved' });
    const change = await partner.request({ method: 'POST', url: '/api/me/payout-method', payload: JSON.stringify({ method: 'paypal', details: 'New.Address@example.com' }), headers: { 'content-type': 'application/json' } });
    expect(change.statusCode).toBe(202);
    expect(change.json()).toMatchObject({ saved: { method: 'bank' }, pending: { method: 'paypal', detailsMasked: 'ne…s@example.com' } });
    expect(t.mailer.sent.at(-1)!.subject).toBe('Confirme ton nouveau moyen de paiement');
    const bad = await partner.request({ method: 'POST', url: '/api/me/payout-method', payload: JSON.stringify({ method: 'paypal', details: 'nope' }), headers: { 'content-type': 'application/json' } });
    expect(bad.json()).toMatchObject({ error: 'invalid_input', field: 'details' });
    expect((await t.app.inject({ method: 'GET', url: '/api/me/payout-method' })).statusCode).toBe(401);
  });

  it('limits the asks for a change to 10 an hour per partner, so a stolen session cannot flood the mailbox', async () => {
    const other = new Visitor(t.app);
    await other.signIn('flooded@example.com', t.mailer);
    const mailsTo = () => t.mailer.sent.filter((m) => m.to === 'flooded@example.com' && m.subject === 'Confirme ton nouveau moyen de paiement').length;
    for (let i = 0; i < 10; i++) {
      await other.get('/partners/earnings');
      expect((await other.post('/partners/payout-method', { method: 'paypal', details: `flooded${i}@example.com` })).statusCode).toBe(303);
    }
    await other.get('/partners/earnings');
    const refused = await other.post('/partners/payout-method', { method: 'paypal', details: 'flooded10@example.com' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    const api = await other.request({ method: 'POST', url: '/api/me/payout-method', payload: JSON.stringify({ method: 'paypal', details: 'flooded11@example.com' }), headers: { 'content-type': 'application/json' } });
    expect(api.statusCode).toBe(429);
    expect(mailsTo()).toBe(10);
    expect((await other.request({ method: 'GET', url: '/api/me/payout-method' })).json()).toMatchObject({ pending: { detailsMasked: 'fl…9@example.com' } });
  });
});

/** Passes sign-in mails on, fails every other one. */
class WithdrawalMailDown implements Mailer {
  readonly destination = 'memory';
  readonly inner = new CapturingMailer();
  async send(message: MailMessage) {
    if (message.subject.startsWith('Ton lien de connexion')) return this.inner.send(message);
    throw new Error('SMTP down');
  }
  close() {}
}

describe('a mail that cannot leave', () => {
  it('never undoes a withdrawal request, and says so when the confirmation link cannot be sent', async () => {
    const mailer = new WithdrawalMailDown();
    const t = await createTestApp('pglite', {}, mailer);
    try {
      const partner = new Visitor(t.app);
      await partner.signIn('nomail@example.com', mailer.inner);
      await earn(t.database.db, await partnerIdByEmail(t.database.db, 'nomail@example.com'), 3);
      await partner.get('/partners/earnings');
      const asked = await partner.post('/partners/withdraw', { amount: '12', method: 'paypal', details: 'nomail@example.com', idempotencyKey: 'down-key-0001' });
      expect(asked.statusCode).toBe(303);
      expect(await countRows(t.database.db, sql`withdraw_requests`)).toBe(1);
      await partner.get('/partners/earnings');
      const method = await partner.post('/partners/payout-method', { method: 'paypal', details: 'nomail@example.com' });
      expect(method.statusCode).toBe(503);
      expect(text(method.body)).toContain('L’email de confirmation n’a pas pu partir.');
      expect(await queryRows(t.database.db, sql`select * from payout_methods`)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
