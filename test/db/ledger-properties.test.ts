/**
 * Property test of the ledger: random sequences of clicks, withdrawal requests, approvals,
 * rejections and payments run against the real database and against a tiny model; after every
 * step the spec's invariants must hold and the database must agree with the model.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ConflictError, InputError } from '../../src/lib/errors.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { requestWithdrawal, transitionWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, ledgerProblems, linkCode, operator } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

type Op =
  | { kind: 'click'; rateIndex: number }
  | { kind: 'request'; cents: number }
  | { kind: 'approve' | 'reject' | 'pay'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('click' as const), rateIndex: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('request' as const), cents: fc.integer({ min: 500, max: 6000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const, 'pay' as const), pick: fc.nat() }) },
);

interface ModelRequest {
  id: string;
  cents: number;
  state: 'requested' | 'approved' | 'paid' | 'rejected';
}

const RATES = ['0.12', '7', '25'];
const config = testConfig();

describe.each(ENGINES)('ledger invariants under random operations on %s', (engine) => {
  let database: TestDatabase;
  let codes: string[] = [];
  let run = 0;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  // Its own timeout: 25 to 40 random runs of up to 40 database steps each take 10 to 30 s on an
  // idle machine, and several times that while other work holds both cores.
  it('keeps available ≥ 0, earned = available + pending + paid, paid = Σ payouts, one payout per paid request', { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FC_SEED) || Math.floor(Math.random() * 2 ** 31);
    console.log(`ledger property test on ${engine}: seed ${seed} (FC_SEED=${seed} repeats this run)`);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40, size: 'max' }), async (ops) => {
        const db = database.db;
        const partner = await addPartner(db, `prop-${engine}-${run++}@example.com`);
        codes = [];
        for (const rate of RATES) codes.push(await linkCode(db, partner, (await addCampaign(db, rate)).id));
        const model = { earned: 0, requests: [] as ModelRequest[] };
        const available = () => model.earned - model.requests.filter((r) => r.state !== 'rejected').reduce((sum, r) => sum + r.cents, 0);

        for (const step of ops) {
          if (step.kind === 'click') {
            const result = await click(db, codes[step.rateIndex]!);
            expect(result.verdict).toBe('valid');
            model.earned += result.amountCents;
          } else if (step.kind === 'request') {
            const euros = `${Math.floor(step.cents / 100)}.${String(step.cents % 100).padStart(2, '0')}`;
            const shouldAccept = step.cents >= config.payoutMinCents && step.cents <= available();
            try {
              const { withdrawal } = await requestWithdrawal(db, config, partner, { amount: euros, method: 'paypal', details: 'prop@example.com' }, null);
              expect(shouldAccept).toBe(true);
              model.requests.push({ id: withdrawal.id, cents: step.cents, state: 'requested' });
            } catch (error) {
              if (!(error instanceof InputError)) throw error;
              expect(shouldAccept).toBe(false);
            }
          } else if (model.requests.length > 0) {
            const target = model.requests[step.pick % model.requests.length]!;
            const allowed = step.kind === 'approve' ? target.state === 'requested' : step.kind === 'pay' ? target.state === 'approved' : target.state === 'requested' || target.state === 'approved';
            try {
              await transitionWithdrawal(db, target.id, step.kind, operator, { reason: 'model', reference: `REF-${target.id.slice(0, 8)}` });
              expect(allowed).toBe(true);
              target.state = step.kind === 'approve' ? 'approved' : step.kind === 'pay' ? 'paid' : 'rejected';
            } catch (error) {
              if (!(error instanceof ConflictError)) throw error;
              expect(allowed).toBe(false);
            }
          }

          const balance = await partnerBalance(db, partner, { fallbackEpcCents: 0 });
          const pending = model.requests.filter((r) => r.state === 'requested' || r.state === 'approved').reduce((s, r) => s + r.cents, 0);
          const paid = model.requests.filter((r) => r.state === 'paid').reduce((s, r) => s + r.cents, 0);
          expect(balance).toMatchObject({ earnedCents: model.earned, pendingCents: pending, paidCents: paid, availableCents: available() });
          expect(balance.availableCents).toBeGreaterThanOrEqual(0);
          expect(balance.earnedCents).toBe(balance.availableCents + balance.pendingCents + balance.paidCents);
          const [payouts] = await queryRows<{ total: number; n: number }>(db, sql`select coalesce(sum(amount_cents), 0)::int8 as total, count(*)::int8 as n from payouts where partner_id = ${partner}`);
          expect(payouts).toEqual({ total: paid, n: model.requests.filter((r) => r.state === 'paid').length });
        }
        expect(await ledgerProblems(db)).toEqual([]);
      }),
      { numRuns: engine === 'pglite' ? 40 : 25, seed },
    );
  });
});
