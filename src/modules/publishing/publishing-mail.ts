/**
 * The partner's emails about publishing: posts waiting for their review (a digest, at most one a
 * day), and an account whose credential the network refused (to reconnect; nothing is retried).
 */
import type { Config, Locale } from '../../config.js';
import { translator } from '../../i18n/index.js';
import type { MailMessage } from '../mail/mailer.js';
import { paragraphMail } from '../mail/paragraph-mail.js';
import type { PartnerContact } from '../partners/partners.js';

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
