/**
 * Payout files for approved requests: SEPA pain.001.001.03 for bank transfers, a PayPal Payouts
 * CSV for PayPal. A file's message id is derived from the requests it holds, so downloading the
 * same set twice gives the same file; once the bank (or PayPal) confirms, the operator marks the
 * whole file paid and every request in it becomes one payout with the message id as reference.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Config, PayoutMethod } from '../../config.js';
import type { Db } from '../../db/client.js';
import { payoutFiles } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import type { Actor } from '../campaigns/campaigns.js';
import { csvCell } from '../earnings/statement-csv.js';
import { decryptDetails } from './payout-details.js';
import { decimalAmount, sepaCreditTransferXml } from './sepa-xml.js';
import { listWithdrawals, transitionWithdrawal, type TransitionResult, type Withdrawal } from './withdrawals.js';

export interface PayoutFile {
  messageId: string;
  filename: string;
  contentType: string;
  body: string;
  count: number;
  totalCents: number;
}

function messageIdFor(method: PayoutMethod, requests: Withdrawal[]): string {
  const digest = createHash('sha256').update(requests.map((r) => r.id).sort().join(',')).digest('hex').slice(0, 20).toUpperCase();
  return `PE-${method === 'bank' ? 'SEPA' : 'PP'}-${digest}`;
}

function nextBusinessDay(now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** Builds the file of every approved request of `method`, and records it under its message id. */
export async function exportPayoutFile(db: Db, config: Config, method: PayoutMethod, actor: Actor, now = new Date()): Promise<PayoutFile> {
  if (method === 'bank' && !config.sepaDebtor) throw new ConflictError('sepa_not_configured', 'payout.error.sepaNotConfigured');
  const requests = await listWithdrawals(db, 'approved', { method, limit: 10_000 });
  if (requests.length === 0) throw new ConflictError('nothing_to_pay', 'payout.error.nothingToPay');
  const messageId = messageIdFor(method, requests);
  const totalCents = requests.reduce((sum, r) => sum + r.amountCents, 0);
  let body: string;
  if (method === 'bank') {
    body = sepaCreditTransferXml({
      messageId,
      createdAt: now,
      executionDate: nextBusinessDay(now),
      debtor: config.sepaDebtor!,
      transfers: requests.map((r) => {
        const details = decryptDetails(r.detailsEncrypted, config.payoutDetailsKey);
        if (details.method !== 'bank') throw new Error(`request ${r.id} has no bank details`);
        return { endToEndId: `PE-${r.id.replace(/-/g, '').slice(0, 30)}`, amountCents: r.amountCents, creditorName: details.holder, creditorIban: details.iban, remittance: `Plug and Earn - retrait ${r.id.slice(0, 8)}` };
      }),
    });
  } else {
    // PayPal Payouts bulk upload: recipient, amount, currency, reference id, note to recipient, wallet.
    body = requests
      .map((r) => {
        const details = decryptDetails(r.detailsEncrypted, config.payoutDetailsKey);
        if (details.method !== 'paypal') throw new Error(`request ${r.id} has no PayPal details`);
        return [csvCell(details.email), decimalAmount(r.amountCents), 'EUR', csvCell(r.id), csvCell('Plug & Earn - merci !'), 'PAYPAL'].join(',');
      })
      .join('\r\n') + '\r\n';
  }
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(payoutFiles)
      .values({ messageId, method, requestIds: requests.map((r) => r.id), totalCents, createdBy: actor.label })
      .onConflictDoNothing()
      .returning({ messageId: payoutFiles.messageId });
    if (inserted.length > 0) {
      await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'payout_file_exported', subject: `payout_file:${messageId}`, detail: `${method} · ${requests.length} request(s) · ${totalCents} cents` });
    }
  });
  return {
    messageId,
    filename: method === 'bank' ? `${messageId}.xml` : `${messageId}.csv`,
    contentType: method === 'bank' ? 'application/xml; charset=utf-8' : 'text/csv; charset=utf-8',
    body,
    count: requests.length,
    totalCents,
  };
}

export async function listPayoutFiles(db: Db) {
  return db.select().from(payoutFiles).orderBy(payoutFiles.createdAt);
}

/**
 * Marks every request of the file that is still approved as paid, with the message id as
 * reference. Requests rejected meanwhile are left alone and reported.
 */
export async function markPayoutFilePaid(db: Db, messageId: string, actor: Actor): Promise<{ paid: TransitionResult[]; skipped: string[] }> {
  const [file] = await db.select().from(payoutFiles).where(eq(payoutFiles.messageId, messageId));
  if (!file) throw new NotFoundError('payout file');
  if (file.paidAt) throw new ConflictError('file_already_paid', 'payout.error.alreadyPaid');
  const paid: TransitionResult[] = [];
  const skipped: string[] = [];
  for (const id of file.requestIds) {
    try {
      paid.push(await transitionWithdrawal(db, id, 'pay', actor, { reference: messageId, payoutFile: messageId }));
    } catch (error) {
      if (error instanceof ConflictError) skipped.push(id);
      else throw error;
    }
  }
  await db.transaction(async (tx) => {
    await tx.update(payoutFiles).set({ paidAt: new Date() }).where(eq(payoutFiles.messageId, messageId));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'payout_file_paid', subject: `payout_file:${messageId}`, detail: `${paid.length} paid, ${skipped.length} skipped` });
  });
  return { paid, skipped };
}
