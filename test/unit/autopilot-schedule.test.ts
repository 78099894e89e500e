/**
 * The autopilot's scheduling rules (issue 16): every bad setting refused with its field and its
 * message; slots inside the partner's local hours and days, daylight-saving days included, with the
 * cap, the spacing and the veto lead kept, chosen uniformly; null when a month has no room. The
 * property test checks every slot against an oracle that reads local time with Intl on its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translator, type MessageKey } from '../../src/i18n/index.js';
import { InputError } from '../../src/lib/errors.js';
import {
  checkAutopilotSettings,
  NETWORK_DAILY_CEILING,
  nextSlot,
  type AutopilotSettings,
  type AutopilotSettingsInput,
} from '../../src/modules/publishing/autopilot/schedule.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;
const always = (value: number) => () => value;
/** The last value random() may return. */
const LAST = 1 - Number.EPSILON;

const settings = (input: Partial<AutopilotSettingsInput> = {}): AutopilotSettings => checkAutopilotSettings({ network: 'webhook', ...input });

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const readers = new Map<string, Intl.DateTimeFormat>();
/** The oracle: an instant's local date, ISO weekday, hour and minute in a zone, as Intl reads them. */
function local(instant: Date | number, zone: string): { date: string; weekday: number; hour: number; minute: number } {
  let reader = readers.get(zone);
  if (!reader) {
    reader = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    readers.set(zone, reader);
  }
  const parts: Record<string, string> = {};
  for (const part of reader.formatToParts(instant)) parts[part.type] = part.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: WEEKDAYS[parts.weekday!]!, hour: Number(parts.hour), minute: Number(parts.minute) };
}

/** The refusal's field, message key and parameters, or null when the settings are accepted. */
function refusal(input: AutopilotSettingsInput, ceilings?: Record<string, number | null>): { field: string | null; key: string; params: object } | null {
  try {
    checkAutopilotSettings(input, ceilings);
    return null;
  } catch (error) {
    if (error instanceof InputError) return { field: error.field, key: error.messageKey, params: error.params };
    throw error;
  }
}

describe('autopilot settings', () => {
  it('default to a cap of 1, 9:00-21:00 every day in Europe/Paris, 3 h apart', () => {
    expect(checkAutopilotSettings({ network: 'mastodon' })).toEqual({ dailyCap: 1, startHour: 9, endHour: 21, days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Europe/Paris', spacingMinutes: 180 });
    expect(checkAutopilotSettings({ network: 'bluesky', dailyCap: '', startHour: ' ', days: null, timeZone: '' })).toMatchObject({ dailyCap: 1, startHour: 9, days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Europe/Paris' });
  });

  it('take a form’s strings: days ticked in any order, once or twice, one alone, a zone in any letter case', () => {
    expect(checkAutopilotSettings({ network: 'mastodon', dailyCap: '5', startHour: '0', endHour: '23', days: ['5', '1', '3', '1'], timeZone: 'america/new_york', spacingMinutes: ' 60 ' })).toEqual({
      dailyCap: 5,
      startHour: 0,
      endHour: 23,
      days: [1, 3, 5],
      timeZone: 'America/New_York',
      spacingMinutes: 60,
    });
    expect(checkAutopilotSettings({ network: 'webhook', dailyCap: 24, days: '6', timeZone: 'UTC', spacingMinutes: 1440 })).toMatchObject({ dailyCap: 24, days: [6], timeZone: 'UTC', spacingMinutes: 1440 });
  });

  it.each([
    ['cap 0', { network: 'mastodon', dailyCap: 0 }, 'dailyCap', 'autopilot.error.cap', { max: 5 }],
    ['cap above Mastodon’s ceiling', { network: 'mastodon', dailyCap: 6 }, 'dailyCap', 'autopilot.error.cap', { max: 5 }],
    ['cap above Bluesky’s ceiling', { network: 'bluesky', dailyCap: '11' }, 'dailyCap', 'autopilot.error.cap', { max: 10 }],
    ['cap above the webhook’s ceiling', { network: 'webhook', dailyCap: 25 }, 'dailyCap', 'autopilot.error.cap', { max: 24 }],
    ['cap not whole', { network: 'bluesky', dailyCap: '2.5' }, 'dailyCap', 'autopilot.error.cap', { max: 10 }],
    ['cap not a number', { network: 'bluesky', dailyCap: 'deux' }, 'dailyCap', 'autopilot.error.cap', { max: 10 }],
    ['cap negative', { network: 'bluesky', dailyCap: -1 }, 'dailyCap', 'autopilot.error.cap', { max: 10 }],
    ['start hour 24', { network: 'bluesky', startHour: 24 }, 'startHour', 'autopilot.error.hour', {}],
    ['start hour −1', { network: 'bluesky', startHour: '-1' }, 'startHour', 'autopilot.error.hour', {}],
    ['end hour 24', { network: 'bluesky', endHour: 24 }, 'endHour', 'autopilot.error.hour', {}],
    ['end hour 9.5', { network: 'bluesky', endHour: 9.5 }, 'endHour', 'autopilot.error.hour', {}],
    ['hours reversed, 21 → 9 (across midnight)', { network: 'bluesky', startHour: 21, endHour: 9 }, 'endHour', 'autopilot.error.reversed', { start: 21, end: 9 }],
    ['hours reversed, 23 → 0', { network: 'bluesky', startHour: '23', endHour: '0' }, 'endHour', 'autopilot.error.reversed', { start: 23, end: 0 }],
    ['an empty window, 9 → 9', { network: 'bluesky', startHour: 9, endHour: 9 }, 'endHour', 'autopilot.error.reversed', { start: 9, end: 9 }],
    ['a start after the default end', { network: 'bluesky', startHour: 22 }, 'endHour', 'autopilot.error.reversed', { start: 22, end: 21 }],
    ['no day', { network: 'bluesky', days: [] }, 'days', 'autopilot.error.days', {}],
    ['no day but empty boxes', { network: 'bluesky', days: ['', ''] }, 'days', 'autopilot.error.days', {}],
    ['day 0', { network: 'bluesky', days: [0, 1] }, 'days', 'autopilot.error.days', {}],
    ['day 8', { network: 'bluesky', days: ['8'] }, 'days', 'autopilot.error.days', {}],
    ['a day by name', { network: 'bluesky', days: ['lundi'] }, 'days', 'autopilot.error.days', {}],
    ['an unknown time zone', { network: 'bluesky', timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'autopilot.error.timeZone', { zone: 'Mars/Olympus_Mons' }],
    ['a misspelt time zone', { network: 'bluesky', timeZone: 'Europe/Pariss' }, 'timeZone', 'autopilot.error.timeZone', { zone: 'Europe/Pariss' }],
    ['an offset, not a zone', { network: 'bluesky', timeZone: '+01:00' }, 'timeZone', 'autopilot.error.timeZone', { zone: '+01:00' }],
    ['a zone that is no text', { network: 'bluesky', timeZone: 1 }, 'timeZone', 'autopilot.error.timeZone', { zone: '1' }],
    ['spacing below the minimum', { network: 'bluesky', spacingMinutes: 59 }, 'spacingMinutes', 'autopilot.error.spacing', { min: 60, max: 1440 }],
    ['spacing 0', { network: 'bluesky', spacingMinutes: '0' }, 'spacingMinutes', 'autopilot.error.spacing', { min: 60, max: 1440 }],
    ['spacing above a day', { network: 'bluesky', spacingMinutes: 1441 }, 'spacingMinutes', 'autopilot.error.spacing', { min: 60, max: 1440 }],
    ['an unknown network', { network: 'myspace' }, 'network', 'autopilot.error.network', {}],
    ...(['x', 'instagram', 'tiktok', 'linkedin', 'facebook'] as const).map(
      (network) => [`autopublish on ${network} (assisted)`, { network, dailyCap: 1 }, 'network', 'autopilot.error.assisted', { network }] as const,
    ),
  ] as const)('refuse %s, naming the field', (_name, input, field, key, params) => {
    expect(refusal(input)).toEqual({ field, key, params });
  });

  it('take the network’s ceiling passed in', () => {
    expect(refusal({ network: 'mastodon', dailyCap: 3 }, { mastodon: 2 })).toEqual({ field: 'dailyCap', key: 'autopilot.error.cap', params: { max: 2 } });
    expect(checkAutopilotSettings({ network: 'mastodon', dailyCap: 3 }, { mastodon: 3 }).dailyCap).toBe(3);
    expect(refusal({ network: 'mastodon' }, { mastodon: null })?.key).toBe('autopilot.error.assisted');
  });

  it('offer no autopublish on an assisted network, and a ceiling on every automated one', () => {
    for (const [network, ceiling] of Object.entries(NETWORK_DAILY_CEILING)) {
      expect(['x', 'instagram', 'tiktok', 'linkedin', 'facebook'].includes(network)).toBe(ceiling === null);
    }
  });

  it('have their messages in French and English, every placeholder filled', () => {
    const keys: Array<[MessageKey, Record<string, string | number>]> = [
      ['autopilot.error.network', {}],
      ['autopilot.error.assisted', { network: 'x' }],
      ['autopilot.error.cap', { max: 5 }],
      ['autopilot.error.hour', {}],
      ['autopilot.error.reversed', { start: 21, end: 9 }],
      ['autopilot.error.days', {}],
      ['autopilot.error.timeZone', { zone: 'Mars/Olympus' }],
      ['autopilot.error.spacing', { min: 60, max: 1440 }],
    ];
    for (const locale of ['fr', 'en'] as const) {
      for (const [key, params] of keys) expect(translator(locale)(key, params), `${locale} ${key}`).toMatch(/^[^{}]+$/);
    }
    expect(translator('fr')('autopilot.error.cap', { max: 5 })).toBe('Le plafond par jour doit être un nombre entier entre 1 et 5.');
  });
});

describe('the next slot', () => {
  // Monday 1 June 2026, 12:00 in Paris (CEST, UTC+2): with 12 h of veto, the first room is Tuesday.
  const monday = at('2026-06-01T10:00:00Z');

  it('is a random whole minute of the next allowed window, after the veto lead', () => {
    const paris = settings();
    expect(iso(nextSlot(paris, [], monday, always(0)))).toBe('2026-06-02T07:00:00.000Z');
    expect(iso(nextSlot(paris, [], monday, always(LAST)))).toBe('2026-06-02T18:59:00.000Z');
    expect(iso(nextSlot(paris, [], monday, always(0.5)))).toBe('2026-06-02T13:00:00.000Z');
    // 6:00 in Paris: 12 h on is 18:00, the same day; without a lead, 9:00.
    const early = at('2026-06-01T04:00:00Z');
    expect(iso(nextSlot(paris, [], early, always(0)))).toBe('2026-06-01T16:00:00.000Z');
    expect(iso(nextSlot(paris, [], early, always(0), { minLeadMs: 0 }))).toBe('2026-06-01T07:00:00.000Z');
    expect(iso(nextSlot(paris, [], early, always(0), { minLeadMs: 20 * HOUR }))).toBe('2026-06-02T07:00:00.000Z');
  });

  it('is chosen uniformly over the free time, around the spacing kept from what is taken', () => {
    // Two a day, one taken at 15:00 in Paris, 3 h apart: free 9:00-12:00 (181 whole minutes, 12:00 itself allowed) and 18:00-21:00 (180).
    const paris = settings({ dailyCap: 2 });
    const taken = [at('2026-06-02T13:00:00Z')];
    expect(iso(nextSlot(paris, taken, monday, always(0)))).toBe('2026-06-02T07:00:00.000Z');
    expect(iso(nextSlot(paris, taken, monday, always(180.5 / 361)))).toBe('2026-06-02T10:00:00.000Z');
    expect(iso(nextSlot(paris, taken, monday, always(181.5 / 361)))).toBe('2026-06-02T16:00:00.000Z');
    expect(iso(nextSlot(paris, taken, monday, always(LAST)))).toBe('2026-06-02T18:59:00.000Z');
    // Out of range randomness stays inside.
    expect(iso(nextSlot(paris, taken, monday, always(1)))).toBe('2026-06-02T18:59:00.000Z');
    expect(iso(nextSlot(paris, taken, monday, always(-1)))).toBe('2026-06-02T07:00:00.000Z');
  });

  it('moves to the next day once the cap is reached, and skips a day whose free time the spacing takes', () => {
    const two = settings({ dailyCap: 2, spacingMinutes: 60 });
    const taken = [at('2026-06-02T08:00:00Z'), at('2026-06-02T12:00:00Z')];
    expect(iso(nextSlot(two, taken.slice(0, 1), monday, always(0)))).toBe('2026-06-02T07:00:00.000Z');
    expect(iso(nextSlot(two, taken, monday, always(0)))).toBe('2026-06-03T07:00:00.000Z');
    // A 9:00-12:00 window, 24 h apart, taken at 10:30 on Tuesday: the spacing reaches 10:30 on Wednesday;
    // taken at 11:59 on Wednesday too: Thursday's 11:59, exactly 24 h on, is the only minute left.
    const daily = settings({ dailyCap: 5, startHour: 9, endHour: 12, spacingMinutes: 1440 });
    expect(iso(nextSlot(daily, [at('2026-06-02T08:30:00Z')], monday, always(0)))).toBe('2026-06-03T08:30:00.000Z');
    expect(iso(nextSlot(daily, [at('2026-06-02T08:30:00Z'), at('2026-06-03T09:59:00Z')], monday, always(0.7)))).toBe('2026-06-04T09:59:00.000Z');
  });

  it('keeps to the allowed days of the partner’s week, in their zone', () => {
    // Sundays only, in Tokyo (UTC+9): Sunday 7 June 2026, 9:00 there is 00:00 UTC.
    const tokyo = settings({ days: [7], timeZone: 'Asia/Tokyo' });
    expect(iso(nextSlot(tokyo, [], monday, always(0)))).toBe('2026-06-07T00:00:00.000Z');
    expect(iso(nextSlot(tokyo, [at('2026-06-07T05:00:00Z')], monday, always(0)))).toBe('2026-06-14T00:00:00.000Z');
  });

  it('counts a publication in the partner’s local day, not the UTC one', () => {
    // 23:30 UTC on 1 June is 1:30 on 2 June in Paris: Tuesday is full with a cap of 1.
    const paris = settings({ spacingMinutes: 60 });
    expect(iso(nextSlot(paris, [at('2026-06-01T23:30:00Z')], monday, always(0)))).toBe('2026-06-03T07:00:00.000Z');
    expect(iso(nextSlot(paris, [at('2026-06-01T21:59:00Z')], monday, always(0)))).toBe('2026-06-02T07:00:00.000Z');
  });

  describe('on daylight-saving days', () => {
    it('Europe/Paris, last Sunday of March (2:00 → 3:00): a 23-hour day, no 2:xx', () => {
      const fromFriday = at('2026-03-27T00:00:00Z');
      // 9:00 CEST is 7:00 UTC, 21:00 CEST is 19:00 UTC.
      const sundays = settings({ days: [7] });
      expect(iso(nextSlot(sundays, [], fromFriday, always(0)))).toBe('2026-03-29T07:00:00.000Z');
      expect(iso(nextSlot(sundays, [], fromFriday, always(LAST)))).toBe('2026-03-29T18:59:00.000Z');
      // 1:00-4:00 that night is two real hours: 1:00-2:00 CET then 3:00-4:00 CEST.
      const night = settings({ days: [7], startHour: 1, endHour: 4, spacingMinutes: 60 });
      expect(iso(nextSlot(night, [], fromFriday, always(0)))).toBe('2026-03-29T00:00:00.000Z');
      expect(iso(nextSlot(night, [], fromFriday, always(0.5)))).toBe('2026-03-29T01:00:00.000Z');
      expect(local(at('2026-03-29T01:00:00Z'), 'Europe/Paris')).toMatchObject({ hour: 3, minute: 0 });
      expect(iso(nextSlot(night, [], fromFriday, always(LAST)))).toBe('2026-03-29T01:59:00.000Z');
      // 2:00-3:00 does not exist that day: the next Sunday's.
      const missing = settings({ days: [7], startHour: 2, endHour: 3, spacingMinutes: 60 });
      expect(iso(nextSlot(missing, [], fromFriday, always(0)))).toBe('2026-04-05T00:00:00.000Z');
    });

    it('Europe/Paris, last Sunday of October (3:00 → 2:00): a 25-hour day, 2:xx twice', () => {
      const fromFriday = at('2026-10-23T00:00:00Z');
      // 9:00 CET is 8:00 UTC.
      const sundays = settings({ days: [7] });
      expect(iso(nextSlot(sundays, [], fromFriday, always(0)))).toBe('2026-10-25T08:00:00.000Z');
      expect(iso(nextSlot(sundays, [], fromFriday, always(LAST)))).toBe('2026-10-25T19:59:00.000Z');
      // 2:00-3:00 lasts two real hours: 2:00-3:00 CEST (0:00-1:00 UTC) then 2:00-3:00 CET (1:00-2:00 UTC).
      const twice = settings({ days: [7], startHour: 2, endHour: 3, spacingMinutes: 60 });
      expect(iso(nextSlot(twice, [], fromFriday, always(0)))).toBe('2026-10-25T00:00:00.000Z');
      expect(iso(nextSlot(twice, [], fromFriday, always(0.75)))).toBe('2026-10-25T01:30:00.000Z');
      expect(iso(nextSlot(twice, [], fromFriday, always(LAST)))).toBe('2026-10-25T01:59:00.000Z');
      // 0:00-23:00 is 24 hours that day: 0:00 CEST (22:00 UTC on the 24th) to 23:00 CET (22:00 UTC).
      const allDay = settings({ days: [7], startHour: 0, endHour: 23, spacingMinutes: 60 });
      expect(iso(nextSlot(allDay, [], fromFriday, always(0)))).toBe('2026-10-24T22:00:00.000Z');
      expect(iso(nextSlot(allDay, [], fromFriday, always(LAST)))).toBe('2026-10-25T21:59:00.000Z');
      // A publication at 2:30 CET counts in that Sunday: with a cap of 1, the next Sunday.
      expect(iso(nextSlot(twice, [at('2026-10-25T01:30:00Z')], fromFriday, always(0)))).toBe('2026-11-01T01:00:00.000Z');
    });

    it('America/New_York, second Sunday of March (2:00 → 3:00) and first of November (2:00 → 1:00)', () => {
      const newYork = (input: Partial<AutopilotSettingsInput>) => settings({ timeZone: 'America/New_York', days: [7], spacingMinutes: 60, ...input });
      // 8 March 2026: 9:00 EDT is 13:00 UTC; 1:00-4:00 is 1:00-2:00 EST (6:00-7:00 UTC) then 3:00-4:00 EDT (7:00-8:00 UTC).
      const march = at('2026-03-06T00:00:00Z');
      expect(iso(nextSlot(newYork({}), [], march, always(0)))).toBe('2026-03-08T13:00:00.000Z');
      expect(iso(nextSlot(newYork({}), [], march, always(LAST)))).toBe('2026-03-09T00:59:00.000Z');
      expect(iso(nextSlot(newYork({ startHour: 1, endHour: 4 }), [], march, always(0)))).toBe('2026-03-08T06:00:00.000Z');
      expect(iso(nextSlot(newYork({ startHour: 1, endHour: 4 }), [], march, always(LAST)))).toBe('2026-03-08T07:59:00.000Z');
      expect(iso(nextSlot(newYork({ startHour: 2, endHour: 3 }), [], march, always(0)))).toBe('2026-03-15T06:00:00.000Z');
      // 1 November 2026: 1:00-2:00 happens twice, 1:00 EDT (5:00 UTC) to 2:00 EST (7:00 UTC); 9:00 EST is 14:00 UTC.
      const november = at('2026-10-30T00:00:00Z');
      expect(iso(nextSlot(newYork({ startHour: 1, endHour: 2 }), [], november, always(0)))).toBe('2026-11-01T05:00:00.000Z');
      expect(iso(nextSlot(newYork({ startHour: 1, endHour: 2 }), [], november, always(LAST)))).toBe('2026-11-01T06:59:00.000Z');
      expect(iso(nextSlot(newYork({}), [], november, always(0)))).toBe('2026-11-01T14:00:00.000Z');
    });

    it('Australia/Lord_Howe, whose clocks move by half an hour', () => {
      // 5 April 2026, 2:00 LHDT (+11) → 1:30 LHST (+10:30): 1:00-2:00 runs from 14:00 to 15:30 UTC on the 4th.
      const lordHowe = settings({ timeZone: 'Australia/Lord_Howe', days: [7], startHour: 1, endHour: 2, spacingMinutes: 60 });
      const from = at('2026-04-02T00:00:00Z');
      expect(iso(nextSlot(lordHowe, [], from, always(0)))).toBe('2026-04-04T14:00:00.000Z');
      expect(iso(nextSlot(lordHowe, [], from, always(LAST)))).toBe('2026-04-04T15:29:00.000Z');
    });

    it('Pacific/Chatham, whose clocks go back from 3:45 to 2:45: a window from 3:00 left and entered again', () => {
      // 5 April 2026: 3:00-3:45 CHADT (+13:45) is 13:15-14:00 UTC on the 4th, then 3:00-4:00 CHAST (+12:45) 14:15-15:15 UTC: 105 minutes.
      const chatham = settings({ timeZone: 'Pacific/Chatham', days: [7], startHour: 3, endHour: 4, spacingMinutes: 60 });
      const from = at('2026-04-02T00:00:00Z');
      expect(iso(nextSlot(chatham, [], from, always(0)))).toBe('2026-04-04T13:15:00.000Z');
      expect(iso(nextSlot(chatham, [], from, always(44.5 / 105)))).toBe('2026-04-04T13:59:00.000Z');
      expect(iso(nextSlot(chatham, [], from, always(45.5 / 105)))).toBe('2026-04-04T14:15:00.000Z');
      expect(iso(nextSlot(chatham, [], from, always(LAST)))).toBe('2026-04-04T15:14:00.000Z');
    });
  });

  it('is null when a whole month has no room', () => {
    // Mondays only, cap 1: the 30 days from Tuesday 2 June hold four Mondays, all taken.
    const mondays = settings({ days: [1], spacingMinutes: 60 });
    const taken = Array.from({ length: 4 }, (_, week) => new Date(at('2026-06-08T10:00:00Z').getTime() + week * 7 * DAY));
    expect(nextSlot(mondays, taken, monday, always(0))).toBeNull();
    expect(iso(nextSlot(mondays, taken.slice(0, 3), monday, always(0)))).toBe('2026-06-29T07:00:00.000Z');
    expect(iso(nextSlot(mondays, taken, monday, always(0), { horizonDays: 40 }))).toBe('2026-07-06T07:00:00.000Z');
    // Every day of the month full, at the webhook's ceiling.
    const busy = settings({ dailyCap: 2, spacingMinutes: 60 });
    const everyDay = Array.from({ length: 62 }, (_, i) => new Date(at('2026-06-01T10:00:00Z').getTime() + Math.floor(i / 2) * DAY + (i % 2) * 2 * HOUR));
    expect(nextSlot(busy, everyDay, monday, always(0.3))).toBeNull();
    expect(nextSlot(busy, everyDay, monday, always(0.3), { horizonDays: 40 })).not.toBeNull();
  });
});

/** random(), from fast-check: the printed seed replays the same slots. */
const randomArbitrary = fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })).map((stream) => () => stream.next().value as number);

const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC', 'Pacific/Chatham', 'America/St_Johns', 'Pacific/Kiritimati', 'America/Santiago'];
// The weeks around daylight-saving changes, where mistakes hide.
const CHANGES = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-09-27', '2026-10-25', '2026-11-01', '2027-03-28'].map((day) => at(`${day}T00:00:00Z`).getTime());

const settingsArbitrary = fc
  .record({
    dailyCap: fc.integer({ min: 1, max: 6 }),
    startHour: fc.integer({ min: 0, max: 22 }),
    length: fc.integer({ min: 1, max: 23 }),
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    timeZone: fc.constantFrom(...ZONES),
    spacingMinutes: fc.oneof(fc.integer({ min: 60, max: 240 }), fc.integer({ min: 60, max: 1440 })),
  })
  .map(({ startHour, length, ...rest }) => checkAutopilotSettings({ network: 'webhook', ...rest, startHour, endHour: Math.min(23, startHour + length) }));

const nowArbitrary = fc.oneof(
  fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -4 * DAY, max: DAY })).map(([day, shift]) => day + shift),
  fc.integer({ min: at('2026-01-01T00:00:00Z').getTime(), max: at('2028-01-01T00:00:00Z').getTime() }),
);

describe('the next slot, over random schedules', () => {
  it('keeps every slot in the allowed local hours and days, after the lead, the spacing and the cap kept, on the first day with room', { timeout: 300_000 }, () => {
    const seed = Number(process.env.FC_SEED) || Math.floor(Math.random() * 2 ** 31);
    console.log(`autopilot schedule property test: seed ${seed} (FC_SEED=${seed} repeats this run)`);
    fc.assert(
      fc.property(
        settingsArbitrary,
        nowArbitrary,
        fc.integer({ min: 0, max: 24 * HOUR }),
        fc.array(fc.integer({ min: 0, max: 30 * HOUR }), { minLength: 1, maxLength: 14 }),
        randomArbitrary,
        (rules, start, minLeadMs, advances, random) => {
          const taken: Date[] = [];
          let now = start;
          const day = (t: number) => local(t, rules.timeZone).date;
          const dayNumber = (date: string) => Math.round(at(`${date}T00:00:00Z`).getTime() / DAY);
          /** Would a publication at t keep every rule? (the oracle, on Intl alone; takenDays: the local days of taken) */
          const fits = (t: number, earliest: number, takenDays: string[]) => {
            const { weekday, hour, date } = local(t, rules.timeZone);
            return (
              t >= earliest &&
              rules.days.includes(weekday as 1) &&
              hour >= rules.startHour &&
              hour < rules.endHour &&
              takenDays.filter((other) => other === date).length < rules.dailyCap &&
              taken.every((other) => Math.abs(other.getTime() - t) >= rules.spacingMinutes * MINUTE)
            );
          };
          for (const advance of advances) {
            now += advance;
            const earliest = now + minLeadMs;
            const slot = nextSlot(rules, taken, new Date(now), random, { minLeadMs });
            const takenDays = taken.map((other) => day(other.getTime()));
            const firstDay = dayNumber(day(earliest));
            // No earlier local day had room (looked at every 10 minutes): up to the slot's day, or the horizon.
            const until = slot ? dayNumber(day(slot.getTime())) : firstDay + 30;
            for (let t = Math.ceil(earliest / (10 * MINUTE)) * 10 * MINUTE; dayNumber(day(t)) < until; t += 10 * MINUTE) {
              if (fits(t, earliest, takenDays)) throw new Error(`${new Date(t).toISOString()} fits on an earlier day than ${iso(slot)}`);
            }
            if (slot === null) continue;
            const t = slot.getTime();
            expect(t % MINUTE).toBe(0);
            expect(fits(t, earliest, takenDays), `${slot.toISOString()} breaks a rule`).toBe(true);
            taken.push(slot);
          }
          // The cap, over the whole schedule.
          const perDay = new Map<string, number>();
          for (const t of taken) perDay.set(day(t.getTime()), (perDay.get(day(t.getTime())) ?? 0) + 1);
          for (const count of perDay.values()) expect(count).toBeLessThanOrEqual(rules.dailyCap);
        },
      ),
      { numRuns: 100, seed },
    );
  });

  // Zones and their change days in 2026 (local dates), half-hour and southern ones among them.
  const CHANGE_DAYS: Array<[string, string]> = [
    ['Europe/Paris', '2026-03-29'],
    ['Europe/Paris', '2026-10-25'],
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
    ['America/St_Johns', '2026-03-08'],
    ['America/St_Johns', '2026-11-01'],
    ['Australia/Lord_Howe', '2026-04-05'],
    ['Australia/Lord_Howe', '2026-10-04'],
    ['Pacific/Chatham', '2026-04-05'],
    ['Pacific/Chatham', '2026-09-27'],
    ['America/Santiago', '2026-04-05'],
    ['America/Santiago', '2026-09-06'],
  ];

  it('opens and closes the window at the right instants on daylight-saving days', { timeout: 120_000 }, () => {
    const seed = Number(process.env.FC_SEED) || Math.floor(Math.random() * 2 ** 31);
    console.log(`autopilot daylight-saving property test: seed ${seed} (FC_SEED=${seed} repeats this run)`);
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANGE_DAYS),
        fc.integer({ min: -30 * HOUR, max: 12 * HOUR }),
        fc.integer({ min: 0, max: 22 }),
        fc.integer({ min: 1, max: 23 }),
        ([timeZone, date], shift, startHour, length) => {
          const rules = settings({ timeZone, startHour, endHour: Math.min(23, startHour + length), spacingMinutes: 60 });
          const now = at(`${date}T00:00:00Z`).getTime() + shift;
          const inWindow = (t: number) => {
            const { hour } = local(t, timeZone);
            return t >= now && hour >= rules.startHour && hour < rules.endHour;
          };
          const first = nextSlot(rules, [], new Date(now), always(0), { minLeadMs: 0 })!;
          const last = nextSlot(rules, [], new Date(now), always(LAST), { minLeadMs: 0 })!;
          expect(local(first, timeZone).date).toBe(local(last, timeZone).date);
          expect(inWindow(first.getTime()) && inWindow(last.getTime())).toBe(true);
          // The minute before the first is out of the window (or already past), and the one after the last.
          expect(inWindow(first.getTime() - MINUTE) && local(first.getTime() - MINUTE, timeZone).date === local(first, timeZone).date).toBe(false);
          expect(inWindow(last.getTime() + MINUTE) && local(last.getTime() + MINUTE, timeZone).date === local(last, timeZone).date).toBe(false);
          // The minutes in between that are in the window (not all of them: Chatham's clocks go back
          // from 3:45 to 2:45, so a window from 3:00 is left and entered again): random picks among them evenly.
          const minutes: number[] = [];
          for (let t = first.getTime(); t <= last.getTime(); t += MINUTE) if (inWindow(t)) minutes.push(t);
          for (const k of [Math.floor(minutes.length / 3), Math.floor((2 * minutes.length) / 3)]) {
            expect(nextSlot(rules, [], new Date(now), always((k + 0.5) / minutes.length), { minLeadMs: 0 })?.getTime()).toBe(minutes[k]);
          }
        },
      ),
      { numRuns: 100, seed },
    );
  });

  it('fills a day up to the cap before the next, when the spacing allows', { timeout: 120_000 }, () => {
    const seed = Number(process.env.FC_SEED) || Math.floor(Math.random() * 2 ** 31);
    console.log(`autopilot cap property test: seed ${seed} (FC_SEED=${seed} repeats this run)`);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.constantFrom(...ZONES), nowArbitrary, randomArbitrary, (cap, timeZone, start, random) => {
        // 0:00-23:00 and an hour apart: at most 23 fit a day, so a cap of 10 is always reached.
        const rules = settings({ dailyCap: cap, startHour: 0, endHour: 23, spacingMinutes: 60, timeZone });
        const taken: Date[] = [];
        for (let i = 0; i < 3 * cap; i++) {
          const slot = nextSlot(rules, taken, new Date(start), random, { minLeadMs: 0 });
          expect(slot).not.toBeNull();
          taken.push(slot!);
        }
        const days = taken.map((t) => local(t, timeZone).date);
        const counts = [...new Set(days)].map((date) => days.filter((other) => other === date).length);
        // The first day may be cut short by `now`; every later one is full before the next begins.
        expect(counts.slice(1, -1).every((count) => count === cap)).toBe(true);
        expect(Math.max(...counts)).toBeLessThanOrEqual(cap);
        expect([...days].sort()).toEqual(days);
      }),
      { numRuns: 100, seed },
    );
  });
});
