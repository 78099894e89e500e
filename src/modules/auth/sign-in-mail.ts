import type { Locale } from '../../config.js';
import { html } from '../../http/html.js';
import { translator } from '../../i18n/index.js';
import type { MailMessage } from '../mail/mailer.js';

/** The sign-in email, text and HTML parts, in the visitor's language. The link comes from BASE_URL only. */
export function signInMail(to: string, link: string, locale: Locale): MailMessage {
  const t = translator(locale);
  const text = [t('mail.signin.hello'), '', t('mail.signin.body'), '', link, '', t('mail.signin.ignore'), '', '— Plug & Earn'].join('\n');
  const body = html`<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#1a1a2e;line-height:1.5">
<p>${t('mail.signin.hello')}</p>
<p>${t('mail.signin.body')}</p>
<p><a href="${link}" style="display:inline-block;padding:12px 20px;background:#3b2bb5;color:#ffffff;border-radius:6px;text-decoration:none;font-weight:600">${t('mail.signin.button')}</a></p>
<p style="font-size:14px;color:#4a4a5a">${link}</p>
<p style="font-size:14px;color:#4a4a5a">${t('mail.signin.ignore')}</p>
<p>— Plug &amp; Earn</p>
</body></html>`;
  return { to, subject: t('mail.signin.subject'), text, html: body.value };
}
