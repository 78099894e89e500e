/**
 * The partner's emails about publishing: posts waiting for their review (a digest, at most one a
 * day), and an account whose credential the network refused (to reconnect; nothing is retried).
 */
import type { Config, Locale } from '../../config.js';
import { translator } from '../../i18n/index.js';
import type { MailMessage } from '../mail/mailer.js';
import { paragraphMail } from '../mail/paragraph-mail.js';
import type { PartnerContact } from '../partners/partners.js';
import { formatInZone } from './autopilot/autopilot-views.js';

const localeOf = (config: Config, contact: PartnerContact): Locale => contact.locale ?? config.defaultLocale;

export function postsDigestMail(config: Config, contact: PartnerContact, waiting: number): MailMessage {
  const locale = localeOf(config, contact);
  const t = translator(locale);
  return paragraphMail(locale, contact.email, t('mail.postsDigest.subject', { n: waiting }), [
    t('mail.postsDigest.body', { n: waiting }),
    t('mail.postsDigest.how'),
    { link: new URL('/partner/posts', config.baseUrl).href, label: t('posts.title') },
  ]);
}

export function reconnectMail(config: Config, contact: PartnerContact, account: { network: string; label: string }): MailMessage {
  const locale = localeOf(config, contact);
  const t = translator(locale);
  return paragraphMail(locale, contact.email, t('mail.reconnect.subject', { label: account.label }), [
    t('mail.reconnect.body', { label: account.label }),
    t('mail.reconnect.next'),
    { link: new URL('/partner/portal#accounts', config.baseUrl).href, label: t('accounts.title') },
  ]);
}

export function accountPausedMail(config: Config, contact: PartnerContact, account: { network: string; label: string }): MailMessage {
  const locale = localeOf(config, contact);
  const t = translator(locale);
  return paragraphMail(locale, contact.email, t('mail.accountPaused.subject', { label: account.label }), [
    t('mail.accountPaused.body', { label: account.label }),
    t('mail.accountPaused.next'),
    { link: new URL('/partner/portal#accounts', config.baseUrl).href, label: t('accounts.title') },
  ]);
}

/**
 * What the autopilot will publish and when (in each account's time zone), sent when it is
 * scheduled, at least the veto window ahead: the partner can still cancel, edit or move each.
 */
export function scheduledNoticeMail(config: Config, contact: PartnerContact, scheduled: Array<{ scheduledAt: Date; text: string; label: string; network: string; timeZone: string }>): MailMessage {
  const locale = localeOf(config, contact);
  const t = translator(locale);
  const excerpt = (text: string) => {
    const flat = text.replace(/\s+/g, ' ').trim();
    return [...flat].length > 140 ? `${[...flat].slice(0, 139).join('')}…` : flat;
  };
  return paragraphMail(locale, contact.email, t('mail.scheduled.subject', { n: scheduled.length }), [
    t('mail.scheduled.body', { n: scheduled.length }),
    ...scheduled.map((item) => t('mail.scheduled.item', { when: formatInZone(item.scheduledAt, locale, item.timeZone), label: item.label, text: excerpt(item.text) })),
    t('mail.scheduled.veto'),
    { link: new URL('/partner/posts#scheduled-title', config.baseUrl).href, label: t('posts.title') },
  ]);
}
