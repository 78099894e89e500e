/** Tells the partner, by email, what happened to their withdrawal request. */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { html } from '../../http/html.js';
import { translator } from '../../i18n/index.js';
import { formatCents } from '../../lib/money.js';
import type { Mailer } from '../mail/mailer.js';
import type { TransitionResult } from './withdrawals.js';

export function withdrawalMail(config: Config, result: TransitionResult) {
  const locale = result.partner.locale ?? config.defaultLocale;
  const t = translator(locale);
  const { after } = result;
  const amount = formatCents(after.amountCents, locale);
  const status = t(`withdraw.status.${after.status}`);
  const lines = [
    t('mail.withdraw.hello'),
    '',
    t('mail.withdraw.body', { amount, status }),
    after.status === 'rejected' && after.reason ? t('mail.withdraw.reason', { reason: after.reason }) : '',
    after.status === 'paid' && after.reference ? t('mail.withdraw.reference', { reference: after.reference }) : '',
    '',
    new URL('/partners/earnings', config.baseUrl).href,
    '',
    '— Plug & Earn',
  ].filter((line, index, all) => line !== '' || all[index - 1] !== '');
  const body = html`<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#1a1a2e;line-height:1.5">
<p>${t('mail.withdraw.hello')}</p>
<p>${t('mail.withdraw.body', { amount, status })}</p>
${after.status === 'rejected' && after.reason ? html`<p>${t('mail.withdraw.reason', { reason: after.reason })}</p>` : ''}
${after.status === 'paid' && after.reference ? html`<p>${t('mail.withdraw.reference', { reference: after.reference })}</p>` : ''}
<p><a href="${new URL('/partners/earnings', config.baseUrl).href}">${t('nav.earnings')}</a></p>
<p>— Plug &amp; Earn</p></body></html>`;
  return { to: result.partner.email, subject: t('mail.withdraw.subject', { status }), text: lines.join('\n'), html: body.value };
}

/** Where a mail that could not leave is reported (a request's log, the CLI's stderr). */
export type NotificationLog = Pick<FastifyBaseLogger, 'error'>;

/** Sends after the transaction committed: a mail failure is logged, it never undoes the decision. */
export async function notifyPartner(mailer: Mailer, config: Config, result: TransitionResult, log: NotificationLog): Promise<void> {
  try {
    await mailer.send(withdrawalMail(config, result));
  } catch (error) {
    log.error({ err: error, withdrawal: result.after.id }, 'could not email the partner about their withdrawal');
  }
}
