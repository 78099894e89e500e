/**
 * Server-side sessions (the original design kept identity in a plain `partner_id` cookie that anyone could set).
 * The cookie holds 256 random bits; the database holds only their SHA-256, so a leaked table opens
 * no session.
 */
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { sessions } from '../../db/schema.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { NotFoundError } from '../../lib/errors.js';
import { getPartner } from '../partners/partners.js';

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
  const sessionIdHash = sha256Hex(id);
  const [session] = await db
    .select({ partnerId: sessions.partnerId })
    .from(sessions)
    .where(and(eq(sessions.idHash, sessionIdHash), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!session) return null;
  // Only an absent partner opens nothing; a database failure is an error, not a signed-out visitor.
  const partner = await getPartner(db, session.partnerId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
  if (!partner || partner.status !== 'active') return null;
  return { partnerId: partner.id, email: partner.email, role: partner.role, status: partner.status, sessionIdHash };
}

/** Ends every session of a partner (a suspension). */
export async function endSessionsOf(db: Db, partnerId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.partnerId, partnerId));
}

export async function deleteSessionByHash(db: Db, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}

export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}
