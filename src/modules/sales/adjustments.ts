/**
 * An operator's manual adjustments to a partner's earnings: an amount in euros, positive to add,
 * negative to take back (never zero, at most 1 000 000 € either way), and the reason the partner
 * reads on their earnings page. Written with its audit entry in one transaction; the balance
 * (earnings/balance.ts) adds every adjustment to what is earned.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { adjustments } from '../../db/schema.js';
import { InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { parseEurosToCents } from '../../lib/money.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';

export type Adjustment = typeof adjustments.$inferSelect;

/** The largest adjustment either way: 1 000 000 € (the database holds the same bound). */
export const MAX_ADJUSTMENT_CENTS = 100_000_000;
export const ADJUSTMENT_REASON_MAX = 500;

export interface AdjustmentInput {
  /** Euros as typed: « 12,50 », « -12.50 », « +3 » (a leading sign, two decimals at most). */
  amount?: unknown;
  reason?: unknown;
  /** The confirmation's one-use key (a UUID): the same key twice records one adjustment. */
  requestKey?: unknown;
}

/** Signed cents from euros as an operator types them; anything else names the field `amount`. */
export function parseAdjustmentAmount(value: unknown): number {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  // A minus as typed or pasted (« − », « – »), then the plain decimal amount.
  const match = /^([-+−–]?)\s*(.*)$/.exec(text)!;
  const parsed = parseEurosToCents(match[2]!);
  if (!parsed.ok || parsed.cents === 0 || parsed.cents > MAX_ADJUSTMENT_CENTS) throw new InputError('amount', 'adjustment.error.amount');
  return match[1] === '' || match[1] === '+' ? parsed.cents : -parsed.cents;
}

export function cleanAdjustmentReason(value: unknown): string {
  const reason = typeof value === 'string' ? value.trim() : '';
  // Characters as PostgreSQL counts them (code points), like the table's check.
  if (reason.length < 1 || [...reason].length > ADJUSTMENT_REASON_MAX) throw new InputError('reason', 'adjustment.error.reason');
  return reason;
}

/** Checks an adjustment as `addAdjustment` would, writing nothing (the confirmation page shows it). */
export function checkAdjustment(input: AdjustmentInput): { amountCents: number; reason: string } {
  return { amountCents: parseAdjustmentAmount(input.amount), reason: cleanAdjustmentReason(input.reason) };
}

/** Adds an adjustment to the partner's earnings, audited; every bad value refused with nothing written. */
export async function addAdjustment(db: Db, partnerId: string, input: AdjustmentInput, actor: Actor): Promise<Adjustment> {
  const { amountCents, reason } = checkAdjustment(input);
  if (!isUuid(partnerId)) throw new NotFoundError('partner');
  return db.transaction(async (tx) => {
    const [partner] = await queryRows<{ id: string }>(tx, sql`select id from partners where id = ${partnerId}`);
    if (!partner) throw new NotFoundError('partner');
    const requestKey = typeof input.requestKey === 'string' && isUuid(input.requestKey) ? input.requestKey : null;
    const [row] = await tx.insert(adjustments).values({ partnerId, amountCents, kind: 'manual', reason, requestKey, createdBy: actor.id }).onConflictDoNothing({ target: adjustments.requestKey }).returning();
    if (!row) {
      // Submitted again (a double click on « Confirmer »): the first one stands, nothing more.
      const [first] = await tx.select().from(adjustments).where(sql`${adjustments.requestKey} = ${requestKey}`);
      return first!;
    }
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'adjustment_added', subject: `partner:${partnerId}`, params: { amountCents, reason } });
    return row!;
  });
}
