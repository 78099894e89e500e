/** The audit trail: who did what, when, from which state to which, and why. */
import { desc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';

export type AuditRecord = typeof auditLog.$inferSelect;

export interface AuditEntry {
  actorId: string | null;
  actorLabel: string;
  action: string;
  subject?: string | null;
  fromState?: string | null;
  toState?: string | null;
  detail?: string | null;
}

/** Pass the transaction handle of the change being audited, so both commit or neither does. */
export async function writeAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorId: entry.actorId,
    actorLabel: entry.actorLabel,
    action: entry.action,
    subject: entry.subject ?? null,
    fromState: entry.fromState ?? null,
    toState: entry.toState ?? null,
    detail: entry.detail ?? null,
  });
}

/** The newest entries first. */
export async function listAuditEntries(db: Db, limit = 200): Promise<AuditRecord[]> {
  return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit);
}
