import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ConflictError, InputError } from '../../src/lib/errors.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { createPayoutFile, markPayoutFilePaid } from '../../src/modules/withdrawals/payout-files.js';
import { requestWithdrawal, transitionWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addPartner, earn, ledgerProblems, operator, countRows, refusal } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

const IBAN = 'FR7630006000011234567890189';
const bank = (amount: string) => ({ amount, method: 'bank', details: 'fr76 3000 6000 0112 3456 7890 189', holderName: 'Jeanne Dupont' });
const paypal = (amount: string | number) => ({ amount, method: 'paypal', details: 'jeanne@example.com' });
const config = testConfig();

const count = (database: TestDatabase, table: string) => countRows(database.db, sql.raw(table));

describe.each(ENGINES)('withdrawals on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    if (database) expect(await ledgerProblems(database.db)).toEqual([]);
    await database?.close();
  });

  it('refuses every malformed or out-of-range amount with a specific message, writing nothing', async () => {
    const partner = await addPartner(database.db, `amounts-${engine}@example.com`);
    await earn(database.db, partner, 5); // 50 €
    const cases: Array<[string, string]> = [
      ['nan', 'withdraw.error.amountFormat'],
      ['NaN', 'withdraw.error.amountFormat'],
      ['Infinity', 'withdraw.error.amountFormat'],
      ['-1', 'withdraw.error.amountFormat'],
      ['0', 'withdraw.error.amountMin'],
      ['9.99', 'withdraw.error.amountMin'],
      ['10.001', 'withdraw.error.amountFormat'],
      ['1e3', 'withdraw.error.amountFormat'],
      ['', 'withdraw.error.amountEmpty'],
      ['   ', 'withdraw.error.amountEmpty'],
      ['dix euros', 'withdraw.error.amountFormat'],
      ['99999999999999', 'withdraw.error.amountFormat'],
      ['100000000000', 'withdraw.error.amountTooLarge'],
      ['50.01', 'withdraw.error.amountAvailable'],
    ];
    for (const [amount, key] of cases) {
      const error = await refusal(requestWithdrawal(database.db, config, partner, paypal(amount), null));
      expect(error, amount).toBeInstanceOf(InputError);
      expect((error as InputError).field, amount).toBe('amount');
      expect(error.messageKey, amount).toBe(key);
    }
    expect(await count(database, 'withdraw_requests')).toBe(0);
    const ok = await requestWithdrawal(database.db, config, partner, paypal('12,50'), null);
    expect(ok.withdrawal.amountCents).toBe(1250);
    expect((await partnerBalance(database.db, partner, { fallbackEpcCents: 0 })).availableCents).toBe(3750);
  });

  it('checks the method against PAYOUT_METHODS and the details against the method', async () => {
    const partner = await addPartner(database.db, `methods-${engine}@example.com`);
    await earn(database.db, partner, 5);
    expect((await refusal(requestWithdrawal(database.db, config, partner, { ...paypal('10'), method: 'cash' }, null))).messageKey).toBe('withdraw.error.method');
    const bankOnly = testConfig({ PAYOUT_METHODS: 'bank' });
    expect((await refusal(requestWithdrawal(database.db, bankOnly, partner, paypal('10'), null))).messageKey).toBe('withdraw.error.method');
    expect((await refusal(requestWithdrawal(database.db, config, partner, { ...bank('10'), details: 'FR7630006000011234567890188' }, null))).messageKey).toBe('withdraw.error.iban');
    expect((await refusal(requestWithdrawal(database.db, config, partner, { ...bank('10'), holderName: '' }, null))).messageKey).toBe('withdraw.error.holder');
    expect((await refusal(requestWithdrawal(database.db, config, partner, { ...paypal('10'), details: 'not-an-email' }, null))).messageKey).toBe('withdraw.error.paypal');
    const trimmed = await requestWithdrawal(database.db, config, partner, { ...bank('10'), method: ' Bank ' }, null);
    expect(trimmed.withdrawal).toMatchObject({ method: 'bank', detailsMasked: 'FR76 •••• •••• 0189', status: 'requested' });
    // Payout details are encrypted at rest: the IBAN appears nowhere in the table.
    const stored = JSON.stringify(await queryRows(database.db, sql`select * from withdraw_requests`));
    expect(stored).not.toContain(IBAN);
    expect(stored).not.toContain('3000 6000');
    expect(stored).not.toContain('Jeanne Dupont');
  });

  it('replays a request with the same idempotency key, and refuses the key with other values', async () => {
    const partner = await addPartner(database.db, `idem-${engine}@example.com`);
    await earn(database.db, partner, 5);
    const first = await requestWithdrawal(database.db, config, partner, paypal('20'), 'key-0000001');
    const again = await requestWithdrawal(database.db, config, partner, paypal(20), 'key-0000001');
    expect(again).toEqual({ withdrawal: first.withdrawal, replayed: true, partner: { email: `idem-${engine}@example.com`, locale: null } });
    const changed = await refusal(requestWithdrawal(database.db, config, partner, paypal('21'), 'key-0000001'));
    expect(changed).toBeInstanceOf(ConflictError);
    expect((changed as ConflictError).code).toBe('idempotency_mismatch');
    expect((await refusal(requestWithdrawal(database.db, config, partner, paypal('20'), 'bad key!'))).messageKey).toBe('withdraw.error.idempotencyKey');
    const rows = [{ n: await countRows(database.db, sql`withdraw_requests where partner_id = ${partner}`) }];
    expect(rows[0]!.n).toBe(1);
  });

  it('allows only requested → approved → paid and requested|approved → rejected; paid makes one payout', async () => {
    const partner = await addPartner(database.db, `states-${engine}@example.com`);
    await earn(database.db, partner, 5);
    const { withdrawal: w } = await requestWithdrawal(database.db, config, partner, bank('30'), null);
    const conflict = async (action: 'approve' | 'reject' | 'pay', options = {}) => {
      const error = await refusal(transitionWithdrawal(database.db, w.id, action, operator, options));
      expect(error).toBeInstanceOf(ConflictError);
    };
    await conflict('pay', { reference: 'R' });
    expect((await refusal(transitionWithdrawal(database.db, w.id, 'reject', operator, { reason: '  ' }))).messageKey).toBe('withdraw.error.reason');
    await transitionWithdrawal(database.db, w.id, 'approve', operator);
    await conflict('approve');
    expect((await refusal(transitionWithdrawal(database.db, w.id, 'pay', operator, {}))).messageKey).toBe('withdraw.error.reference');
    const paid = await transitionWithdrawal(database.db, w.id, 'pay', operator, { reference: 'VIR-2026-001' });
    expect(paid.after).toMatchObject({ status: 'paid', reference: 'VIR-2026-001' });
    await conflict('pay', { reference: 'again' });
    await conflict('reject', { reason: 'too late' });
    await conflict('approve');
    const payouts = await queryRows<{ amount_cents: number; reference: string }>(database.db, sql`select amount_cents, reference from payouts where withdraw_request_id = ${w.id}`);
    expect(payouts).toEqual([{ amount_cents: 3000, reference: 'VIR-2026-001' }]);
    const balance = await partnerBalance(database.db, partner, { fallbackEpcCents: 0 });
    expect(balance).toMatchObject({ earnedCents: 5000, paidCents: 3000, pendingCents: 0, availableCents: 2000 });

    const { withdrawal: second } = await requestWithdrawal(database.db, config, partner, paypal('20'), null);
    expect((await partnerBalance(database.db, partner, { fallbackEpcCents: 0 })).availableCents).toBe(0);
    await transitionWithdrawal(database.db, second.id, 'approve', operator);
    await transitionWithdrawal(database.db, second.id, 'reject', operator, { reason: 'Compte PayPal introuvable' });
    expect((await partnerBalance(database.db, partner, { fallbackEpcCents: 0 })).availableCents).toBe(2000);
    const audit = await queryRows<{ action: string; from_state: string; to_state: string }>(database.db, sql`select action, from_state, to_state from audit_log where subject = ${`withdrawal:${w.id}`} order by id`);
    expect(audit.map((a) => `${a.from_state ?? ''}>${a.to_state}`)).toEqual(['>requested', 'requested>approved', 'approved>paid']);
  });

  it('accepts exactly one of 50 concurrent requests for the full balance', async () => {
    const partner = await addPartner(database.db, `race-${engine}@example.com`);
    await earn(database.db, partner, 5);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => requestWithdrawal(database.db, config, partner, paypal('50'), null)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => r.reason instanceof InputError && r.reason.messageKey === 'withdraw.error.amountAvailable')).toBe(true);
    expect((await partnerBalance(database.db, partner, { fallbackEpcCents: 0 })).availableCents).toBe(0);
  });
});

describe('concurrent decisions on real PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => database?.close());

  it('lets exactly one of a parallel pay and reject win, many times over', async () => {
    const partner = await addPartner(database.db, 'decide@example.com');
    await earn(database.db, partner, 20);
    for (let round = 0; round < 10; round++) {
      const { withdrawal } = await requestWithdrawal(database.db, config, partner, paypal('10'), null);
      await transitionWithdrawal(database.db, withdrawal.id, 'approve', operator);
      const outcomes = await Promise.allSettled([
        transitionWithdrawal(database.db, withdrawal.id, 'pay', operator, { reference: `R${round}` }),
        transitionWithdrawal(database.db, withdrawal.id, 'reject', operator, { reason: 'race' }),
        transitionWithdrawal(database.db, withdrawal.id, 'pay', operator, { reference: `R${round}b` }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason instanceof ConflictError)).toBe(true);
    }
    expect(await ledgerProblems(database.db)).toEqual([]);
  });

  it('puts a request in one payout file only, and pays a file once, however the calls race', async () => {
    const partner = await addPartner(database.db, 'files@example.com');
    await earn(database.db, partner, 5);
    const ids: string[] = [];
    for (const amount of ['10', '12']) {
      const { withdrawal } = await requestWithdrawal(database.db, config, partner, paypal(amount), null);
      await transitionWithdrawal(database.db, withdrawal.id, 'approve', operator);
      ids.push(withdrawal.id);
    }
    const created = await Promise.allSettled(Array.from({ length: 5 }, () => createPayoutFile(database.db, config, 'paypal', operator)));
    const files = created.filter((c) => c.status === 'fulfilled').map((c) => (c as PromiseFulfilledResult<{ messageId: string; count: number }>).value);
    expect(files).toHaveLength(1);
    expect(files[0]!.count).toBe(2);
    const paid = await Promise.allSettled(Array.from({ length: 4 }, () => markPayoutFilePaid(database.db, files[0]!.messageId, operator)));
    expect(paid.filter((p) => p.status === 'fulfilled')).toHaveLength(1);
    const payouts = [{ n: await countRows(database.db, sql`payouts where partner_id = ${partner}`) }];
    expect(payouts[0]!.n).toBe(2);
    expect(await ledgerProblems(database.db)).toEqual([]);
  });

  it('never overdraws across concurrent requests of different amounts and keys', async () => {
    const partner = await addPartner(database.db, 'mixed@example.com');
    await earn(database.db, partner, 10); // 100 €
    const amounts = Array.from({ length: 40 }, (_, i) => String(10 + (i % 7) * 5));
    const results = await Promise.allSettled(amounts.map((amount, i) => requestWithdrawal(database.db, config, partner, paypal(amount), `mixed-key-${i}`)));
    const accepted = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ withdrawal: { amountCents: number } }>).value.withdrawal.amountCents);
    expect(accepted.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
    const balance = await partnerBalance(database.db, partner, { fallbackEpcCents: 0 });
    expect(balance.availableCents).toBeGreaterThanOrEqual(0);
    expect(balance.pendingCents).toBe(accepted.reduce((a, b) => a + b, 0));
    expect(await ledgerProblems(database.db)).toEqual([]);
  });
});
