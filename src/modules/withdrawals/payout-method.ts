/**
 * A partner's saved payout method, so a withdrawal is one tap: the amount and a button.
 *
 * Every change — the first saving included — waits for a one-time link emailed to the partner's
 * address, and only that link's confirmation makes it the method requests use. A session alone
 * must never be able to redirect payouts: with a stolen session cookie, an attacker could
 * otherwise save their own IBAN and withdraw everything to it in the next second. Confirming by
 * email costs the partner one click once; the pending change is shown on the page meanwhile.
 * Once a method is saved, requests go to it only. The form with details typed per request stays
 * for partners without a saved method: there a session alone can still choose where a request is
 * paid (the partner is emailed at once and an operator approves every request before payment);
 * requiring a confirmed method for every request would close that too.
 *
 * The link follows the sign-in link's rules: 256 random bits, only the SHA-256 stored, one use,
 * 24 hours; opening it shows a button, and only the POST confirms, so mail scanners cannot.
 */
import { and, eq, gt, isNotNull, isNull, lte, ne, or } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { payoutMethodChanges, payoutMethods } from '../../db/schema.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import { lockPartner, type PartnerContact } from '../partners/partners.js';
import { cleanPayoutDetails, encryptDetails, maskPayoutDetails } from './payout-details.js';
import { parseMethod } from './withdrawals.js';

export const PAYOUT_METHOD_LINK_TTL_MS = 24 * 60 * 60 * 1000;
/** A token as we issue it: 32 bytes in base64url. Anything else is refused before any query. */
export const PAYOUT_METHOD_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type SavedPayoutMethod = typeof payoutMethods.$inferSelect;
export type PendingPayoutMethod = Omit<typeof payoutMethodChanges.$inferSelect, 'tokenHash' | 'detailsEncrypted'>;

export interface PayoutMethodInput {
  method?: unknown;
  details?: unknown;
  holderName?: unknown;
}

export interface ChangeRequested {
  token: string;
  pending: PendingPayoutMethod;
  partner: PartnerContact;
}

/**
 * Checks the new method with the withdrawal's own rules and holds it pending behind a fresh token.
 * An earlier pending change of the partner is dropped: its link stops working, so only the latest
 * request can be confirmed.
 */
export async function requestPayoutMethodChange(db: Db, config: Config, partnerId: string, input: PayoutMethodInput, now = new Date()): Promise<ChangeRequested> {
  const method = parseMethod(input.method, config);
  const details = cleanPayoutDetails(method, input.details, input.holderName);
  const token = randomToken(32);
  return db.transaction(async (tx) => {
    const partner = await lockPartner(tx, partnerId, 'no key update');
    if (!partner) throw new NotFoundError('partner');
    if (partner.status !== 'active') throw new ConflictError('partner_suspended', 'login.suspended');
    await tx.delete(payoutMethodChanges).where(eq(payoutMethodChanges.partnerId, partnerId));
    const [row] = await tx
      .insert(payoutMethodChanges)
      .values({
        tokenHash: sha256Hex(token),
        partnerId,
        method,
        detailsEncrypted: encryptDetails(details, config.payoutDetailsKey),
        detailsMasked: maskPayoutDetails(details),
        createdAt: now,
        expiresAt: new Date(now.getTime() + PAYOUT_METHOD_LINK_TTL_MS),
      })
      .returning();
    await writeAudit(tx, { actorId: partner.id, actorLabel: partner.email, action: 'payout_method_change_requested', subject: `partner:${partner.id}`, params: { method, details: row!.detailsMasked } });
    const { tokenHash: _hash, detailsEncrypted: _details, ...pending } = row!;
    return { token, pending, partner: { email: partner.email, locale: partner.locale } };
  });
}

/** The change a link would confirm, or null when the link is malformed, used, replaced or expired. Reading changes nothing. */
export async function pendingChangeForToken(db: Db, token: string, now = new Date()): Promise<PendingPayoutMethod | null> {
  if (!PAYOUT_METHOD_TOKEN.test(token)) return null;
  const [row] = await db
    .select()
    .from(payoutMethodChanges)
    .where(and(eq(payoutMethodChanges.tokenHash, sha256Hex(token)), isNull(payoutMethodChanges.usedAt), gt(payoutMethodChanges.expiresAt, now)));
  if (!row) return null;
  const { tokenHash: _hash, detailsEncrypted: _details, ...pending } = row;
  return pending;
}

export type ConfirmResult = { kind: 'confirmed'; saved: SavedPayoutMethod } | { kind: 'invalid' };

/**
 * Consumes the token (one conditional UPDATE, so two clicks confirm once) and makes its change the
 * saved method, in one transaction. A malformed, used, replaced or expired token changes nothing.
 */
export async function confirmPayoutMethodChange(db: Db, token: string, now = new Date()): Promise<ConfirmResult> {
  if (!PAYOUT_METHOD_TOKEN.test(token)) return { kind: 'invalid' };
  const tokenHash = sha256Hex(token);
  return db.transaction(async (tx) => {
    // The partner's lock first, as a new change request takes it before it drops older links:
    // taken in the same order, the two can wait for each other but never deadlock. It also orders
    // this change with the partner's withdrawal requests: a request reads the method either
    // before or after it, never half of it.
    const [owner] = await tx.select({ partnerId: payoutMethodChanges.partnerId }).from(payoutMethodChanges).where(eq(payoutMethodChanges.tokenHash, tokenHash));
    if (!owner) return { kind: 'invalid' } as const;
    const partner = await lockPartner(tx, owner.partnerId, 'no key update');
    // A suspended account's payouts are not redirected, whoever holds the link.
    if (!partner || partner.status !== 'active') return { kind: 'invalid' } as const;
    const [change] = await tx
      .update(payoutMethodChanges)
      .set({ usedAt: now })
      .where(and(eq(payoutMethodChanges.tokenHash, tokenHash), isNull(payoutMethodChanges.usedAt), gt(payoutMethodChanges.expiresAt, now)))
      .returning();
    if (!change) return { kind: 'invalid' } as const;
    const values = { method: change.method, detailsEncrypted: change.detailsEncrypted, detailsMasked: change.detailsMasked, confirmedAt: now };
    const [saved] = await tx
      .insert(payoutMethods)
      .values({ partnerId: change.partnerId, ...values })
      .onConflictDoUpdate({ target: payoutMethods.partnerId, set: values })
      .returning();
    // Confirmed: the partner's other rows (none, unless a race left one) have nothing left to do.
    await tx.delete(payoutMethodChanges).where(and(eq(payoutMethodChanges.partnerId, change.partnerId), ne(payoutMethodChanges.tokenHash, change.tokenHash)));
    await writeAudit(tx, { actorId: partner.id, actorLabel: partner.email, action: 'payout_method_confirmed', subject: `partner:${partner.id}`, params: { method: change.method, details: change.detailsMasked } });
    return { kind: 'confirmed', saved: saved! } as const;
  });
}

/** The partner's saved method (details still encrypted), or null. */
export async function savedPayoutMethod(db: Db, partnerId: string): Promise<SavedPayoutMethod | null> {
  const [row] = await db.select().from(payoutMethods).where(eq(payoutMethods.partnerId, partnerId));
  return row ?? null;
}

/** The partner's change still waiting for its link, or null. */
export async function pendingPayoutMethod(db: Db, partnerId: string, now = new Date()): Promise<PendingPayoutMethod | null> {
  const [row] = await db
    .select()
    .from(payoutMethodChanges)
    .where(and(eq(payoutMethodChanges.partnerId, partnerId), isNull(payoutMethodChanges.usedAt), gt(payoutMethodChanges.expiresAt, now)));
  if (!row) return null;
  const { tokenHash: _hash, detailsEncrypted: _details, ...pending } = row;
  return pending;
}

/** What the earnings page shows of the partner's method: the saved one, and a change waiting. */
export async function partnerPayoutMethod(db: Db, partnerId: string): Promise<{ saved: SavedPayoutMethod | null; pending: PendingPayoutMethod | null }> {
  const [saved, pending] = await Promise.all([savedPayoutMethod(db, partnerId), pendingPayoutMethod(db, partnerId)]);
  return { saved, pending };
}

/**
 * Housekeeping: links used or expired hold encrypted details for nothing. Only the newest is ever
 * kept per partner while it waits; once dead it goes too.
 */
export async function deleteDeadPayoutMethodChanges(db: Db, now = new Date()): Promise<void> {
  await db.delete(payoutMethodChanges).where(or(isNotNull(payoutMethodChanges.usedAt), lte(payoutMethodChanges.expiresAt, now)));
}
