/**
 * The partner's emails about their money: a request recorded, each decision on it, and the link
 * that confirms a new payout method. Each leaves after its transaction committed.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config, Locale } from '../../config.js';
import { translator, type Translate } from '../../i18n/index.js';
import { formatCents } from '../../lib/money.js';
import type { MailMessage, Mailer } from '../mail/mailer.js';
import { paragraphMail, type MailParagraph } from '../mail/paragraph-mail.js';
import type { PartnerContact } from '../partners/partners.js';
import type { RequestResult, TransitionResult, Withdrawal } from './withdrawals.js';

/** « PayPal · ab…c@example.com », "Bank transfer · FR76 •••• •••• 0189". */
export function maskedMethod(t: Translate, method: Withdrawal['method'], masked: string): string {
  return `${t(`payoutMethod.name.${method}`)} · ${masked}`;
}

const mail = (_config: Config, locale: Locale, to: string, subject: string, paragraphs: MailParagraph[]): MailMessage => paragraphMail(locale, to, subject, paragraphs);

const localeOf = (config: Config, partner: PartnerContact): Locale => partner.locale ?? config.defaultLocale;
const earningsLink = (config: Config) => new URL('/partners/earnings', config.baseUrl).href;

/** After an operator's decision (or a paid file): what happened, the reason or the reference. */
export function withdrawalMail(config: Config, result: TransitionResult): MailMessage {
  const locale = localeOf(config, result.partner);
  const t = translator(locale);
  const { after } = result;
  const amount = formatCents(after.amountCents, locale);
  return mail(config, locale, result.partner.email, t(`mail.withdrawDecided.subject.${after.status}`, { amount }), [
    t(`mail.withdrawDecided.body.${after.status}`, { amount }),
    ...(after.status === 'rejected' && after.reason ? [t('mail.withdraw.reason', { reason: after.reason })] : []),
    ...(after.status === 'paid' && after.reference ? [t('mail.withdraw.reference', { reference: after.reference })] : []),
    { link: earningsLink(config), label: t('nav.earnings') },
  ]);
}

/** When the partner asks: the amount, where it goes (masked), what happens next. */
export function withdrawalRequestedMail(config: Config, result: RequestResult): MailMessage {
  const locale = localeOf(config, result.partner);
  const t = translator(locale);
  const { withdrawal } = result;
  const amount = formatCents(withdrawal.amountCents, locale);
  return mail(config, locale, result.partner.email, t('mail.withdrawRequested.subject', { amount }), [
    t('mail.withdrawRequested.body', { amount, method: maskedMethod(t, withdrawal.method, withdrawal.detailsMasked) }),
    t('mail.withdrawRequested.next'),
    t('mail.withdrawRequested.notYou'),
    { link: earningsLink(config), label: t('nav.earnings') },
  ]);
}

/** The one-time link that makes a new payout method the one requests use. */
export function payoutMethodConfirmationMail(config: Config, partner: PartnerContact, change: { method: Withdrawal['method']; detailsMasked: string }, link: string): MailMessage {
  const locale = localeOf(config, partner);
  const t = translator(locale);
  return mail(config, locale, partner.email, t('mail.payoutMethod.subject'), [
    t('mail.payoutMethod.body', { method: maskedMethod(t, change.method, change.detailsMasked) }),
    { link, label: t('mail.payoutMethod.button') },
    t('mail.payoutMethod.notYou'),
  ]);
}

/** Where a mail that could not leave is reported (a request's log, the CLI's stderr). */
export type NotificationLog = Pick<FastifyBaseLogger, 'error'>;

/** Sends after the transaction committed: a mail failure is logged, it never undoes what was done. */
export async function sendAfterCommit(mailer: Mailer, message: MailMessage, log: NotificationLog, context: Record<string, unknown>): Promise<void> {
  try {
    await mailer.send(message);
  } catch (error) {
    log.error({ err: error, ...context }, 'could not email the partner about their withdrawal');
  }
}

/** Tells the partner about a decision on their request. */
export async function notifyPartner(mailer: Mailer, config: Config, result: TransitionResult, log: NotificationLog): Promise<void> {
  await sendAfterCommit(mailer, withdrawalMail(config, result), log, { withdrawal: result.after.id });
}
