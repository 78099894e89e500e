/**
 * The shared page frame (the signed-in email is masked: pages such as the leaderboard must show no
 * full email, and screens are shared): the seed's navigation (Partners, Leaderboard, Earnings), the sign-in
 * state, the language switch, and an accessible skeleton (skip link, landmarks, one h1 per page).
 * On a phone the header keeps to three short lines (brand and language, pages, account), so the
 * page's own content starts in the first screen.
 */
import type { FastifyRequest } from 'fastify';
import { LOCALES } from '../config.js';
import { translator } from '../i18n/index.js';
import { maskEmail } from '../lib/email.js';
import { CSRF_FIELD } from './context.js';
import { html, type Html } from './html.js';

export interface PageOptions {
  title: string;
  body: Html;
  /** Adds a class on <main> for page-specific layout. */
  mainClass?: string;
}

const NAV = [
  { href: '/partners', key: 'nav.partners' },
  { href: '/partners/leaderboard', key: 'nav.leaderboard' },
  { href: '/partners/earnings', key: 'nav.earnings' },
] as const;

export function renderPage(request: FastifyRequest, page: PageOptions): string {
  const { t, auth, locale } = request;
  const path = request.url.split('?')[0] ?? '/';
  const nav = NAV.map(
    (item) =>
      html`<li><a href="${item.href}"${path === item.href ? html` aria-current="page"` : ''}>${t(item.key)}</a></li>`,
  );
  const session = auth
    ? html`<span class="who">${t('nav.signedInAs', { email: maskEmail(auth.email) })}</span>
        <a href="/partner/portal">${t('nav.portal')}</a>
        <a href="/partner/posts"${path === '/partner/posts' ? html` aria-current="page"` : ''}>${t('nav.posts')}</a>
        ${request.isAdmin ? html`<a href="/admin">${t('nav.admin')}</a>` : ''}
        <form method="post" action="/partner/logout" class="inline">
          <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
          <button type="submit" class="link">${t('nav.signOut')}</button>
        </form>`
    : html`<a href="/partners#signin">${t('nav.signIn')}</a>`;
  const languages = LOCALES.map((code) =>
    code === locale
      ? html`<span aria-current="true" lang="${code}">${code.toUpperCase()}</span>`
      : html`<a href="${languageHref(request, code)}" lang="${code}" hreflang="${code}" title="${translator(code)('lang.name')}">${code.toUpperCase()}</a>`,
  );

  return `<!doctype html>${html`<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Plug &amp; Earn</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">${t('site.skip')}</a>
<header class="site">
  <div class="bar">
    <a class="brand" href="/partners">Plug &amp; Earn</a>
    <div class="lang" role="group" aria-label="${t('lang.switch')}">${languages}</div>
    <nav aria-label="${t('nav.label')}"><ul>${nav}</ul></nav>
    <div class="session">${session}</div>
  </div>
</header>
<main id="main"${page.mainClass ? html` class="${page.mainClass}"` : ''}>
${page.body}
</main>
<footer class="site">
  <p>Plug &amp; Earn — ${t('footer.tagline')} · <a href="/partners/faq">${t('footer.faq')}</a></p>
</footer>
</body>
</html>`}`;
}

/** Query-only (`?lang=en&…`): a path taken from the request could be `//elsewhere` and leave the site. */
function languageHref(request: FastifyRequest, code: string): string {
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  query.set('lang', code);
  return `?${query.toString()}`;
}
