/**
 * Property test of revenue share's ledger: random sequences of sales, refunds (during the hold and
 * after it, partial and whole, some too large), adjustments, withdrawal requests and time passing
 * run against the real database and a small model; after every step the balance must be the
 * model's (earned = confirmed clicks + confirmed commissions + adjustments, held apart,
 * earned = available + pending + paid), no sale refunded past its amount, each sale's cancelled
 * commission exactly its refunded share, and no withdrawal accepted beyond what was available.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { InputError } from '../../src/lib/errors.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { cancelledShare, commissionFor } from '../../src/modules/sales/sale-terms.js';
import { recordRefund, recordSale, type SalesDeps } from '../../src/modules/sales/sales.js';
import { requestWithdrawal } from '../../src/modules/withdrawals/withdrawals.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, linkCode } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

const DAY = 86_400_000;
const HOLDING_DAYS = 10;
const TERMS = { commissionBp: 750, commissionFixedCents: 120 };
const config = testConfig();

type Op =
  | { kind: 'sale'; cents: number }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'adjust'; cents: number }
  | { kind: 'withdraw'; cents: number }
  | { kind: 'wait'; days: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sale' as const), cents: fc.integer({ min: 1, max: 200_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), share: fc.double({ min: 0.01, max: 1.2, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), cents: fc.integer({ min: -5_000, max: 5_000 }).filter((n) => n !== 0) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), cents: fc.integer({ min: 1_000, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 8 }) }) },
);

interface ModelSale {
  orderId: string;
  amount: number;
  commission: number;
  holdUntil: number;
  refunded: number;
  /** Cancelled during the hold. */
  reversed: number;
}

const euros = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

describe.each(ENGINES)('revenue share’s ledger under random operations on %s', (engine) => {
  let database: TestDatabase;
  let run = 0;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  it('keeps the balance the model’s, refunds within sales, commissions cancelled pro rata, no overdraw', { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FC_SEED) || Math.floor(Math.random() * 2 ** 31);
    console.log(`sales property test on ${engine}: seed ${seed} (FC_SEED=${seed} repeats this run)`);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30, size: 'max' }), async (ops) => {
        const db = database.db;
        const r = run++;
        let now = Date.now();
        const deps: SalesDeps = { parseClickId: (text) => Number(text), clock: () => new Date(now) };
        const campaign = await addCampaign(db, '0.25', `Ventes ${engine} ${r}`);
        await db.execute(sql`update campaigns set commission_bp = ${TERMS.commissionBp}, commission_fixed_cents = ${TERMS.commissionFixedCents},
                             holding_days = ${HOLDING_DAYS}, attribution_days = 365 where id = ${campaign.id}`);
        const partner = await addPartner(db, `sales-prop-${engine}-${r}@example.com`);
        const code = await linkCode(db, partner, campaign.id);
        expect((await click(db, code)).verdict).toBe('valid');
        const [{ id: clickEvent }] = (await queryRows<{ id: number }>(db, sql`select max(id)::int8 as id from metric_events where link_code = ${code}`)) as [{ id: number }];
        const clickCents = 25;
        const model = { sales: [] as ModelSale[], adjustments: 0, pending: 0 };

        for (const [index, step] of ops.entries()) {
          if (step.kind === 'sale') {
            const orderId = `O-${index}`;
            const { sale } = await recordSale(db, deps, campaign.id, 'api', { orderId, amount: euros(step.cents), currency: 'EUR', clickId: String(clickEvent) });
            const commission = commissionFor(TERMS, step.cents);
            expect(sale.commissionCents).toBe(commission);
            model.sales.push({ orderId, amount: step.cents, commission, holdUntil: now + HOLDING_DAYS * DAY, refunded: 0, reversed: 0 });
          } else if (step.kind === 'refund' && model.sales.length > 0) {
            const target = model.sales[step.pick % model.sales.length]!;
            const cents = Math.max(1, Math.round(target.amount * step.share));
            const fits = target.refunded + cents <= target.amount;
            try {
              const refund = await recordRefund(db, deps, campaign.id, { orderId: target.orderId, refundId: `R-${index}`, amount: euros(cents), currency: 'EUR' });
              expect(fits).toBe(true);
              const share = cancelledShare(target.commission, target.amount, target.refunded + cents) - cancelledShare(target.commission, target.amount, target.refunded);
              expect(refund.commissionCents).toBe(share);
              const confirmed = target.holdUntil <= now;
              expect(refund.afterConfirmation).toBe(confirmed);
              if (confirmed) model.adjustments -= share;
              else target.reversed += share;
              target.refunded += cents;
            } catch (error) {
              if (!(error instanceof InputError)) throw error;
              expect(fits).toBe(false);
            }
          } else if (step.kind === 'adjust') {
            await db.execute(sql`insert into adjustments (partner_id, amount_cents, kind, reason) values (${partner}, ${step.cents}, 'manual', 'property test')`);
            model.adjustments += step.cents;
          } else if (step.kind === 'withdraw') {
            const before = await partnerBalance(db, partner, { fallbackEpcCents: 0, now: new Date(now) });
            const shouldAccept = step.cents >= config.payoutMinCents && step.cents <= before.availableCents;
            try {
              await requestWithdrawal(db, config, partner, { amount: euros(step.cents), method: 'paypal', details: 'prop@example.com' }, null, new Date(now));
              expect(shouldAccept).toBe(true);
              model.pending += step.cents;
            } catch (error) {
              if (!(error instanceof InputError)) throw error;
              expect(shouldAccept).toBe(false);
            }
          } else if (step.kind === 'wait') {
            now += step.days * DAY;
          }

          const at = new Date(now);
          const confirmed = model.sales.filter((sale) => sale.holdUntil <= now).reduce((sum, sale) => sum + sale.commission - sale.reversed, 0);
          const held = model.sales.filter((sale) => sale.holdUntil > now).reduce((sum, sale) => sum + sale.commission - sale.reversed, 0);
          const balance = await partnerBalance(db, partner, { fallbackEpcCents: 0, now: at });
          expect(balance).toMatchObject({ clickCents, commissionCents: confirmed, heldCents: held, adjustmentCents: model.adjustments, earnedCents: clickCents + confirmed + model.adjustments });
          expect(balance.pendingCents).toBe(model.pending);
          expect(balance.earnedCents).toBe(balance.availableCents + balance.pendingCents + balance.paidCents);
          const rows = await queryRows<{ order_id: string; amount_cents: number; refunded_cents: number; reversed_cents: number; commission_cents: number; after: number }>(
            db,
            sql`select s.order_id, s.amount_cents, s.refunded_cents, s.reversed_cents, s.commission_cents,
                       coalesce((select -sum(a.amount_cents) from adjustments a join sale_refunds f on f.id = a.refund_id where f.sale_id = s.id), 0)::int8 as after
                  from sales s where s.campaign_id = ${campaign.id}`,
          );
          for (const row of rows) {
            expect(Number(row.refunded_cents)).toBeLessThanOrEqual(Number(row.amount_cents));
            // Cancelled during the hold plus taken back after: exactly the refunded share, to the cent.
            expect(Number(row.reversed_cents) + Number(row.after)).toBe(cancelledShare(Number(row.commission_cents), Number(row.amount_cents), Number(row.refunded_cents)));
          }
        }
      }),
      { numRuns: engine === 'pglite' ? 25 : 15, seed },
    );
  });
});
