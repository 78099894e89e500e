/**
 * Server-side sessions (seed defect 1: identity was a plain `partner_id` cookie anyone could set).
 * The cookie holds 256 random bits; the database holds only their SHA-256, so a leaked table opens
 * no session.
 */
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { partners, sessions } from '../../db/schema.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface SignedInPartner {
  partnerId: string;
  email: string;
  role: 'partner' | 'admin';
  status: 'active' | 'suspended';
  sessionIdHash: string;
}

export async function createSession(db: Db, partnerId: string, now = new Date()): Promise<{ id: string; expiresAt: Date }> {
  const id = randomToken(32);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.insert(sessions).values({ idHash: sha256Hex(id), partnerId, createdAt: now, expiresAt });
  return { id, expiresAt };
}

/** The live session's partner; a suspended partner's sessions open nothing. */
export async function findSession(db: Db, id: string, now = new Date()): Promise<SignedInPartner | null> {
  const rows = await db
    .select({
      partnerId: partners.id,
      email: partners.email,
      role: partners.role,
      status: partners.status,
      sessionIdHash: sessions.idHash,
    })
    .from(sessions)
    .innerJoin(partners, eq(partners.id, sessions.partnerId))
    .where(and(eq(sessions.idHash, sha256Hex(id)), gt(sessions.expiresAt, now), eq(partners.status, 'active')))
    .limit(1);
  return rows[0] ?? null;
}

export async function deleteSessionByHash(db: Db, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}

export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}
