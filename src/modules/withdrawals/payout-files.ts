/**
 * Payout files for approved requests: SEPA pain.001.001.03 for bank transfers, a PayPal Payouts
 * CSV for PayPal. Creating a file puts every approved request of that method that is in no open
 * file into it, in one transaction under the requests' row locks: a request is never in two open
 * files, so the bank is never asked to pay it twice, and while its file is open it can be neither
 * rejected nor paid alone. Once the bank (or PayPal) confirms, the operator marks the whole file
 * paid — one transaction, every request one payout, the message id as reference — or cancels it,
 * which frees its requests.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Config, PayoutMethod } from '../../config.js';
import type { Db } from '../../db/client.js';
import { payoutFiles, withdrawRequests } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import type { Actor } from '../audit/actor.js';
import { decryptDetails } from './payout-details.js';
import { sepaCreditTransferXml } from './sepa-xml.js';
import { PAYABLE_STATUSES } from './withdrawal-states.js';
import { parseMethod, transitionWithdrawal, type TransitionResult, type Withdrawal } from './withdrawals.js';
import { centsToDecimalString } from '../../lib/money.js';

export type PayoutFileRecord = typeof payoutFiles.$inferSelect;

export interface PayoutFile {
  messageId: string;
  filename: string;
  contentType: string;
  body: string;
  count: number;
  totalCents: number;
}

export const MESSAGE_ID = /^PE-(SEPA|PP)-[0-9A-Z]{10,28}$/;

function newMessageId(method: PayoutMethod, now: Date): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `PE-${method === 'bank' ? 'SEPA' : 'PP'}-${stamp}${randomBytes(4).toString('hex').toUpperCase()}`;
}

function nextBusinessDay(now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** Which requests a new file of `method` takes: approved ones of that method in no open file. */
function awaitingAFile(method: PayoutMethod) {
  return and(inArray(withdrawRequests.status, [...PAYABLE_STATUSES]), eq(withdrawRequests.method, method), isNull(withdrawRequests.payoutFile));
}

export interface FileCandidates {
  method: PayoutMethod;
  count: number;
  totalCents: number;
}

/** For each payout method the settings offer, what a new file would hold now. */
export async function payoutFileCandidates(db: Db, config: Config): Promise<FileCandidates[]> {
  return Promise.all(
    config.payoutMethods.map(async (method) => {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int8`, totalCents: sql<number>`coalesce(sum(${withdrawRequests.amountCents}), 0)::int8` })
        .from(withdrawRequests)
        .where(awaitingAFile(method));
      return { method, count: row?.count ?? 0, totalCents: row?.totalCents ?? 0 };
    }),
  );
}

/**
 * Puts every approved, not-yet-exported request of `method` into a new file, and returns it. The
 * method must be one the settings offer (PAYOUT_METHODS), whoever asks.
 */
export async function createPayoutFile(db: Db, config: Config, requestedMethod: unknown, actor: Actor, now = new Date()): Promise<PayoutFile> {
  const method = parseMethod(requestedMethod, config);
  if (method === 'bank' && !config.sepaDebtor) throw new ConflictError('sepa_not_configured', 'payout.error.sepaNotConfigured');
  const { record, requests } = await db.transaction(async (tx) => {
    const requests = await tx
      .select()
      .from(withdrawRequests)
      .where(awaitingAFile(method))
      .orderBy(asc(withdrawRequests.createdAt), asc(withdrawRequests.id))
      .for('update');
    if (requests.length === 0) throw new ConflictError('nothing_to_pay', 'payout.error.nothingToPay');
    const messageId = newMessageId(method, now);
    const totalCents = requests.reduce((sum, r) => sum + r.amountCents, 0);
    const [record] = await tx.insert(payoutFiles).values({ messageId, method, requestIds: requests.map((r) => r.id), totalCents, createdBy: actor.label, createdAt: now }).returning();
    await tx.update(withdrawRequests).set({ payoutFile: messageId }).where(inArray(withdrawRequests.id, requests.map((r) => r.id)));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'payout_file_created', subject: `payout_file:${messageId}`, params: { method, count: requests.length, totalCents } });
    return { record: record!, requests };
  });
  return render(config, record, requests);
}

/** The file again, byte for byte the same transfers (for a second download). */
export async function payoutFileBody(db: Db, config: Config, messageId: string): Promise<PayoutFile> {
  const record = await getPayoutFile(db, messageId);
  // Its requests may be in a newer file by now: sending this one to the bank would pay them twice.
  if (record.cancelledAt) throw new ConflictError('file_cancelled', 'payout.error.cancelled');
  const requests = await db.select().from(withdrawRequests).where(inArray(withdrawRequests.id, record.requestIds));
  const order = new Map(record.requestIds.map((id, i) => [id, i]));
  requests.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return render(config, record, requests);
}

function render(config: Config, record: PayoutFileRecord, requests: Withdrawal[]): PayoutFile {
  let body: string;
  if (record.method === 'bank') {
    if (!config.sepaDebtor) throw new ConflictError('sepa_not_configured', 'payout.error.sepaNotConfigured');
    body = sepaCreditTransferXml({
      messageId: record.messageId,
      createdAt: record.createdAt,
      executionDate: nextBusinessDay(record.createdAt),
      debtor: config.sepaDebtor,
      transfers: requests.map((r) => {
        const details = decryptDetails(r.detailsEncrypted, config.payoutDetailsKey);
        if (details.method !== 'bank') throw new Error(`request ${r.id} has no bank details`);
        return { endToEndId: `PE-${r.id.replace(/-/g, '').slice(0, 30)}`, amountCents: r.amountCents, creditorName: details.holder, creditorIban: details.iban, remittance: `Plug and Earn - retrait ${r.id.slice(0, 8)}` };
      }),
    });
  } else {
    // PayPal Payouts bulk upload: recipient, amount, currency, reference id, note, wallet; no header.
    // Recipients were checked at request time (no leading = + - @), so no cell needs rewriting.
    body = requests
      .map((r) => {
        const details = decryptDetails(r.detailsEncrypted, config.payoutDetailsKey);
        if (details.method !== 'paypal') throw new Error(`request ${r.id} has no PayPal details`);
        return [details.email, centsToDecimalString(r.amountCents), 'EUR', r.id, 'Plug & Earn - merci !', 'PAYPAL'].join(',');
      })
      .join('\r\n') + '\r\n';
  }
  return {
    messageId: record.messageId,
    filename: `${record.messageId}.${record.method === 'bank' ? 'xml' : 'csv'}`,
    contentType: record.method === 'bank' ? 'application/xml; charset=utf-8' : 'text/csv; charset=utf-8',
    body,
    count: requests.length,
    totalCents: record.totalCents,
  };
}

export async function getPayoutFile(db: Db, messageId: string): Promise<PayoutFileRecord> {
  if (!MESSAGE_ID.test(messageId)) throw new NotFoundError('payout file');
  const [record] = await db.select().from(payoutFiles).where(eq(payoutFiles.messageId, messageId));
  if (!record) throw new NotFoundError('payout file');
  return record;
}

export async function listPayoutFiles(db: Db, limit = 20): Promise<PayoutFileRecord[]> {
  return db.select().from(payoutFiles).orderBy(desc(payoutFiles.createdAt)).limit(limit);
}

async function lockOpenFile(tx: Db, messageId: string): Promise<PayoutFileRecord> {
  if (!MESSAGE_ID.test(messageId)) throw new NotFoundError('payout file');
  const [record] = await tx.select().from(payoutFiles).where(eq(payoutFiles.messageId, messageId)).for('update');
  if (!record) throw new NotFoundError('payout file');
  if (record.paidAt) throw new ConflictError('file_already_paid', 'payout.error.alreadyPaid');
  if (record.cancelledAt) throw new ConflictError('file_cancelled', 'payout.error.cancelled');
  return record;
}

/** Every request of the file becomes one payout, in one transaction, with the message id as reference. */
export async function markPayoutFilePaid(db: Db, messageId: string, actor: Actor): Promise<TransitionResult[]> {
  return db.transaction(async (tx) => {
    const record = await lockOpenFile(tx, messageId);
    const paid: TransitionResult[] = [];
    for (const id of record.requestIds) paid.push(await transitionWithdrawal(tx, id, 'pay', actor, { reference: messageId, payoutFile: messageId }));
    await tx.update(payoutFiles).set({ paidAt: new Date() }).where(eq(payoutFiles.messageId, messageId));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'payout_file_paid', subject: `payout_file:${messageId}`, params: { count: paid.length, totalCents: record.totalCents } });
    return paid;
  });
}

/** Cancels an unpaid file (never sent, or refused by the bank): its requests are free again. */
export async function cancelPayoutFile(db: Db, messageId: string, actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    const record = await lockOpenFile(tx, messageId);
    await tx.update(withdrawRequests).set({ payoutFile: null }).where(and(eq(withdrawRequests.payoutFile, messageId), inArray(withdrawRequests.status, [...PAYABLE_STATUSES])));
    await tx.update(payoutFiles).set({ cancelledAt: new Date() }).where(eq(payoutFiles.messageId, messageId));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'payout_file_cancelled', subject: `payout_file:${messageId}`, params: { count: record.requestIds.length, totalCents: record.totalCents } });
  });
}
