import { describe, expect, it } from 'vitest';
import { allowedActions, PAYABLE_STATUSES, refusal, RESERVING_STATUSES, WITHDRAWAL_ACTIONS, WITHDRAWAL_STATUSES, type WithdrawalAction, type WithdrawalStatus } from '../../src/modules/withdrawals/withdrawal-states.js';

/** The spec's state machine, written out by hand: requested → approved → paid, requested|approved → rejected. */
const EXPECTED: Record<WithdrawalStatus, Partial<Record<WithdrawalAction, WithdrawalStatus>>> = {
  requested: { approve: 'approved', reject: 'rejected' },
  approved: { pay: 'paid', reject: 'rejected' },
  paid: {},
  rejected: {},
};

describe('the withdrawal state machine', () => {
  it('allows exactly the spec’s transitions and refuses every other, naming both states', () => {
    for (const status of WITHDRAWAL_STATUSES) {
      for (const action of WITHDRAWAL_ACTIONS) {
        const to = EXPECTED[status][action];
        const refused = refusal({ status, payoutFile: null }, action);
        if (to) expect(refused, `${status} ${action}`).toBeNull();
        else expect(refused, `${status} ${action}`).toMatchObject({ code: 'withdrawal_transition', from: status });
      }
      expect(allowedActions({ status, payoutFile: null }).sort()).toEqual(Object.keys(EXPECTED[status]).sort());
    }
  });

  it('leaves a request in an open payout file to that file: no pay or reject alone', () => {
    const inFile = { status: 'approved' as const, payoutFile: 'PE-SEPA-20261130ABCDEF12' };
    expect(refusal(inFile, 'pay')).toEqual({ code: 'withdrawal_in_file', file: inFile.payoutFile });
    expect(refusal(inFile, 'reject')).toEqual({ code: 'withdrawal_in_file', file: inFile.payoutFile });
    expect(refusal(inFile, 'pay', inFile.payoutFile)).toBeNull(); // the file itself pays it
    expect(refusal(inFile, 'pay', 'PE-SEPA-20261130OTHER000')).toMatchObject({ code: 'withdrawal_in_file' });
    expect(allowedActions(inFile)).toEqual([]);
    // A state refusal comes first: a paid request in a file is refused as paid.
    expect(refusal({ ...inFile, status: 'paid' }, 'reject')).toMatchObject({ code: 'withdrawal_transition', from: 'paid' });
  });

  it('reserves money exactly while a request can still be paid or rejected', () => {
    expect([...RESERVING_STATUSES].sort()).toEqual(WITHDRAWAL_STATUSES.filter((s) => Object.keys(EXPECTED[s]).length > 0).sort());
    expect(PAYABLE_STATUSES).toEqual(['approved']);
  });
});
