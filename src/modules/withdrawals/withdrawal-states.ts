/**
 * The withdrawal request's state machine, as data: the one place that says which action leads
 * where, which statuses hold money back from `available`, and which actions an operator may take
 * on a request now. The service (withdrawals.ts), the balance, the payout files, the back-office's
 * buttons and the OpenAPI enum all read it. A request is a two-phase transfer: `requested` and
 * `approved` reserve the amount, `paid` posts it (one payout), `rejected` voids it.
 */
import { WITHDRAWAL_STATUSES, type WithdrawalStatus } from '../../db/schema.js';

export { WITHDRAWAL_STATUSES, type WithdrawalStatus };

/** In the order the back-office shows their buttons. */
export const WITHDRAWAL_TRANSITIONS = {
  approve: { from: ['requested'], to: 'approved' },
  pay: { from: ['approved'], to: 'paid' },
  reject: { from: ['requested', 'approved'], to: 'rejected' },
} as const satisfies Record<string, { from: readonly WithdrawalStatus[]; to: WithdrawalStatus }>;

export type WithdrawalAction = keyof typeof WITHDRAWAL_TRANSITIONS;
export const WITHDRAWAL_ACTIONS = Object.keys(WITHDRAWAL_TRANSITIONS) as WithdrawalAction[];

/** Statuses whose amount is reserved: counted as pending, never available. */
export const RESERVING_STATUSES: readonly WithdrawalStatus[] = ['requested', 'approved'];

/** Statuses a payout file takes its requests from (those that can be paid). */
export const PAYABLE_STATUSES: readonly WithdrawalStatus[] = WITHDRAWAL_TRANSITIONS.pay.from;

/** Why an action is refused on a request now, or null when it is allowed. */
export type Refusal = { code: 'withdrawal_transition'; from: WithdrawalStatus; to: WithdrawalStatus } | { code: 'withdrawal_in_file'; file: string };

/**
 * Whether `action` may be taken on a request. While the request is in an open payout file the bank
 * may be paying it: only that file may pay it, and nobody may reject it (cancel the file first).
 */
export function refusal(request: { status: WithdrawalStatus; payoutFile: string | null }, action: WithdrawalAction, viaFile: string | null = null): Refusal | null {
  const rule = WITHDRAWAL_TRANSITIONS[action];
  if (!(rule.from as readonly WithdrawalStatus[]).includes(request.status)) return { code: 'withdrawal_transition', from: request.status, to: rule.to };
  if (request.payoutFile && request.payoutFile !== viaFile && action !== 'approve') return { code: 'withdrawal_in_file', file: request.payoutFile };
  return null;
}

/** The actions an operator may take on a request now (the back-office shows these buttons). */
export function allowedActions(request: { status: WithdrawalStatus; payoutFile: string | null }): WithdrawalAction[] {
  return WITHDRAWAL_ACTIONS.filter((action) => refusal(request, action) === null);
}
