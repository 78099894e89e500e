/**
 * Withdrawal requests: a request reserves money (pending), "paid" posts it as exactly one payout,
 * "rejected" gives it back. The transitions are data, in withdrawal-states.ts. The balance check
 * and the insert happen in one transaction holding the partner's row lock,
 * so concurrent requests can never overdraw.
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Config, PayoutMethod } from '../../config.js';
import type { Db } from '../../db/client.js';
import { payouts, withdrawRequests } from '../../db/schema.js';
import { ConflictError, DomainError, InputError, NotFoundError } from '../../lib/errors.js';
import { parseEurosToCents } from '../../lib/money.js';
import { writeAudit } from '../audit/audit-log.js';
import type { Actor } from '../audit/actor.js';
import { partnerBalance } from '../earnings/balance.js';
import { lockPartner, partnerContacts, type PartnerContact } from '../partners/partners.js';
import { cleanPayoutDetails, encryptDetails, maskPayoutDetails } from './payout-details.js';
import { savedPayoutMethod } from './payout-method.js';
import { refusal, WITHDRAWAL_STATUSES, WITHDRAWAL_TRANSITIONS, type WithdrawalAction, type WithdrawalStatus } from './withdrawal-states.js';
import { isUuid } from '../../lib/ids.js';

export { WITHDRAWAL_ACTIONS, type WithdrawalAction } from './withdrawal-states.js';

export type Withdrawal = typeof withdrawRequests.$inferSelect;

export interface WithdrawalInput {
  /** Euros as typed, or `all`: everything available when the request is made. */
  amount?: unknown;
  /** Method and details, for a partner without a saved method; left out, the saved method is used. */
  method?: unknown;
  details?: unknown;
  holderName?: unknown;
}

export interface RequestResult {
  withdrawal: Withdrawal;
  /** True when this call replayed an earlier one with the same idempotency key. */
  replayed: boolean;
  /** Who to tell about it. */
  partner: PartnerContact;
}

/** The amount `all` asks for what is available, read under the partner's lock with the insert. */
export const WITHDRAW_ALL = 'all';

export const IDEMPOTENCY_KEY = /^[\w.:-]{8,100}$/;

/** Reads the amount as the partner typed it: a plain decimal, at most 2 decimals, comma allowed. */
export function parseWithdrawalAmount(input: unknown, config: Config): number {
  const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : typeof input === 'string' ? input : '';
  const parsed = parseEurosToCents(text);
  if (!parsed.ok) {
    if (parsed.reason === 'empty') throw new InputError('amount', 'withdraw.error.amountEmpty');
    if (parsed.reason === 'too_large') throw new InputError('amount', 'withdraw.error.amountTooLarge');
    throw new InputError('amount', 'withdraw.error.amountFormat');
  }
  if (parsed.cents < config.payoutMinCents) throw new InputError('amount', 'withdraw.error.amountMin');
  return parsed.cents;
}

export function parseMethod(input: unknown, config: Config): PayoutMethod {
  const method = typeof input === 'string' ? input.trim().toLowerCase() : '';
  const found = config.payoutMethods.find((m) => m === method);
  if (!found) throw new InputError('method', 'withdraw.error.method');
  return found;
}

/**
 * Creates one request in state `requested`, or returns the request an earlier call with the same
 * idempotency key created (the same key with other values is refused: 422).
 */
export async function requestWithdrawal(db: Db, config: Config, partnerId: string, input: WithdrawalInput, idempotencyKey: string | null, now = new Date()): Promise<RequestResult> {
  if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new InputError('idempotencyKey', 'withdraw.error.idempotencyKey');
  const wantsAll = typeof input.amount === 'string' && input.amount.trim().toLowerCase() === WITHDRAW_ALL;
  const askedCents = wantsAll ? null : parseWithdrawalAmount(input.amount, config);
  const blank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  // No details: the saved method (an API caller may still name it: `{"method":"paypal"}`).
  const toSavedMethod = blank(input.details) && blank(input.holderName);
  const namedMethod = blank(input.method) ? null : String(input.method);
  const typed = toSavedMethod ? null : cleanPayoutDetails(parseMethod(input.method, config), input.details, input.holderName);
  // A replay must match what was asked (`all`, the saved method), not what it resolved to then.
  const fingerprint = createHash('sha256').update(JSON.stringify([askedCents ?? WITHDRAW_ALL, typed ?? 'saved'])).digest('base64url');

  return db.transaction(async (tx) => {
    // The partner's row lock serialises this partner's requests: check and insert are one step.
    const partner = await lockPartner(tx, partnerId, 'no key update');
    if (!partner) throw new NotFoundError('partner');
    const contact: PartnerContact = { email: partner.email, locale: partner.locale };
    if (idempotencyKey !== null) {
      const [earlier] = await tx.select().from(withdrawRequests).where(and(eq(withdrawRequests.partnerId, partnerId), eq(withdrawRequests.idempotencyKey, idempotencyKey)));
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) throw new ConflictError('idempotency_mismatch', 'withdraw.error.idempotencyMismatch', {}, 422);
        return { withdrawal: earlier, replayed: true, partner: contact };
      }
    }
    if (partner.status !== 'active') throw new ConflictError('partner_suspended', 'login.suspended');
    // Once a method is saved (confirmed by email), money goes there only: details typed in a
    // session cannot divert it (payout-method.ts says why).
    const saved = await savedPayoutMethod(tx, partnerId);
    if (saved && typed) throw new ConflictError('payout_method_saved', 'payout.error.useSavedMethod');
    if (!saved && !typed) throw new InputError('details', 'payout.error.noSavedMethod');
    if (saved && namedMethod !== null && namedMethod !== saved.method) throw new ConflictError('payout_method_saved', 'payout.error.useSavedMethod');
    // A method the operator no longer pays with (PAYOUT_METHODS changed since it was saved).
    if (saved && !config.payoutMethods.includes(saved.method)) throw new ConflictError('payout_method_unavailable', 'payout.error.savedMethodUnavailable');
    const balance = await partnerBalance(tx, partnerId, { fallbackEpcCents: 0, clickHoldingDays: config.clickHoldingDays, now });
    const amountCents = askedCents ?? balance.availableCents;
    if (askedCents === null && amountCents < config.payoutMinCents) throw new InputError('amount', 'withdraw.error.amountMin');
    if (amountCents > balance.availableCents) throw new InputError('amount', 'withdraw.error.amountAvailable');
    const destination = saved
      ? { method: saved.method, detailsEncrypted: saved.detailsEncrypted, detailsMasked: saved.detailsMasked }
      : { method: typed!.method, detailsEncrypted: encryptDetails(typed!, config.payoutDetailsKey), detailsMasked: maskPayoutDetails(typed!) };
    const [withdrawal] = await tx
      .insert(withdrawRequests)
      .values({ partnerId, amountCents, ...destination, idempotencyKey, fingerprint, createdAt: now })
      .returning();
    await writeAudit(tx, { actorId: partnerId, actorLabel: partner.email, action: 'withdrawal_requested', subject: `withdrawal:${withdrawal!.id}`, toState: 'requested', partnerId, params: { amountCents, method: destination.method, details: withdrawal!.detailsMasked, savedMethod: Boolean(saved) } });
    return { withdrawal: withdrawal!, replayed: false, partner: contact };
  });
}

/** A status filter from a query or the CLI: empty or `all` is every state; anything unknown is a 400. */
export function parseStatusFilter(value: string | undefined): WithdrawalStatus | null {
  if (value === undefined || value === '' || value === 'all') return null;
  if (!(WITHDRAWAL_STATUSES as readonly string[]).includes(value)) throw new DomainError('invalid_status', 400, 'withdraw.error.status', { status: value }, 'status');
  return value as WithdrawalStatus;
}

export interface TransitionResult {
  before: Withdrawal;
  after: Withdrawal;
  partner: { email: string; locale: 'fr' | 'en' | null };
}

/**
 * One transition under the request's row lock. Paying records exactly one payout in the same
 * transaction (the payout's unique request id would refuse a second). Anything not allowed from the
 * current state is a ConflictError (409) and changes nothing.
 */
export async function transitionWithdrawal(
  db: Db,
  id: string,
  action: WithdrawalAction,
  actor: Actor,
  /** `payoutFile`: set when the file that holds the request is being marked paid; `now`: the demo's past dates. */
  options: { reason?: unknown; reference?: unknown; payoutFile?: string; now?: Date } = {},
): Promise<TransitionResult> {
  if (!isUuid(id)) throw new NotFoundError('withdrawal');
  const rule = WITHDRAWAL_TRANSITIONS[action];
  const reason = typeof options.reason === 'string' ? options.reason.trim() : '';
  const reference = typeof options.reference === 'string' ? options.reference.trim() : '';
  if (action === 'reject' && (reason.length < 1 || reason.length > 500)) throw new InputError('reason', 'withdraw.error.reason');
  if (action === 'pay' && (reference.length < 1 || reference.length > 140)) throw new InputError('reference', 'withdraw.error.reference');

  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(withdrawRequests).where(eq(withdrawRequests.id, id)).for('update');
    if (!before) throw new NotFoundError('withdrawal');
    const refused = refusal(before, action, options.payoutFile ?? null);
    if (refused?.code === 'withdrawal_transition') throw new ConflictError(refused.code, 'withdraw.error.transition', { from: refused.from, to: refused.to });
    if (refused?.code === 'withdrawal_in_file') throw new ConflictError(refused.code, 'withdraw.error.inFile', { file: refused.file });
    const now = options.now ?? new Date();
    const [after] = await tx
      .update(withdrawRequests)
      .set({
        status: rule.to,
        decidedBy: actor.label,
        ...(action === 'approve' ? { approvedAt: now } : { processedAt: now }),
        ...(action === 'reject' ? { reason } : {}),
        ...(action === 'pay' ? { reference } : {}),
      })
      .where(eq(withdrawRequests.id, id))
      .returning();
    if (action === 'pay') {
      await tx.insert(payouts).values({ withdrawRequestId: id, partnerId: before.partnerId, amountCents: before.amountCents, method: before.method, reference, paidAt: now });
    }
    await writeAudit(tx, {
      actorId: actor.id,
      actorLabel: actor.label,
      action: `withdrawal_${rule.to}`,
      subject: `withdrawal:${id}`,
      fromState: before.status,
      toState: rule.to,
      partnerId: before.partnerId,
      params: { amountCents: before.amountCents, ...(action === 'reject' ? { reason } : action === 'pay' ? { reference } : {}) },
    });
    const partner = (await partnerContacts(tx, [before.partnerId])).get(before.partnerId)!;
    return { before, after: after!, partner };
  });
}

export async function partnerWithdrawals(db: Db, partnerId: string): Promise<Withdrawal[]> {
  return db.select().from(withdrawRequests).where(eq(withdrawRequests.partnerId, partnerId)).orderBy(desc(withdrawRequests.createdAt));
}

export interface WithdrawalRow extends Withdrawal {
  partnerEmail: string;
}

export async function listWithdrawals(db: Db, status: WithdrawalStatus | null, options: { method?: PayoutMethod; limit?: number } = {}): Promise<WithdrawalRow[]> {
  const rows = await db
    .select()
    .from(withdrawRequests)
    .where(and(status ? eq(withdrawRequests.status, status) : undefined, options.method ? eq(withdrawRequests.method, options.method) : undefined))
    .orderBy(desc(withdrawRequests.createdAt))
    .limit(options.limit ?? 500);
  return withPartnerEmails(db, rows);
}

export async function getWithdrawal(db: Db, id: string): Promise<WithdrawalRow> {
  if (!isUuid(id)) throw new NotFoundError('withdrawal');
  const [row] = await db.select().from(withdrawRequests).where(eq(withdrawRequests.id, id));
  if (!row) throw new NotFoundError('withdrawal');
  return (await withPartnerEmails(db, [row]))[0]!;
}

/** Requests with their partner's email (one query for all of them). */
async function withPartnerEmails(db: Db, rows: Withdrawal[]): Promise<WithdrawalRow[]> {
  const contacts = await partnerContacts(db, rows.map((row) => row.partnerId));
  return rows.map((row) => ({ ...row, partnerEmail: contacts.get(row.partnerId)?.email ?? '' }));
}

export async function withdrawalsByIds(db: Db, ids: string[]): Promise<Withdrawal[]> {
  if (ids.length === 0) return [];
  return db.select().from(withdrawRequests).where(inArray(withdrawRequests.id, ids));
}
