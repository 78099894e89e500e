/** The page that asks an operator to confirm a payout file is paid: which file, how many requests, how much. */
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { formatCents } from '../../lib/money.js';
import { confirmationPage } from '../admin/confirmation.js';
import { getPayoutFile } from './payout-files.js';

/** Null when the file is no longer open (paid or cancelled): the service then says why it refuses. */
export async function payoutFilePayConfirmation(request: FastifyRequest, db: Db, messageId: string): Promise<string | null> {
  const { t, locale } = request;
  const file = await getPayoutFile(db, messageId);
  if (file.paidAt || file.cancelledAt) return null;
  return confirmationPage(request, {
    title: t('confirm.filePay.title', { file: file.messageId }),
    effects: [
      t('confirm.filePay.summary', { kind: file.method === 'bank' ? t('payout.sepa') : t('payout.paypal'), count: file.requestIds.length, total: formatCents(file.totalCents, locale) }),
      t('confirm.filePay.effect', { file: file.messageId }),
      t('confirm.filePay.final'),
    ],
    action: `/admin/payout-files/${file.messageId}/pay`,
    fields: {},
    confirmLabel: t('confirm.filePay.button'),
    back: '/admin/withdrawals?status=approved',
  });
}
