/**
 * What partners and operators do with withdrawals, each followed by an email to the partner: the
 * one path the pages, the JSON API and the CLI take. The mail leaves after the transaction
 * committed; a mail that cannot leave is logged and never undoes what was done.
 */
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Actor } from '../audit/actor.js';
import type { Mailer } from '../mail/mailer.js';
import { DomainError } from '../../lib/errors.js';
import { notifyPartner, payoutMethodConfirmationMail, sendAfterCommit, withdrawalRequestedMail, type NotificationLog } from './notifications.js';
import { markPayoutFilePaid } from './payout-files.js';
import { requestPayoutMethodChange, type PayoutMethodInput, type PendingPayoutMethod } from './payout-method.js';
import { requestWithdrawal, transitionWithdrawal, type RequestResult, type TransitionResult, type WithdrawalAction, type WithdrawalInput } from './withdrawals.js';

export interface DecisionServices {
  db: Db;
  config: Config;
  mailer: Mailer;
  log: NotificationLog;
}

/** Approves, rejects (a reason) or pays (a reference) one request, then tells the partner. */
export async function decideWithdrawal(
  services: DecisionServices,
  id: string,
  action: WithdrawalAction,
  actor: Actor,
  input: { reason?: unknown; reference?: unknown } = {},
): Promise<TransitionResult> {
  const result = await transitionWithdrawal(services.db, id, action, actor, input);
  await notifyPartner(services.mailer, services.config, result, services.log);
  return result;
}

/** The bank or PayPal paid a file: every request in it becomes one payout, and each partner is told. */
export async function payPayoutFile(services: DecisionServices, messageId: string, actor: Actor): Promise<TransitionResult[]> {
  const paid = await markPayoutFilePaid(services.db, messageId, actor);
  for (const result of paid) await notifyPartner(services.mailer, services.config, result, services.log);
  return paid;
}

/** A partner asks for a withdrawal; a new request (not a replay) is confirmed to them by email. */
export async function askForWithdrawal(services: DecisionServices, partnerId: string, input: WithdrawalInput, idempotencyKey: string | null): Promise<RequestResult> {
  const result = await requestWithdrawal(services.db, services.config, partnerId, input, idempotencyKey);
  if (!result.replayed) await sendAfterCommit(services.mailer, withdrawalRequestedMail(services.config, result), services.log, { withdrawal: result.withdrawal.id });
  return result;
}

/**
 * A partner asks to save a new payout method: it waits, and its one-time link goes to their email.
 * Here the mail is the point: if it cannot leave, the partner is told (503) — the held change is
 * harmless, since nobody has its link, and the next request replaces it.
 */
export async function askForPayoutMethodChange(services: DecisionServices, partnerId: string, input: PayoutMethodInput): Promise<{ pending: PendingPayoutMethod; email: string }> {
  const { token, pending, partner } = await requestPayoutMethodChange(services.db, services.config, partnerId, input);
  // Built from BASE_URL only, like the sign-in link: a forged Host header never reaches an email.
  const link = new URL('/partners/payout-method/confirm', services.config.baseUrl);
  link.searchParams.set('token', token);
  try {
    await services.mailer.send(payoutMethodConfirmationMail(services.config, partner, pending, link.href));
  } catch (error) {
    services.log.error({ err: error, partner: partnerId }, 'could not email the payout method confirmation link');
    throw new DomainError('mail_failed', 503, 'payoutMethod.error.send', {}, null, 'error.500.title');
  }
  return { pending, email: partner.email };
}
