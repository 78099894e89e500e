/**
 * The app's plain emails to a partner: a greeting, paragraphs and links, signed; in text and in HTML
 * from the same paragraphs (escaped in the HTML by the template), in the partner's language.
 */
import type { Locale } from '../../config.js';
import { html, type Html } from '../../http/html.js';
import { translator } from '../../i18n/index.js';
import type { MailMessage } from './mailer.js';

export type MailParagraph = string | { link: string; label: string };

export function paragraphMail(locale: Locale, to: string, subject: string, paragraphs: MailParagraph[]): MailMessage {
  const t = translator(locale);
  const text = [t('mail.withdraw.hello'), ...paragraphs.map((p) => (typeof p === 'string' ? p : p.link)), '— Plug & Earn'].join('\n\n');
  const blocks: Html[] = paragraphs.map((p) => (typeof p === 'string' ? html`<p>${p}</p>` : html`<p><a href="${p.link}">${p.label}</a></p>`));
  const body = html`<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#1a1a2e;line-height:1.5">
<p>${t('mail.withdraw.hello')}</p>
${blocks}
<p>— Plug &amp; Earn</p></body></html>`;
  return { to, subject, text, html: body.value };
}
