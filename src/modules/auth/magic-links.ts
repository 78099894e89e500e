/**
 * Magic-link sign-in. A token is 256 random bits, valid 15 minutes, used once; only its SHA-256 is
 * stored. Consuming it is one conditional UPDATE, so concurrent uses give exactly one session.
 */
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { loginTokens } from '../../db/schema.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { writeAudit } from '../audit/audit-log.js';
import { ensureTrackedLinks } from '../campaigns/tracked-links.js';
import { ensurePartner, lockPartner, recordSignIn } from '../partners/partners.js';
import { createSession, deleteSessionByHash } from './sessions.js';

export const LOGIN_TOKEN_TTL_MS = 15 * 60 * 1000;
/** A token as we issue it: 32 bytes in base64url. Anything else is refused before any query. */
export const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Creates the partner on first use and a fresh sign-in token. Known and unknown emails run the very
 * same statements, so neither the answer nor its timing tells whether an account exists.
 */
export async function issueLoginToken(db: Db, email: string, now = new Date()): Promise<{ token: string; partnerId: string }> {
  return db.transaction(async (tx) => {
    const partnerId = await ensurePartner(tx, email);
    // A new partner gets a link for every campaign at once (a known one already has them).
    await ensureTrackedLinks(tx, { partnerId });
    const token = randomToken(32);
    await tx.insert(loginTokens).values({
      tokenHash: sha256Hex(token),
      partnerId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + LOGIN_TOKEN_TTL_MS),
    });
    return { token, partnerId };
  });
}

/** True when the token could still be used; reading it does not consume it (mail scanners open links). */
export async function isLoginTokenUsable(db: Db, token: string, now = new Date()): Promise<boolean> {
  if (!TOKEN_FORMAT.test(token)) return false;
  const rows = await db
    .select({ hash: loginTokens.tokenHash })
    .from(loginTokens)
    .where(and(eq(loginTokens.tokenHash, sha256Hex(token)), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, now)))
    .limit(1);
  return rows.length === 1;
}

export type SignInResult =
  | { kind: 'signed_in'; sessionId: string; expiresAt: Date; partnerId: string; email: string; role: 'partner' | 'admin' }
  | { kind: 'invalid' }
  | { kind: 'suspended'; reason: string | null };

/**
 * Consumes the token and opens a new session in one transaction: a new session id at every sign-in
 * (the previous session of this browser, if any, is ended), the operator role from ADMIN_EMAILS.
 */
export async function signInWithToken(
  db: Db,
  token: string,
  options: { adminEmails: ReadonlySet<string>; previousSessionHash: string | null; locale?: 'fr' | 'en' },
  now = new Date(),
): Promise<SignInResult> {
  if (!TOKEN_FORMAT.test(token)) return { kind: 'invalid' };
  return db.transaction(async (tx) => {
    const [used] = await tx
      .update(loginTokens)
      .set({ usedAt: now })
      .where(and(eq(loginTokens.tokenHash, sha256Hex(token)), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, now)))
      .returning({ partnerId: loginTokens.partnerId });
    if (!used) return { kind: 'invalid' } as const;

    const partner = await lockPartner(tx, used.partnerId, 'update');
    if (!partner) return { kind: 'invalid' } as const;
    if (partner.status === 'suspended') {
      await writeAudit(tx, { actorId: partner.id, actorLabel: partner.email, action: 'sign_in_refused', subject: `partner:${partner.id}`, params: { reason: 'suspended' } });
      return { kind: 'suspended', reason: partner.statusReason } as const;
    }
    const role = options.adminEmails.has(partner.email) ? 'admin' : 'partner';
    await recordSignIn(tx, partner.id, { role, at: now, ...(options.locale ? { locale: options.locale } : {}) });
    if (role !== partner.role) {
      await writeAudit(tx, {
        actorId: null,
        actorLabel: 'system (ADMIN_EMAILS)',
        action: 'role_changed',
        subject: `partner:${partner.id}`,
        fromState: partner.role,
        toState: role,
      });
    }
    if (options.previousSessionHash) await deleteSessionByHash(tx, options.previousSessionHash);
    const session = await createSession(tx, partner.id, now);
    await writeAudit(tx, { actorId: partner.id, actorLabel: partner.email, action: 'sign_in', subject: `partner:${partner.id}` });
    return { kind: 'signed_in', sessionId: session.id, expiresAt: session.expiresAt, partnerId: partner.id, email: partner.email, role } as const;
  });
}

/** Forgets tokens that can no longer be used (expired or used more than a day ago). */
export async function deleteStaleLoginTokens(db: Db, now = new Date()): Promise<void> {
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  await db.delete(loginTokens).where(or(lt(loginTokens.expiresAt, dayAgo), lt(loginTokens.usedAt, dayAgo)));
}
