/** Partners as operators see them (list, search, suspend, reinstate) and the pseudonym they pick. */
import { and, asc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pgArray } from '../../db/pg-array.js';
import { partners, pseudonymKeys } from '../../db/schema.js';
import { normaliseEmail } from '../../lib/email.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUniqueViolation } from '../../db/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import { endSessionsOf } from '../auth/sessions.js';
import type { Actor } from '../audit/actor.js';
import { invalidateRankings } from '../earnings/leaderboard.js';
import { backfillPseudonymKeys, checkedPseudonym, insertPseudonymKeys, normalisePseudonym } from './pseudonym.js';
import { isUuid } from '../../lib/ids.js';

export type Partner = typeof partners.$inferSelect;
export type PartnerStatus = Partner['status'];

export async function listPartners(db: Db, options: { search?: string; limit?: number } = {}): Promise<Partner[]> {
  const search = options.search?.trim();
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return db
    .select()
    .from(partners)
    .where(pattern ? or(ilike(partners.email, pattern), ilike(partners.pseudonym, pattern)) : undefined)
    .orderBy(asc(partners.createdAt), asc(partners.id))
    .limit(options.limit ?? 200);
}

/** The partner of an email, created on first use (sign-in): known and new emails run the same statement. */
export async function ensurePartner(db: Db, email: string): Promise<string> {
  const [partner] = await db
    .insert(partners)
    .values({ email })
    .onConflictDoUpdate({ target: partners.email, set: { email: sql`excluded.email` } })
    .returning({ id: partners.id });
  return partner!.id;
}

/** New partners with the given emails (demo data): their ids in the same order. */
export async function createPartners(db: Db, rows: Array<{ email: string; isDemo?: boolean; createdAt?: Date }>): Promise<string[]> {
  const created = await db.insert(partners).values(rows).returning({ id: partners.id, email: partners.email });
  const ids = new Map(created.map((row) => [row.email, row.id]));
  return rows.map((row) => ids.get(row.email)!);
}

/**
 * The partner's row, locked until the transaction ends: `update` to change it, `no key update` to
 * serialise a partner's own actions (withdrawal requests) without blocking rows that refer to it.
 */
export async function lockPartner(db: Db, id: string, strength: 'update' | 'no key update'): Promise<Partner | null> {
  const [partner] = await db.select().from(partners).where(eq(partners.id, id)).for(strength);
  return partner ?? null;
}

/** What a sign-in changes on the partner: the role from ADMIN_EMAILS, the time, the language. */
export async function recordSignIn(db: Db, id: string, change: { role: Partner['role']; at: Date; locale?: 'fr' | 'en' }): Promise<void> {
  await db.update(partners).set({ role: change.role, lastLoginAt: change.at, ...(change.locale ? { locale: change.locale } : {}) }).where(eq(partners.id, id));
}

export interface PartnerContact {
  email: string;
  locale: 'fr' | 'en' | null;
}

/** Email and language of partners, by id (whom to write to, in which language). */
export async function partnerContacts(db: Db, ids: string[]): Promise<Map<string, PartnerContact>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: partners.id, email: partners.email, locale: partners.locale }).from(partners).where(inArray(partners.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, { email: row.email, locale: row.locale }]));
}

/** A partner by id, or by email (as typed: trimmed, any case). */
export async function findPartner(db: Db, idOrEmail: string): Promise<Partner> {
  if (!idOrEmail.includes('@')) return getPartner(db, idOrEmail);
  const email = normaliseEmail(idOrEmail);
  if (!email) throw new NotFoundError('partner');
  const [partner] = await db.select().from(partners).where(eq(partners.email, email));
  if (!partner) throw new NotFoundError('partner');
  return partner;
}

export async function getPartner(db: Db, id: string): Promise<Partner> {
  if (!isUuid(id)) throw new NotFoundError('partner');
  const [partner] = await db.select().from(partners).where(eq(partners.id, id));
  if (!partner) throw new NotFoundError('partner');
  return partner;
}

/** The longest reason for a suspension (it is emailed to the partner and shown at sign-in). */
export const STATUS_REASON_MAX = 500;

export interface StatusChange {
  before: Partner;
  after: Partner;
}

/** The status asked for and its reason, or the refusal (a suspension without a reason). */
export function checkStatusRequest(requested: unknown, reasonInput: unknown): { status: PartnerStatus; reason: string } {
  if (requested !== 'active' && requested !== 'suspended') throw new InputError('status', 'campaign.error.status');
  const reason = typeof reasonInput === 'string' ? reasonInput.trim() : '';
  if (requested === 'suspended' && reason === '') throw new InputError('reason', 'admin.partner.error.reasonMissing');
  if (reason.length > STATUS_REASON_MAX) throw new InputError('reason', 'admin.partner.error.reasonTooLong', { max: STATUS_REASON_MAX });
  return { status: requested, reason };
}

/**
 * Suspends (their sessions end at once, their clicks stop earning) or reinstates a partner. A
 * suspension needs a reason, which the partner is told; reinstating may give one. Asking for the
 * status the partner already has changes nothing.
 */
export async function changePartnerStatus(db: Db, id: string, requested: string, actor: Actor, reasonInput?: unknown): Promise<StatusChange> {
  const { status, reason } = checkStatusRequest(requested, reasonInput);
  await getPartner(db, id);
  return db.transaction(async (tx) => {
    const before = await lockPartner(tx, id, 'update');
    if (!before) throw new NotFoundError('partner');
    if (before.status === status) return { before, after: before };
    const [after] = await tx.update(partners).set({ status, statusReason: status === 'suspended' ? reason : null }).where(eq(partners.id, id)).returning();
    if (status === 'suspended') await endSessionsOf(tx, id);
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'partner_status', subject: `partner:${id}`, fromState: before.status, toState: status, params: { email: before.email, reason: reason || null } });
    return { before, after: after! };
  }).finally(() => invalidateRankings(db));
}

/** changePartnerStatus, for callers that need only the partner as it is now. */
export async function setPartnerStatus(db: Db, id: string, requested: string, actor: Actor, reason?: unknown): Promise<Partner> {
  return (await changePartnerStatus(db, id, requested, actor, reason)).after;
}

/**
 * Stops (`paused`) or resumes all publishing of a partner: sets or clears `publishing_paused_at`,
 * which the publishing worker reads before anything goes out. Pausing a paused partner, or resuming
 * one who is not, is a conflict and changes nothing. Pass the transaction that audits it
 * (publishing/publishing-pauses.ts); the row is locked until it ends.
 */
export async function setPartnerPublishingPause(db: Db, id: string, paused: boolean): Promise<{ before: Partner; after: Partner }> {
  if (!isUuid(id)) throw new NotFoundError('partner');
  const before = await lockPartner(db, id, 'update');
  if (!before) throw new NotFoundError('partner');
  if (paused && before.publishingPausedAt) throw new ConflictError('publishing_paused', 'opAuto.error.partnerPaused');
  if (!paused && !before.publishingPausedAt) throw new ConflictError('publishing_not_paused', 'opAuto.error.partnerNotPaused');
  const [after] = await db.update(partners).set({ publishingPausedAt: paused ? sql`now()` : null }).where(eq(partners.id, id)).returning();
  return { before, after: after! };
}

/**
 * Sets the public pseudonym shown on the leaderboard; empty clears it (the masked email shows).
 * Refused when it breaks the rules, or is another partner's name to the eye (pseudonym.ts): the
 * same text in other case, or a look-alike.
 */
export async function setPseudonym(db: Db, partnerId: string, input: unknown): Promise<string | null> {
  const text = normalisePseudonym(input);
  if (text === '') {
    // The trigger of migration 0014 deletes the keys with the name.
    await db.update(partners).set({ pseudonym: null }).where(eq(partners.id, partnerId));
    invalidateRankings(db);
    return null;
  }
  const { pseudonym, keys } = checkedPseudonym(text);
  // Names an older version of the app set have no keys yet: keyed first, so they are compared too.
  await backfillPseudonymKeys(db);
  const [holder] = await db
    .select({ pseudonym: pseudonymKeys.pseudonym })
    .from(pseudonymKeys)
    .where(and(sql`${pseudonymKeys.key} = any(${pgArray(keys)}::text[])`, sql`${pseudonymKeys.partnerId} <> ${partnerId}`));
  if (holder) throw pseudonymTaken(holder.pseudonym, text);
  try {
    await db.transaction(async (tx) => {
      await tx.update(partners).set({ pseudonym }).where(eq(partners.id, partnerId));
      await tx.delete(pseudonymKeys).where(eq(pseudonymKeys.partnerId, partnerId));
      await insertPseudonymKeys(tx, partnerId, pseudonym, keys);
    });
  } catch (error) {
    // Two partners choosing look-alike names at once: the keys' primary key decides.
    if (isUniqueViolation(error)) throw new InputError('pseudonym', 'portal.pseudonym.error.taken');
    throw error;
  }
  invalidateRankings(db);
  return text;
}

function pseudonymTaken(existing: string, wanted: string): InputError {
  const sameText = existing.toLowerCase() === wanted.toLowerCase();
  return new InputError('pseudonym', sameText ? 'portal.pseudonym.error.taken' : 'portal.pseudonym.error.lookalike');
}
