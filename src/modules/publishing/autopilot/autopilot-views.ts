/**
 * The autopilot on the partner's pages: each automated account's « Autopublication » block in the
 * portal (what it does now, and its settings form, folded), and the times of scheduled
 * publications in the account's own time zone.
 */
import type { FastifyRequest } from 'fastify';
import type { Locale } from '../../../config.js';
import { CSRF_FIELD } from '../../../http/context.js';
import { html, type Html } from '../../../http/html.js';
import type { ConnectedAccount } from '../accounts.js';
import type { AccountAutopilot } from './autopilot-settings.js';
import { MAX_SPACING_MINUTES, MIN_SPACING_MINUTES } from './schedule.js';

/** What the partner typed, shown again with a refusal, and which account it is about. */
export interface AutopilotFormState {
  accountId: string;
  error?: { field: string | null; message: string };
  values?: Record<string, unknown>;
  saved?: { enabled: boolean; scheduled: number; unscheduled: number };
}

const SPACINGS = [60, 90, 120, 180, 240, 360, 480, 720, 1440].filter((minutes) => minutes >= MIN_SPACING_MINUTES && minutes <= MAX_SPACING_MINUTES);
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** « jeudi 3 décembre, 14:30 » in the zone (with the zone's name when it is not Paris). */
export function formatInZone(at: Date, locale: Locale, timeZone: string): string {
  const text = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return timeZone === 'Europe/Paris' ? text : `${text} (${timeZone})`;
}

const weekdayName = (day: number, locale: Locale) =>
  // 2024-01-01 was a Monday.
  new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, day)));

// A no-break space: « 9 h » never splits across lines.
const hourLabel = (hour: number, locale: Locale) => (locale === 'fr' ? `${hour}\u00a0h` : `${String(hour).padStart(2, '0')}:00`);

function spacingLabel(minutes: number, locale: Locale): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (locale === 'fr') return rest ? `${hours} h ${rest}` : `${hours} h`;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** One account's « Autopublication » block (automated networks only). */
export function autopilotBlock(request: FastifyRequest, account: ConnectedAccount, autopilot: AccountAutopilot | undefined, vetoHours: number, form: AutopilotFormState | undefined): Html {
  const { t, locale } = request;
  if (!autopilot || autopilot.ceiling === null) return html``;
  const mine = form?.accountId === account.id ? form : undefined;
  const values = mine?.values ?? {};
  const settings = autopilot.settings;
  const value = (field: string, fallback: string | number) => {
    const typed = values[field];
    return typeof typed === 'string' ? typed : String(fallback);
  };
  const typedDays = values.days === undefined ? (values.daysShown === undefined ? null : []) : ([] as unknown[]).concat(values.days).map(String);
  const dayChecked = (day: number) => (typedDays ? typedDays.includes(String(day)) : settings.days.includes(day as 1));
  const enabled = mine?.values ? values.enabled === 'on' : autopilot.enabled;
  const id = (field: string) => `ap-${account.id}-${field}`;
  const error = (field: string) => (mine?.error?.field === field ? html`<p class="error" id="${id(field)}-error" role="alert">${mine.error.message}</p>` : '');
  const invalid = (field: string) => (mine?.error?.field === field ? html` aria-invalid="true" aria-describedby="${id(field)}-error" autofocus` : '');
  const hourOptions = (field: string, from: number, to: number, current: string) =>
    Array.from({ length: to - from + 1 }, (_, index) => from + index).map((hour) => html`<option value="${hour}"${String(hour) === current ? html` selected` : ''}>${hourLabel(hour, locale)}</option>`);
  const summary = autopilot.enabled
    ? t('autopilot.summary.on', { cap: settings.dailyCap, start: hourLabel(settings.startHour, locale), end: hourLabel(settings.endHour, locale) })
    : t('autopilot.summary.off');
  return html`<details class="autopilot"${mine ? html` open` : ''}>
  <summary>${t('autopilot.title')} · <span class="status status-autopilot-${autopilot.enabled ? 'on' : 'off'}">${summary}</span></summary>
  ${mine?.saved ? html`<p class="ok" role="status" tabindex="-1" autofocus>${mine.saved.enabled ? (mine.saved.scheduled > 0 ? t('autopilot.saved.on', { n: mine.saved.scheduled }) : t('autopilot.saved.onNone')) : mine.saved.unscheduled > 0 ? t('autopilot.saved.off', { n: mine.saved.unscheduled }) : t('autopilot.saved.offNone')}</p>` : ''}
  ${mine?.error && mine.error.field === null ? html`<p class="error" role="alert">${mine.error.message}</p>` : ''}
  <p class="help">${t('autopilot.help', { hours: vetoHours })}</p>
  <form method="post" action="/partner/accounts/${account.id}/autopilot" class="account-form autopilot-form" novalidate>
    <input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}">
    <label class="check"><input type="checkbox" name="enabled" value="on"${enabled ? html` checked` : ''}> ${t('autopilot.enabled', { label: account.label })}</label>
    <label for="${id('dailyCap')}">${t('autopilot.cap', { max: autopilot.ceiling })}</label>
    <input id="${id('dailyCap')}" name="dailyCap" type="number" inputmode="numeric" min="1" max="${autopilot.ceiling}" step="1" value="${value('dailyCap', settings.dailyCap)}"${invalid('dailyCap')}>
    ${error('dailyCap')}
    <fieldset class="hours">
      <legend>${t('autopilot.hours')}</legend>
      <label for="${id('startHour')}">${t('autopilot.from')}</label>
      <select id="${id('startHour')}" name="startHour"${invalid('startHour')}>${hourOptions('startHour', 0, 22, value('startHour', settings.startHour))}</select>
      <label for="${id('endHour')}">${t('autopilot.to')}</label>
      <select id="${id('endHour')}" name="endHour"${invalid('endHour')}>${hourOptions('endHour', 1, 23, value('endHour', settings.endHour))}</select>
    </fieldset>
    ${error('startHour')}${error('endHour')}
    <input type="hidden" name="daysShown" value="1">
    <fieldset class="days" id="${id('days')}"${mine?.error?.field === 'days' ? html` aria-describedby="${id('days')}-error"` : ''}>
      <legend>${t('autopilot.days')}</legend>
      ${WEEKDAYS.map((day) => html`<label class="check"><input type="checkbox" name="days" value="${day}"${dayChecked(day) ? html` checked` : ''}> ${weekdayName(day, locale)}</label>`)}
    </fieldset>
    ${error('days')}
    <label for="${id('timeZone')}">${t('autopilot.timeZone')}</label>
    <input id="${id('timeZone')}" name="timeZone" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="64" value="${value('timeZone', settings.timeZone)}"${invalid('timeZone')}>
    ${error('timeZone')}
    <label for="${id('spacingMinutes')}">${t('autopilot.spacing')}</label>
    <select id="${id('spacingMinutes')}" name="spacingMinutes"${invalid('spacingMinutes')}>${SPACINGS.map((minutes) => html`<option value="${minutes}"${String(minutes) === value('spacingMinutes', settings.spacingMinutes) ? html` selected` : ''}>${spacingLabel(minutes, locale)}</option>`)}</select>
    ${error('spacingMinutes')}
    <button type="submit">${t('autopilot.save')}</button>
  </form>
</details>`;
}

/** A paused account's line: why, and the button that resumes it. */
export function pausedAccountLine(request: FastifyRequest, account: ConnectedAccount): Html {
  if (account.state !== 'paused') return html``;
  const { t } = request;
  return html`<p class="help">${t('autopilot.paused.help')}</p>
  <form method="post" action="/partner/accounts/${account.id}/resume" class="inline"><input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken()}"><button type="submit" aria-label="${t('autopilot.resume.label', { label: account.label })}">${t('autopilot.resume')}</button></form>`;
}
