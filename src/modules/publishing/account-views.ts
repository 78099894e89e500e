/** The portal's « Comptes connectés » section: the accounts with their state, and the ways to connect one. */
import type { FastifyRequest } from 'fastify';
import { CSRF_FIELD } from '../../http/context.js';
import { html, type Html } from '../../http/html.js';
import { formatDate } from '../../lib/dates.js';
import { ASSISTED_NETWORKS } from '../../db/schema.js';
import type { ConnectedAccount } from './accounts.js';
import type { AccountAutopilot } from './autopilot/autopilot-settings.js';
import { autopilotBlock, pausedAccountLine, type AutopilotFormState } from './autopilot/autopilot-views.js';
import { isAssisted, type LastPublication } from './publications.js';

export interface AccountsForm {
  /** A refusal next to its field (`url`, `instance`, `handle`, `appPassword`, `service`) or above the section (null). */
  error?: { field: string | null; message: string };
  /** What the partner typed, shown again with a refusal (never an app password). */
  values?: { url?: string; instance?: string; handle?: string; service?: string; channel?: string; network?: string; assistedHandle?: string };
  /** A webhook's secret, shown this once. */
  secret?: string;
  /** What just happened (connected, removed). */
  done?: 'connected' | 'removed' | 'resumed';
  /** An account's test passed (its label). */
  tested?: string;
  /** Where the partner goes to approve a Mastodon connection. */
  authorize?: { url: string; instance: string };
  /** An account's autopublish form just sent: its refusal, or what saving did. */
  autopilot?: AutopilotFormState;
}

/** Each account's autopublish settings, and the veto window in hours. */
export interface PortalAutopilots {
  accounts: Map<string, AccountAutopilot>;
  vetoHours: number;
}

export function accountsSection(request: FastifyRequest, accounts: ConnectedAccount[], form: AccountsForm = {}, last: Map<string, LastPublication> = new Map(), autopilots: PortalAutopilots = { accounts: new Map(), vetoHours: 12 }): Html {
  const { t, locale } = request;
  const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">`;
  const fieldError = (field: string) => (form.error?.field === field ? html`<p class="error" id="acc-${field}-error" role="alert">${form.error.message}</p>` : '');
  const invalid = (field: string) => (form.error?.field === field ? html` aria-invalid="true" aria-describedby="acc-${field}-error" autofocus` : '');
  // A field with its own help: one aria-describedby naming the help, and the refusal when there is one.
  const described = (field: string) => (form.error?.field === field ? html` aria-invalid="true" aria-describedby="acc-${field}-error acc-${field}-help" autofocus` : html` aria-describedby="acc-${field}-help"`);
  // A field whose messages are `<messages>.label` and `<messages>.help`; its name is their last part.
  const helped = (messages: 'accounts.bluesky.appPassword' | 'accounts.telegram.botToken' | 'accounts.telegram.channel' | 'accounts.discord.webhookUrl', attributes: Html) => {
    const field = messages.split('.').at(-1)!;
    return html`<label for="acc-${field}">${t(`${messages}.label`)}</label>
    <input id="acc-${field}" name="${field}"${attributes}${described(field)}>
    ${fieldError(field)}
    <p class="help" id="acc-${field}-help">${t(`${messages}.help`)}</p>`;
  };
  // The form the partner just used opens again (with its refusal or values); the others stay folded.
  const FIELDS: Record<string, readonly string[]> = { bluesky: ['handle', 'appPassword', 'service'], mastodon: ['instance'], webhook: ['url'], telegram: ['botToken', 'channel'], discord: ['webhookUrl'], assisted: ['network', 'assistedHandle'] };
  const opened = (network: string) => {
    const fields = FIELDS[network] ?? [];
    const used = (typeof form.error?.field === 'string' && fields.includes(form.error.field)) || fields.some((field) => (form.values as Record<string, string | undefined> | undefined)?.[field]);
    return used ? html` open` : '';
  };
  const rows = accounts.map(
    (account) => html`<li class="account account-${account.state}">
  <div><strong>${t(`accounts.network.${account.network}`)}</strong> · <span class="account-label">${account.label}</span></div>
  <div><span class="status status-account-${account.state}">${t(`accounts.state.${account.state}`)}</span> <small>${t('accounts.since', { date: formatDate(account.createdAt, locale) })}</small></div>
  ${account.state === 'needs_reconnect' ? html`<p class="help">${t('accounts.reconnect.help')}</p>` : ''}
  ${pausedAccountLine(request, account)}
  ${lastLine(request, last.get(account.id))}
  ${isAssisted(account.network) ? html`<p class="help">${t('accounts.assisted.note')}</p>` : ''}
  <div class="actions">
    ${isAssisted(account.network) || account.state !== 'connected' ? '' : html`<form method="post" action="/partner/accounts/${account.id}/test" class="inline">${csrf}<button type="submit" class="quiet" aria-label="${t('accounts.test.label', { label: account.label })}">${t('accounts.test')}</button></form>`}
    <form method="post" action="/partner/accounts/${account.id}/remove" class="inline">${csrf}<button type="submit" class="quiet" aria-label="${t('accounts.remove.label', { label: account.label })}">${t('accounts.remove')}</button></form>
  </div>
  ${autopilotBlock(request, account, autopilots.accounts.get(account.id), autopilots.vetoHours, form.autopilot)}
</li>`,
  );
  return html`<section class="card" id="accounts" aria-labelledby="accounts-title">
  <h2 id="accounts-title">${t('accounts.title')}</h2>
  <p>${t('accounts.intro')}</p>
  ${form.done ? html`<p class="ok" role="status" id="accounts-done" tabindex="-1" data-arrival>${t(`accounts.done.${form.done}`)}</p>` : ''}
  ${form.tested ? html`<p class="ok" role="status" id="accounts-done" tabindex="-1" autofocus>${t('accounts.test.ok', { label: form.tested })}</p>` : ''}
  ${form.error && form.error.field === null ? html`<p class="error" role="alert">${form.error.message}</p>` : ''}
  ${form.secret
    ? html`<div class="secret" role="status" id="accounts-secret" tabindex="-1" autofocus>
    <p><strong>${t('accounts.secret.title')}</strong></p>
    <label for="acc-secret">${t('accounts.secret.label')}</label>
    <div class="copy-row"><input id="acc-secret" type="text" readonly value="${form.secret}"><button type="button" class="copy" data-copy="acc-secret" data-done="${t('portal.copied')}">${t('accounts.secret.copy')}</button></div>
    <p class="help">${t('accounts.secret.help')}</p>
  </div>`
    : ''}
  ${form.authorize
    ? html`<div class="secret" role="status" id="accounts-authorize" tabindex="-1" autofocus>
    <p>${t('accounts.mastodon.go', { instance: form.authorize.instance })}</p>
    <p><a class="button" href="${form.authorize.url}" rel="noopener noreferrer">${t('accounts.mastodon.continue', { instance: form.authorize.instance })}</a></p>
  </div>`
    : ''}
  ${rows.length ? html`<ul class="accounts">${rows}</ul>` : html`<p class="notice">${t('accounts.none')}</p>`}
  <h3>${t('accounts.add')}</h3>
  <details class="connect"${opened('bluesky')}>
    <summary>${t('accounts.connect.bluesky')}</summary>
    <form method="post" action="/partner/accounts/bluesky" class="account-form" novalidate>
      ${csrf}
      <label for="acc-handle">${t('accounts.bluesky.handle.label')}</label>
      <input id="acc-handle" name="handle" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" placeholder="lina.bsky.social" maxlength="300" value="${form.values?.handle ?? ''}"${invalid('handle')}>
      ${fieldError('handle')}
      ${helped('accounts.bluesky.appPassword', html` type="password" autocomplete="off" spellcheck="false" maxlength="200"`)}
      <details${form.values?.service || form.error?.field === 'service' ? html` open` : ''}>
        <summary>${t('accounts.bluesky.service.label')}</summary>
        <label for="acc-service">${t('accounts.bluesky.service.address')}</label>
        <input id="acc-service" name="service" type="url" inputmode="url" placeholder="https://bsky.social" maxlength="500" value="${form.values?.service ?? ''}"${described('service')}>
        ${fieldError('service')}
        <p class="help" id="acc-service-help">${t('accounts.bluesky.service.help')}</p>
      </details>
      <button type="submit">${t('accounts.bluesky.submit')}</button>
    </form>
  </details>
  <details class="connect"${opened('mastodon')}>
    <summary>${t('accounts.connect.mastodon')}</summary>
    <form method="post" action="/partner/accounts/mastodon" class="account-form" novalidate>
      ${csrf}
      <label for="acc-instance">${t('accounts.mastodon.label')}</label>
      <input id="acc-instance" name="instance" type="text" inputmode="url" autocomplete="url" placeholder="mastodon.social" maxlength="500" value="${form.values?.instance ?? ''}"${invalid('instance')}>
      ${fieldError('instance')}
      <button type="submit">${t('accounts.mastodon.submit')}</button>
    </form>
  </details>
  <details class="connect"${opened('webhook')}>
    <summary>${t('accounts.connect.webhook')}</summary>
    <form method="post" action="/partner/accounts/webhook" class="account-form" novalidate>
      ${csrf}
      <label for="acc-url">${t('accounts.webhook.label')}</label>
      <input id="acc-url" name="url" type="url" placeholder="https://n8n.example.com/webhook/…" maxlength="2000" value="${form.values?.url ?? ''}"${described('url')}>
      ${fieldError('url')}
      <p class="help" id="acc-url-help">${t('accounts.webhook.help')}</p>
      <button type="submit">${t('accounts.webhook.submit')}</button>
    </form>
  </details>
  <details class="connect"${opened('telegram')}>
    <summary>${t('accounts.connect.telegram')}</summary>
    <form method="post" action="/partner/accounts/telegram" class="account-form" novalidate>
      ${csrf}
      ${helped('accounts.telegram.botToken', html` type="password" autocomplete="off" spellcheck="false" placeholder="123456789:AAH…" maxlength="200"`)}
      ${helped('accounts.telegram.channel', html` type="text" autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="@mes_bons_plans" maxlength="200" value="${form.values?.channel ?? ''}"`)}
      <button type="submit">${t('accounts.telegram.submit')}</button>
    </form>
  </details>
  <details class="connect"${opened('discord')}>
    <summary>${t('accounts.connect.discord')}</summary>
    <form method="post" action="/partner/accounts/discord" class="account-form" novalidate>
      ${csrf}
      ${helped('accounts.discord.webhookUrl', html` type="url" autocomplete="off" spellcheck="false" placeholder="https://discord.com/api/webhooks/…" maxlength="2000"`)}
      <button type="submit">${t('accounts.discord.submit')}</button>
    </form>
  </details>
  <details class="connect"${opened('assisted')}>
    <summary>${t('accounts.connect.assisted')}</summary>
    <form method="post" action="/partner/accounts/assisted" class="account-form" novalidate>
      ${csrf}
      <p class="help" id="acc-assistedHandle-help">${t('accounts.assisted.help')}</p>
      <label for="acc-network">${t('accounts.assisted.network')}</label>
      <select id="acc-network" name="network"${invalid('network')}>${ASSISTED_NETWORKS.map((network) => html`<option value="${network}"${form.values?.network === network ? html` selected` : ''}>${t(`accounts.network.${network}`)}</option>`)}</select>
      ${fieldError('network')}
      <label for="acc-assistedHandle">${t('accounts.assisted.handle')}</label>
      <input id="acc-assistedHandle" name="handle" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="@lina" maxlength="101" value="${form.values?.assistedHandle ?? ''}"${described('assistedHandle')}>
      ${fieldError('assistedHandle')}
      <button type="submit">${t('accounts.assisted.submit')}</button>
    </form>
  </details>
</section>`;
}

/** The account's latest publication and its result, with the post's address when there is one. */
function lastLine(request: FastifyRequest, last: LastPublication | undefined): Html {
  const { t, locale } = request;
  if (!last) return html`<p class="help">${t('accounts.last.none')}</p>`;
  return html`<p class="help">${t('accounts.last', { state: last.state, date: formatDate(last.at, locale) })}${last.remoteUrl ? html` · <a href="${last.remoteUrl}" rel="noopener noreferrer" target="_blank">${t('accounts.last.see')}</a>` : ''}</p>`;
}
