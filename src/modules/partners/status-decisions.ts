/**
 * An operator suspends or reinstates a partner, and the partner is told by email (with the reason
 * of a suspension): the one path the back-office, the JSON API and the CLI take. The mail leaves
 * after the transaction committed; a mail that cannot leave is logged and never undoes the change.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { html } from '../../http/html.js';
import { translator } from '../../i18n/index.js';
import type { Actor } from '../audit/actor.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import { changePartnerStatus, type Partner, type StatusChange } from './partners.js';

export interface StatusServices {
  db: Db;
  config: Config;
  mailer: Mailer;
  /** Where a mail that could not leave is reported (a request's log, the CLI's stderr). */
  log: Pick<FastifyBaseLogger, 'error'>;
}

export async function decidePartnerStatus(services: StatusServices, id: string, status: string, actor: Actor, reason?: unknown): Promise<Partner> {
  const change = await changePartnerStatus(services.db, id, status, actor, reason);
  if (change.before.status !== change.after.status) {
    try {
      await services.mailer.send(partnerStatusMail(services.config, change));
    } catch (error) {
      services.log.error({ err: error, partner: change.after.id }, 'could not email the partner about their account status');
    }
  }
  return change.after;
}

/** The email in the partner's language: suspended (and why), or active again. */
export function partnerStatusMail(config: Config, { after }: StatusChange): MailMessage {
  const locale = after.locale ?? config.defaultLocale;
  const t = translator(locale);
  const suspended = after.status === 'suspended';
  const reason = suspended ? after.statusReason : null;
  const subject = suspended ? t('mail.partnerStatus.suspended.subject') : t('mail.partnerStatus.reinstated.subject');
  const body = suspended ? t('mail.partnerStatus.suspended.body') : t('mail.partnerStatus.reinstated.body');
  const reasonLine = reason ? t('mail.partnerStatus.reason', { reason }) : '';
  const next = suspended ? t('mail.partnerStatus.suspended.contact') : new URL('/partner/portal', config.baseUrl).href;
  const text = [t('mail.withdraw.hello'), '', body, reasonLine, '', next, '', '— Plug & Earn']
    .filter((line, index, all) => line !== '' || all[index - 1] !== '')
    .join('\n');
  const page = html`<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#1a1a2e;line-height:1.5">
<p>${t('mail.withdraw.hello')}</p>
<p>${body}</p>
${reasonLine ? html`<p>${reasonLine}</p>` : ''}
<p>${suspended ? next : html`<a href="${next}">${t('nav.portal')}</a>`}</p>
<p>— Plug &amp; Earn</p></body></html>`;
  return { to: after.email, subject, text, html: page.value };
}
