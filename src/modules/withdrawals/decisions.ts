/**
 * The operators' decisions on withdrawals, each followed by an email to the partner: the one path
 * the back-office, the JSON API and the CLI take. The mail leaves after the transaction committed;
 * a mail that cannot leave is logged and never undoes the decision.
 */
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Actor } from '../audit/actor.js';
import type { Mailer } from '../mail/mailer.js';
import { notifyPartner, type NotificationLog } from './notifications.js';
import { markPayoutFilePaid } from './payout-files.js';
import { transitionWithdrawal, type TransitionResult, type WithdrawalAction } from './withdrawals.js';

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
