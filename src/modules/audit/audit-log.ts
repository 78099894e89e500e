/** The audit trail: who did what, when, from which state to which, and why. */
import { and, count, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';

export type AuditRecord = typeof auditLog.$inferSelect;

/**
 * What an entry's sentence needs, stored as data so the log reads in the operator's language:
 * amounts in cents, counts, names, reasons as typed. Never a sentence.
 */
export type AuditParams = Record<string, string | number | boolean | string[] | null>;

export interface AuditEntry {
  actorId: string | null;
  actorLabel: string;
  action: string;
  subject?: string | null;
  fromState?: string | null;
  toState?: string | null;
  params?: AuditParams | null;
  /** Text as it is shown, in no language: only for what has no params (prefer params). */
  detail?: string | null;
  /** The partner the entry concerns; by default the subject's when it is `partner:<id>`. */
  partnerId?: string | null;
}

const PARTNER_SUBJECT = /^partner:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** Pass the transaction handle of the change being audited, so both commit or neither does. */
export async function writeAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorId: entry.actorId,
    actorLabel: entry.actorLabel,
    action: entry.action,
    subject: entry.subject ?? null,
    fromState: entry.fromState ?? null,
    toState: entry.toState ?? null,
    params: entry.params ?? null,
    detail: entry.detail ?? null,
    partnerId: entry.partnerId ?? PARTNER_SUBJECT.exec(entry.subject ?? '')?.[1] ?? null,
  });
}

/**
 * The kinds of action an operator filters the log by, each the action codes it groups. An action
 * in no kind (a newer version's) still shows under « every kind ».
 */
export const AUDIT_KINDS = {
  campaigns: ['campaign_created', 'campaign_updated', 'campaign_status', 'template_created', 'template_texts_added', 'template_withdrawn', 'template_image_set', 'template_image_removed', 'campaign_publishing_paused', 'campaign_publishing_resumed', 'conversion_secret_created'],
  partners: ['partner_status', 'role_changed', 'pseudonym_cleared', 'partner_publishing_paused', 'partner_publishing_resumed', 'adjustment_added'],
  signIns: ['sign_in', 'sign_in_refused'],
  withdrawals: ['withdrawal_requested', 'withdrawal_approved', 'withdrawal_rejected', 'withdrawal_paid', 'payout_method_change_requested', 'payout_method_confirmed'],
  payoutFiles: ['payout_file_created', 'payout_file_paid', 'payout_file_cancelled'],
  accounts: ['account_connected', 'account_reconnected', 'account_removed'],
  system: ['demo_data_loaded'],
} as const satisfies Record<string, readonly string[]>;

export type AuditKind = keyof typeof AUDIT_KINDS;
export const AUDIT_KIND_NAMES = Object.keys(AUDIT_KINDS) as AuditKind[];
export type AuditAction = (typeof AUDIT_KINDS)[AuditKind][number];
export const AUDIT_ACTIONS = Object.values(AUDIT_KINDS).flat() as AuditAction[];

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
  kind?: AuditKind | null;
  partnerId?: string | null;
}

export interface AuditPage {
  entries: AuditRecord[];
  /** Entries matching the filter, over every page. */
  total: number;
  page: number;
  pageCount: number;
}

/** One page of entries, newest first, of the kind and partner asked for. */
export async function listAuditEntries(db: Db, filter: AuditFilter = {}, page = 1, pageSize = AUDIT_PAGE_SIZE): Promise<AuditPage> {
  const conditions: SQL[] = [];
  if (filter.kind) conditions.push(inArray(auditLog.action, [...AUDIT_KINDS[filter.kind]]));
  if (filter.partnerId) conditions.push(eq(auditLog.partnerId, filter.partnerId));
  const where = conditions.length ? and(...conditions) : undefined;
  const [counted] = await db.select({ total: count() }).from(auditLog).where(where);
  const total = counted?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const shown = Math.min(Math.max(1, Math.floor(page)), pageCount);
  const entries = await db
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(pageSize)
    .offset((shown - 1) * pageSize);
  return { entries, total, page: shown, pageCount };
}
