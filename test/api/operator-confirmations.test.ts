import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { formatCents } from '../../src/lib/money.js';
import type { MailMessage } from '../../src/modules/mail/mailer.js';
import { transitionWithdrawal, requestWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { createPayoutFile } from '../../src/modules/withdrawals/payout-files.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, addPartner, earn, operator } from '../support/fixtures.js';
import { CapturingMailer, createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const TOKEN = 'api-token-api-token-api-token-api-token';

/** Captures every mail, but the partner-status mail to `failing@example.com` cannot leave. */
class FlakyMailer extends CapturingMailer {
  override async send(message: MailMessage): Promise<void> {
    if (message.to === 'failing@example.com' && !message.subject.includes('connexion')) throw new Error('SMTP down');
    await super.send(message);
  }
}

describe.each(ENGINES)('operators confirm what cannot be undone, on %s', (engine) => {
  let t: TestApp;
  let mailer: FlakyMailer;
  let ops: Visitor;
  beforeAll(async () => {
    mailer = new FlakyMailer();
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com', ADMIN_API_TOKEN: TOKEN }, mailer);
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', mailer);
  });
  afterAll(async () => t?.close());

  const partnerRow = async (id: string) =>
    (await queryRows<{ status: string; status_reason: string | null }>(t.database.db, sql`select status, status_reason from partners where id = ${id}`))[0]!;

  it('ends a campaign only once confirmed: the first POST says what will happen and changes nothing', async () => {
    const campaign = await addCampaign(t.database.db, '0.12', 'Soldes <d’hiver>');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    const asked = await ops.post(`/admin/campaigns/${campaign.id}/status`, { status: 'ended' });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Terminer la campagne « Soldes &lt;d’hiver&gt; » ?');
    expect(asked.body).toContain('name="confirm" value="1"');
    expect((await queryRows<{ status: string }>(t.database.db, sql`select status from campaigns where id = ${campaign.id}`))[0]!.status).toBe('active');

    // The confirmation is a form like any other: without its CSRF token it is refused.
    expect((await ops.post(`/admin/campaigns/${campaign.id}/status`, { status: 'ended', confirm: '1', _csrf: '' })).statusCode).toBe(403);
    expect((await queryRows<{ status: string }>(t.database.db, sql`select status from campaigns where id = ${campaign.id}`))[0]!.status).toBe('active');

    const confirmed = await ops.post(`/admin/campaigns/${campaign.id}/status`, { status: 'ended', confirm: '1' });
    expect(confirmed.statusCode).toBe(303);
    expect((await queryRows<{ status: string }>(t.database.db, sql`select status from campaigns where id = ${campaign.id}`))[0]!.status).toBe('ended');
    // Pausing can be undone: no confirmation step.
    const other = await addCampaign(t.database.db, '0.12', 'Printemps');
    await ops.get(`/admin/campaigns/${other.id}`);
    expect((await ops.post(`/admin/campaigns/${other.id}/status`, { status: 'paused' })).statusCode).toBe(303);
  });

  it('suspends a partner only with a reason and once confirmed; the partner is emailed the reason and sees it at sign-in', async () => {
    const partnerId = await addPartner(t.database.db, 'banned@example.com');
    const page = `/admin/partners/${partnerId}`;
    await ops.get(page);
    const sentBefore = mailer.sent.length;

    const noReason = await ops.post(`${page}/status`, { status: 'suspended', reason: '   ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Indique le motif de la suspension');
    expect(noReason.body).toMatch(/<textarea id="p-reason"[^>]*aria-invalid="true"/);
    expect(await partnerRow(partnerId)).toEqual({ status: 'active', status_reason: null });

    await ops.get(page);
    const asked = await ops.post(`${page}/status`, { status: 'suspended', reason: 'Clics achetés <script>' });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Suspendre banned@example.com ?');
    expect(asked.body).toContain('Clics achetés &lt;script&gt;');
    expect(await partnerRow(partnerId)).toEqual({ status: 'active', status_reason: null });
    expect(mailer.sent.length).toBe(sentBefore);

    const confirmed = await ops.post(`${page}/status`, { status: 'suspended', reason: 'Clics achetés <script>', confirm: '1' });
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe(`${page}?done=suspended#done`);
    expect(await partnerRow(partnerId)).toEqual({ status: 'suspended', status_reason: 'Clics achetés <script>' });
    const mail = mailer.sent.at(-1)!;
    expect(mail.to).toBe('banned@example.com');
    expect(mail.subject).toBe('Ton compte Plug & Earn est suspendu');
    expect(mail.text).toContain('Motif : Clics achetés <script>');
    expect(mail.html).toContain('Motif : Clics achetés &lt;script&gt;');
    const shown = await ops.get(confirmed.headers.location as string);
    expect(shown.body).toContain('banned@example.com est suspendu ; un email lui annonce la suspension avec le motif.');
    expect(shown.body).toContain('Motif : Clics achetés &lt;script&gt;');

    const audit = await queryRows<{ params: { reason: string }; partner_id: string; to_state: string }>(t.database.db, sql`select params, partner_id, to_state from audit_log where action = 'partner_status' and partner_id = ${partnerId}`);
    expect(audit).toEqual([{ params: { email: 'banned@example.com', reason: 'Clics achetés <script>' }, partner_id: partnerId, to_state: 'suspended' }]);

    // Signing in is refused with the reason.
    const visitor = new Visitor(t.app);
    const refused = await visitor.signIn('banned@example.com', mailer);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Ce compte est suspendu. Motif : Clics achetés &lt;script&gt;');

    // Reinstating needs no reason nor confirmation, and tells the partner too.
    await ops.get(page);
    expect((await ops.post(`${page}/status`, { status: 'active' })).statusCode).toBe(303);
    expect(await partnerRow(partnerId)).toEqual({ status: 'active', status_reason: null });
    expect(mailer.sent.at(-1)).toMatchObject({ to: 'banned@example.com', subject: 'Ton compte Plug & Earn est réactivé' });
  });

  it('keeps a suspension when its email cannot leave', async () => {
    const partnerId = await addPartner(t.database.db, 'failing@example.com');
    await ops.get(`/admin/partners/${partnerId}`);
    const confirmed = await ops.post(`/admin/partners/${partnerId}/status`, { status: 'suspended', reason: 'Spam', confirm: '1' });
    expect(confirmed.statusCode).toBe(303);
    expect(await partnerRow(partnerId)).toEqual({ status: 'suspended', status_reason: 'Spam' });
  });

  it('asks the JSON API for the reason of a suspension, and emails it', async () => {
    const partnerId = await addPartner(t.database.db, 'api-banned@example.com');
    const api = (verb: string, payload: unknown) => ops.request({ method: 'POST', url: `/api/admin/partners/${partnerId}/${verb}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    const missing = await api('suspend', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_input', field: 'reason' });
    expect(await partnerRow(partnerId)).toEqual({ status: 'active', status_reason: null });
    const done = await api('suspend', { reason: 'Fraude' });
    expect(done.json()).toMatchObject({ status: 'suspended', statusReason: 'Fraude' });
    expect(mailer.sent.at(-1)).toMatchObject({ to: 'api-banned@example.com', subject: 'Ton compte Plug & Earn est suspendu' });
    // Reinstating needs no body at all (a script with the API token).
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const reinstated = await t.app.inject({ method: 'POST', url: `/api/admin/partners/${partnerId}/reinstate`, headers: bearer });
    expect(reinstated.statusCode).toBe(200);
    expect(reinstated.json()).toMatchObject({ status: 'active', statusReason: null });
    const noBody = await t.app.inject({ method: 'POST', url: `/api/admin/partners/${partnerId}/suspend`, headers: bearer });
    expect(noBody.statusCode).toBe(400);
    expect(await partnerRow(partnerId)).toEqual({ status: 'active', status_reason: null });
  });

  it('marks a payout file paid only once confirmed, saying how many requests and how much', async () => {
    const db = t.database.db;
    const partnerId = await addPartner(db, 'payee@example.com');
    await earn(db, partnerId, 2, '10');
    const { withdrawal } = await requestWithdrawal(db, t.config, partnerId, { amount: '15', method: 'paypal', details: 'payee@example.com' }, null);
    await transitionWithdrawal(db, withdrawal.id, 'approve', operator);
    const file = await createPayoutFile(db, t.config, 'paypal', operator);
    await ops.get('/admin/withdrawals?status=approved');
    const asked = await ops.post(`/admin/payout-files/${file.messageId}/pay`, {});
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain(`Marquer payé le fichier ${file.messageId} ?`);
    expect(asked.body).toContain(`1 demande, ${formatCents(1500, 'fr')} au total.`);
    const unpaid = await queryRows<{ paid_at: Date | null }>(db, sql`select paid_at from payout_files where message_id = ${file.messageId}`);
    expect(unpaid[0]!.paid_at).toBeNull();
    expect((await queryRows<{ status: string }>(db, sql`select status from withdraw_requests where id = ${withdrawal.id}`))[0]!.status).toBe('approved');

    const confirmed = await ops.post(`/admin/payout-files/${file.messageId}/pay`, { confirm: '1' });
    expect(confirmed.statusCode).toBe(303);
    expect((await queryRows<{ status: string }>(db, sql`select status from withdraw_requests where id = ${withdrawal.id}`))[0]!.status).toBe('paid');
    // Paid already: no confirmation page, the refusal.
    await ops.get('/admin/withdrawals');
    expect((await ops.post(`/admin/payout-files/${file.messageId}/pay`, {})).statusCode).toBe(409);
  });
});
