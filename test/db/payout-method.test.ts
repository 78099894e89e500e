/**
 * The saved payout method and « Tout retirer »: stored encrypted and read masked, effective only
 * once its emailed link is confirmed, a used, replaced or expired link refused without change, and
 * `all` resolved to the exact available amount under the lock that reserves it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { ConflictError, InputError } from '../../src/lib/errors.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { changePartnerStatus } from '../../src/modules/partners/partners.js';
import { decryptDetails } from '../../src/modules/withdrawals/payout-details.js';
import {
  deleteDeadPayoutMethodChanges,
  confirmPayoutMethodChange,
  partnerPayoutMethod,
  pendingChangeForToken,
  PAYOUT_METHOD_LINK_TTL_MS,
  requestPayoutMethodChange,
  savedPayoutMethod,
} from '../../src/modules/withdrawals/payout-method.js';
import { requestWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addPartner, countRows, earn, ledgerProblems, refusal } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const IBAN = 'FR7630006000011234567890189';
const bank = { method: 'bank', details: 'fr76 3000 6000 0112 3456 7890 189', holderName: 'Jeanne Dupont' };
const paypal = { method: 'paypal', details: 'Jeanne.Paypal@Example.com' };

describe.each(ENGINES)('saved payout methods on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    if (database) expect(await ledgerProblems(database.db)).toEqual([]);
    await database?.close();
  });

  const tables = async (partnerId: string) =>
    JSON.stringify([
      await queryRows(database.db, sql`select * from payout_methods where partner_id = ${partnerId}`),
      await queryRows(database.db, sql`select * from payout_method_changes where partner_id = ${partnerId}`),
    ]);
  const requests = (partnerId: string) => countRows(database.db, sql`withdraw_requests where partner_id = ${partnerId}`);

  it('stores the method encrypted, reads it masked, and uses it only once the emailed link is confirmed', async () => {
    const partner = await addPartner(database.db, `saved-${engine}@example.com`);
    await earn(database.db, partner, 5); // 50 €
    const { token, pending, partner: contact } = await requestPayoutMethodChange(database.db, config, partner, bank);
    expect(contact.email).toBe(`saved-${engine}@example.com`);
    expect(pending).toMatchObject({ method: 'bank', detailsMasked: 'FR76 •••• •••• 0189', usedAt: null });
    expect(pending.expiresAt.getTime() - pending.createdAt.getTime()).toBe(PAYOUT_METHOD_LINK_TTL_MS);

    // At rest: no IBAN, no holder, no token — only the token's SHA-256.
    const stored = await tables(partner);
    for (const secret of [IBAN, '3000 6000', 'Jeanne Dupont', token]) expect(stored).not.toContain(secret);
    expect(stored).toContain(sha256Hex(token));

    // Pending is not effective: no saved method, a request without details is refused, nothing written.
    expect(await savedPayoutMethod(database.db, partner)).toBeNull();
    expect((await partnerPayoutMethod(database.db, partner)).pending).toMatchObject({ detailsMasked: 'FR76 •••• •••• 0189' });
    expect((await refusal(requestWithdrawal(database.db, config, partner, { amount: '10' }, null))).messageKey).toBe('payout.error.noSavedMethod');
    expect(await requests(partner)).toBe(0);

    // Opening the link reads it and changes nothing (mail scanners open links).
    const before = await tables(partner);
    expect(await pendingChangeForToken(database.db, token)).toMatchObject({ method: 'bank', detailsMasked: 'FR76 •••• •••• 0189' });
    expect(await tables(partner)).toBe(before);

    const confirmed = await confirmPayoutMethodChange(database.db, token);
    expect(confirmed.kind).toBe('confirmed');
    const saved = (await savedPayoutMethod(database.db, partner))!;
    expect(saved).toMatchObject({ method: 'bank', detailsMasked: 'FR76 •••• •••• 0189' });
    expect(decryptDetails(saved.detailsEncrypted, config.payoutDetailsKey)).toEqual({ method: 'bank', iban: IBAN, holder: 'Jeanne Dupont' });
    expect((await partnerPayoutMethod(database.db, partner)).pending).toBeNull();

    // One tap: the amount only; the request carries the saved details, encrypted.
    const { withdrawal } = await requestWithdrawal(database.db, config, partner, { amount: '12,50' }, null);
    expect(withdrawal).toMatchObject({ amountCents: 1250, method: 'bank', detailsMasked: 'FR76 •••• •••• 0189', status: 'requested' });
    expect(decryptDetails(withdrawal.detailsEncrypted, config.payoutDetailsKey)).toEqual({ method: 'bank', iban: IBAN, holder: 'Jeanne Dupont' });

    // Once a method is saved, details typed in a session cannot divert the money.
    const diverted = await refusal(requestWithdrawal(database.db, config, partner, { amount: '10', ...paypal }, null));
    expect(diverted).toBeInstanceOf(ConflictError);
    expect((diverted as ConflictError).code).toBe('payout_method_saved');
    expect(await requests(partner)).toBe(1);
  });

  it('checks a new method with the withdrawal’s rules, and writes nothing when it is refused', async () => {
    const partner = await addPartner(database.db, `rules-${engine}@example.com`);
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ method: 'cash', details: 'x@example.com' }, 'method', 'withdraw.error.method'],
      [{ method: 'paypal', details: 'not-an-email' }, 'details', 'withdraw.error.paypal'],
      [{ ...bank, details: 'FR7630006000011234567890188' }, 'details', 'withdraw.error.iban'],
      [{ ...bank, holderName: 'J' }, 'holderName', 'withdraw.error.holder'],
    ];
    for (const [input, field, key] of cases) {
      const error = await refusal(requestPayoutMethodChange(database.db, config, partner, input));
      expect(error.field, key).toBe(field);
      expect(error.messageKey).toBe(key);
    }
    expect(await tables(partner)).toBe('[[],[]]');
  });

  it('refuses a used, replaced, expired or malformed link, and changes nothing', async () => {
    const partner = await addPartner(database.db, `links-${engine}@example.com`);
    const first = await requestPayoutMethodChange(database.db, config, partner, paypal);
    expect((await confirmPayoutMethodChange(database.db, first.token)).kind).toBe('confirmed');
    const savedFirst = await savedPayoutMethod(database.db, partner);
    expect(savedFirst).toMatchObject({ method: 'paypal', detailsMasked: 'je…l@example.com' });

    // Used: a second confirmation is refused.
    expect(await confirmPayoutMethodChange(database.db, first.token)).toEqual({ kind: 'invalid' });
    expect(await pendingChangeForToken(database.db, first.token)).toBeNull();

    // Replaced: only the latest request's link works.
    const older = await requestPayoutMethodChange(database.db, config, partner, bank);
    const newer = await requestPayoutMethodChange(database.db, config, partner, { ...bank, holderName: 'Jeanne Martin' });
    const beforeOlder = await tables(partner);
    expect(await confirmPayoutMethodChange(database.db, older.token)).toEqual({ kind: 'invalid' });
    expect(await tables(partner)).toBe(beforeOlder);
    expect(await savedPayoutMethod(database.db, partner)).toEqual(savedFirst);

    // Expired: 24 hours after it was asked, the link is refused and nothing changes.
    const expiry = newer.pending.expiresAt;
    expect(await pendingChangeForToken(database.db, newer.token, expiry)).toBeNull();
    expect(await confirmPayoutMethodChange(database.db, newer.token, expiry)).toEqual({ kind: 'invalid' });
    expect(await confirmPayoutMethodChange(database.db, newer.token, new Date(expiry.getTime() + 3_600_000))).toEqual({ kind: 'invalid' });
    expect(await savedPayoutMethod(database.db, partner)).toEqual(savedFirst);
    const [row] = await queryRows<{ used_at: Date | null }>(database.db, sql`select used_at from payout_method_changes where token_hash = ${sha256Hex(newer.token)}`);
    expect(row!.used_at).toBeNull();

    // Malformed: refused before any query.
    for (const token of ['', 'short', `${newer.token}x`, newer.token.replace(/.$/, '=')]) expect(await confirmPayoutMethodChange(database.db, token)).toEqual({ kind: 'invalid' });

    // Still within its day, the newest link works, once.
    expect((await confirmPayoutMethodChange(database.db, newer.token, new Date(expiry.getTime() - 1000))).kind).toBe('confirmed');
    const saved = (await savedPayoutMethod(database.db, partner))!;
    expect(decryptDetails(saved.detailsEncrypted, config.payoutDetailsKey)).toEqual({ method: 'bank', iban: IBAN, holder: 'Jeanne Martin' });
    const audit = await queryRows<{ action: string }>(database.db, sql`select action from audit_log where subject = ${`partner:${partner}`} and action like 'payout_method%' order by id`);
    expect(audit.map((a) => a.action)).toEqual(['payout_method_change_requested', 'payout_method_confirmed', 'payout_method_change_requested', 'payout_method_change_requested', 'payout_method_confirmed']);
  });

  it('confirms no link of a suspended partner', async () => {
    const partner = await addPartner(database.db, `suspended-${engine}@example.com`);
    const { token } = await requestPayoutMethodChange(database.db, config, partner, bank);
    await changePartnerStatus(database.db, partner, 'suspended', { id: null, label: 'test' }, 'Fraude');
    expect(await confirmPayoutMethodChange(database.db, token)).toEqual({ kind: 'invalid' });
    expect(await savedPayoutMethod(database.db, partner)).toBeNull();
    const [row] = await queryRows<{ used_at: Date | null }>(database.db, sql`select used_at from payout_method_changes where token_hash = ${sha256Hex(token)}`);
    expect(row!.used_at).toBeNull();
    // Housekeeping forgets the link once it is dead, encrypted details with it.
    await deleteDeadPayoutMethodChanges(database.db, new Date(Date.now() + 25 * 3_600_000));
    expect(await countRows(database.db, sql`payout_method_changes where partner_id = ${partner}`)).toBe(0);
  });

  it('resolves « all » to the exact available amount, once, and replays it by its key', async () => {
    const partner = await addPartner(database.db, `all-${engine}@example.com`);
    await earn(database.db, partner, 5); // 50 €
    const { token } = await requestPayoutMethodChange(database.db, config, partner, paypal);
    await confirmPayoutMethodChange(database.db, token);
    await requestWithdrawal(database.db, config, partner, { amount: '12,34' }, null);
    const all = await requestWithdrawal(database.db, config, partner, { amount: 'all' }, 'all-key-0001');
    expect(all.withdrawal.amountCents).toBe(5000 - 1234);
    expect(await requestWithdrawal(database.db, config, partner, { amount: 'ALL' }, 'all-key-0001')).toMatchObject({ replayed: true, withdrawal: { id: all.withdrawal.id } });
    expect((await partnerBalance(database.db, partner, { fallbackEpcCents: 0 })).availableCents).toBe(0);
    // Nothing left: « all » is below the threshold, refused, nothing written.
    expect((await refusal(requestWithdrawal(database.db, config, partner, { amount: 'all' }, 'all-key-0002'))).messageKey).toBe('withdraw.error.amountMin');
    expect(await requests(partner)).toBe(2);
  });

  it('takes a request naming the saved method, and refuses another method or one no longer offered', async () => {
    const partner = await addPartner(database.db, `named-${engine}@example.com`);
    await earn(database.db, partner, 5); // 50 €
    await confirmPayoutMethodChange(database.db, (await requestPayoutMethodChange(database.db, config, partner, paypal)).token);
    const named = await requestWithdrawal(database.db, config, partner, { amount: '10', method: 'paypal' }, null);
    expect(named.withdrawal).toMatchObject({ method: 'paypal', detailsMasked: 'je…l@example.com' });
    expect((await refusal(requestWithdrawal(database.db, config, partner, { amount: '10', method: 'bank' }, null))).code).toBe('payout_method_saved');
    // The operator stopped paying by PayPal after the partner saved it.
    const bankOnly = testConfig({ PAYOUT_METHODS: 'bank' });
    const unavailable = await refusal(requestWithdrawal(database.db, bankOnly, partner, { amount: '10' }, null));
    expect(unavailable).toMatchObject({ code: 'payout_method_unavailable', status: 409 });
    expect(await requests(partner)).toBe(1);
  });

  it('resolves « all » with typed details for a partner without a saved method', async () => {
    const partner = await addPartner(database.db, `all-typed-${engine}@example.com`);
    await earn(database.db, partner, 3, '3.33'); // 9,99 €: below the threshold
    expect((await refusal(requestWithdrawal(database.db, config, partner, { amount: 'all', ...paypal }, null))).messageKey).toBe('withdraw.error.amountMin');
    await earn(database.db, partner, 1, '0.02'); // 10,01 €
    const { withdrawal } = await requestWithdrawal(database.db, config, partner, { amount: 'all', ...paypal }, null);
    expect(withdrawal).toMatchObject({ amountCents: 1001, method: 'paypal', detailsMasked: 'je…l@example.com' });
  });
});

describe('« Tout retirer » under concurrency on real PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => database?.close());

  it('gives everything to exactly one of 30 concurrent « all » requests, and never overdraws with others', async () => {
    const partner = await addPartner(database.db, 'all-race@example.com');
    await earn(database.db, partner, 10); // 100 €
    const { token } = await requestPayoutMethodChange(database.db, config, partner, bank);
    await confirmPayoutMethodChange(database.db, token);
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => requestWithdrawal(database.db, config, partner, { amount: 'all' }, `race-all-${i}`)));
    const accepted = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ withdrawal: { amountCents: number } }>).value.withdrawal.amountCents);
    expect(accepted).toEqual([10_000]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => r.reason instanceof InputError && r.reason.messageKey === 'withdraw.error.amountMin')).toBe(true);

    // « all » racing fixed amounts: whatever the order, the sum never exceeds what was earned.
    await earn(database.db, partner, 10); // 100 € more
    const mixed = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) => requestWithdrawal(database.db, config, partner, { amount: i % 3 === 0 ? 'all' : '15' }, `race-mixed-${i}`)),
    );
    const amounts = mixed.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ withdrawal: { amountCents: number } }>).value.withdrawal.amountCents);
    expect(amounts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
    const balance = await partnerBalance(database.db, partner, { fallbackEpcCents: 0 });
    expect(balance.availableCents).toBeGreaterThanOrEqual(0);
    expect(balance.pendingCents).toBe(10_000 + amounts.reduce((a, b) => a + b, 0));
    expect(await ledgerProblems(database.db)).toEqual([]);
  });

  it('confirms a link once when it is clicked many times at once', async () => {
    const partner = await addPartner(database.db, 'confirm-race@example.com');
    const { token } = await requestPayoutMethodChange(database.db, config, partner, paypal);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => confirmPayoutMethodChange(database.db, token)));
    expect(outcomes.filter((o) => o.kind === 'confirmed')).toHaveLength(1);
    const audit = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from audit_log where subject = ${`partner:${partner}`} and action = 'payout_method_confirmed'`);
    expect(audit[0]!.n).toBe(1);
  });
});
