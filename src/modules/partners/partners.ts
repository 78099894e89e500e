/** Partners as operators see them (list, search, suspend, reinstate) and the pseudonym they pick. */
import { and, asc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { partners, sessions } from '../../db/schema.js';
import { InputError, NotFoundError } from '../../lib/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import type { Actor } from '../campaigns/campaigns.js';
import { invalidateRankings } from '../earnings/leaderboard.js';

export type Partner = typeof partners.$inferSelect;

const PSEUDONYM = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{1,39}$/u;

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

export async function getPartner(db: Db, id: string): Promise<Partner> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError('partner');
  const [partner] = await db.select().from(partners).where(eq(partners.id, id));
  if (!partner) throw new NotFoundError('partner');
  return partner;
}

/** Suspends (their sessions end at once, their clicks stop earning) or reinstates a partner. */
export async function setPartnerStatus(db: Db, id: string, status: 'active' | 'suspended', actor: Actor, reason?: string): Promise<Partner> {
  await getPartner(db, id);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(partners).where(eq(partners.id, id)).for('update');
    if (!before) throw new NotFoundError('partner');
    if (before.status === status) return before;
    const [after] = await tx.update(partners).set({ status }).where(eq(partners.id, id)).returning();
    if (status === 'suspended') await tx.delete(sessions).where(eq(sessions.partnerId, id));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'partner_status', subject: `partner:${id}`, fromState: before.status, toState: status, detail: reason?.slice(0, 500) ?? null });
    return after!;
  }).finally(() => invalidateRankings(db));
}

/** Sets the public pseudonym shown on the leaderboard; empty clears it (the masked email shows). */
export async function setPseudonym(db: Db, partnerId: string, input: unknown): Promise<string | null> {
  const text = typeof input === 'string' ? input.trim().replace(/\s+/g, ' ') : '';
  if (text === '') {
    await db.update(partners).set({ pseudonym: null }).where(eq(partners.id, partnerId));
    invalidateRankings(db);
    return null;
  }
  if (!PSEUDONYM.test(text)) throw new InputError('pseudonym', 'portal.pseudonym.error.format');
  const [taken] = await db
    .select({ id: partners.id })
    .from(partners)
    .where(and(sql`lower(${partners.pseudonym}) = lower(${text})`, sql`${partners.id} <> ${partnerId}`));
  if (taken) throw new InputError('pseudonym', 'portal.pseudonym.error.taken');
  try {
    await db.update(partners).set({ pseudonym: text }).where(eq(partners.id, partnerId));
    invalidateRankings(db);
  } catch (error) {
    // Two partners choosing the same name at once: the unique index decides.
    if (String((error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code) === '23505') {
      throw new InputError('pseudonym', 'portal.pseudonym.error.taken');
    }
    throw error;
  }
  return text;
}
