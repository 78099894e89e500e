/**
 * The autopilot's scheduling rules (issue 16), pure: no database, no clock, no randomness of its
 * own. `checkAutopilotSettings` turns a partner's form for one connected account into clean
 * settings or one refusal naming the field; `nextSlot` says when the account's next publication
 * goes out, given what is already scheduled or published on it, the time now and a random source.
 *
 * Days and hours are the partner's, in their time zone, computed with Intl: a local day lasts 23
 * or 25 hours on a daylight-saving day. The allowed window of a day is every instant whose local
 * date is that day and whose local hour is in [start, end): an hour skipped in spring has no
 * instant, an hour repeated in autumn has both of its instants, so no slot is ever a local time
 * that does not exist, and none is counted twice.
 */
import type { NetworkName } from '../../../db/schema.js';
import type { MessageKey } from '../../../i18n/index.js';
import { InputError } from '../../../lib/errors.js';

/**
 * The most automated publications a day the autopilot allows per account on each network (what
 * the network tolerates from a person's account without looking like spam); null where
 * autopublish is not offered at all (networks shared by hand, in assisted mode, X among them).
 */
export const NETWORK_DAILY_CEILING: Readonly<Record<NetworkName, number | null>> = {
  mastodon: 5,
  bluesky: 10,
  telegram: 10,
  discord: 10,
  webhook: 24,
  x: null,
  instagram: null,
  tiktok: null,
  linkedin: null,
  facebook: null,
};

export const AUTOPILOT_DEFAULTS = {
  dailyCap: 1,
  startHour: 9,
  endHour: 21,
  days: [1, 2, 3, 4, 5, 6, 7],
  timeZone: 'Europe/Paris',
  spacingMinutes: 180,
} as const;

export const MIN_SPACING_MINUTES = 60;
export const MAX_SPACING_MINUTES = 24 * 60;
/** The veto window: a partner hears of a publication at least this long before it goes out. */
export const DEFAULT_MIN_LEAD_MS = 12 * 3_600_000;
/** How many of the partner's local days `nextSlot` looks through before giving up. */
export const DEFAULT_HORIZON_DAYS = 30;

/** ISO weekdays: 1 is Monday, 7 is Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface AutopilotSettings {
  /** At most this many publications on one of the partner's local days. */
  readonly dailyCap: number;
  /** The allowed hours, local: from startHour:00 to endHour:00 (exclusive), the same day. */
  readonly startHour: number;
  readonly endHour: number;
  /** The allowed local days, ascending, at least one. */
  readonly days: readonly IsoWeekday[];
  /** An IANA time zone name. */
  readonly timeZone: string;
  /** At least this long between two publications on the account. */
  readonly spacingMinutes: number;
}

/** A form's values (strings, or numbers from JSON); a missing or empty one takes its default. */
export interface AutopilotSettingsInput {
  readonly network: string;
  readonly dailyCap?: unknown;
  readonly startHour?: unknown;
  readonly endHour?: unknown;
  /** An array of weekdays, or one (a form with a single box ticked sends a string). */
  readonly days?: unknown;
  readonly timeZone?: unknown;
  readonly spacingMinutes?: unknown;
}

// The catalogue's keys of this module's refusals (src/i18n/parts/autopilot-fr.ts).
const ERROR = {
  network: 'autopilot.error.network',
  assisted: 'autopilot.error.assisted',
  cap: 'autopilot.error.cap',
  hour: 'autopilot.error.hour',
  reversed: 'autopilot.error.reversed',
  days: 'autopilot.error.days',
  timeZone: 'autopilot.error.timeZone',
  spacing: 'autopilot.error.spacing',
} as const satisfies Record<string, MessageKey>;

const absent = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** A whole number from a number or a plain decimal string ("3", " 12 "), else null. */
function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d{1,9}\s*$/.test(value)) return Number(value.trim());
  return null;
}

function integerIn(field: string, value: unknown, fallback: number, min: number, max: number, key: MessageKey, params: Record<string, number>): number {
  if (absent(value)) return fallback;
  const n = wholeNumber(value);
  if (n === null || n < min || n > max) throw new InputError(field, key, params);
  return n;
}

let zoneNames: Map<string, string> | undefined;

/** The zone's IANA name as Intl lists it (any letter case accepted), or null if Intl knows no such zone. */
export function ianaTimeZone(value: string): string | null {
  const name = value.trim();
  // Intl also takes offsets ("+01:00") in some versions: not a zone, no daylight-saving rules.
  if (name === '' || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return null;
  zoneNames ??= new Map(Intl.supportedValuesOf('timeZone').map((zone) => [zone.toLowerCase(), zone]));
  const listed = zoneNames.get(name.toLowerCase());
  if (listed) return listed;
  try {
    // Names Intl accepts without listing them: UTC, and aliases such as Asia/Kolkata on some versions.
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.toLowerCase() === 'utc' ? 'UTC' : name;
  } catch {
    return null;
  }
}

/**
 * Clean autopilot settings for an account on `input.network`, or an InputError naming the first
 * field at fault. `ceilings` is the per-network maximum of the daily cap (NETWORK_DAILY_CEILING).
 */
export function checkAutopilotSettings(input: AutopilotSettingsInput, ceilings: Readonly<Record<string, number | null>> = NETWORK_DAILY_CEILING): AutopilotSettings {
  if (typeof input.network !== 'string' || !Object.hasOwn(ceilings, input.network)) throw new InputError('network', ERROR.network);
  const ceiling = ceilings[input.network];
  if (ceiling === null || ceiling === undefined || ceiling < 1) throw new InputError('network', ERROR.assisted, { network: input.network });

  const dailyCap = integerIn('dailyCap', input.dailyCap, AUTOPILOT_DEFAULTS.dailyCap, 1, ceiling, ERROR.cap, { max: ceiling });
  const startHour = integerIn('startHour', input.startHour, AUTOPILOT_DEFAULTS.startHour, 0, 23, ERROR.hour, {});
  const endHour = integerIn('endHour', input.endHour, AUTOPILOT_DEFAULTS.endHour, 0, 23, ERROR.hour, {});
  // One window a day, inside the day: 21 → 9 would straddle midnight, and is refused as reversed.
  if (startHour >= endHour) throw new InputError('endHour', ERROR.reversed, { start: startHour, end: endHour });

  let days: IsoWeekday[] = [...AUTOPILOT_DEFAULTS.days];
  if (!absent(input.days)) {
    const given = Array.isArray(input.days) ? (input.days as unknown[]) : [input.days];
    const numbers = given.filter((day) => !absent(day)).map(wholeNumber);
    if (numbers.length === 0 || numbers.some((day) => day === null || day < 1 || day > 7)) throw new InputError('days', ERROR.days);
    days = [...new Set(numbers as IsoWeekday[])].sort((a, b) => a - b);
  }

  let timeZone: string = AUTOPILOT_DEFAULTS.timeZone;
  if (!absent(input.timeZone)) {
    const zone = typeof input.timeZone === 'string' ? ianaTimeZone(input.timeZone) : null;
    if (zone === null) throw new InputError('timeZone', ERROR.timeZone, { zone: String(input.timeZone).slice(0, 64) });
    timeZone = zone;
  }

  const spacingMinutes = integerIn('spacingMinutes', input.spacingMinutes, AUTOPILOT_DEFAULTS.spacingMinutes, MIN_SPACING_MINUTES, MAX_SPACING_MINUTES, ERROR.spacing, {
    min: MIN_SPACING_MINUTES,
    max: MAX_SPACING_MINUTES,
  });
  return { dailyCap, startHour, endHour, days, timeZone, spacingMinutes };
}

// ---------------------------------------------------------------------------------------------
// Local time with Intl. A "wall" value is the local date and time read as if it were UTC, in ms:
// wall(t) = t + offset(t); a local day is wall ∈ [Date.UTC(y, m, d), Date.UTC(y, m, d + 1)).

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** The zone's offset from UTC at instant t, in ms (whole seconds: zones change on whole seconds). */
function offsetAt(zone: string, t: number): number {
  const second = Math.floor(t / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(second)) parts[part.type] = part.value;
  const wall = new Date(0);
  wall.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return wall.getTime() - second;
}

interface Span {
  /** Instants [start, end), ms; the offset is the same throughout. */
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

/**
 * The zone's offsets over [from, to): spans of one offset each. Sampled hourly, each change found
 * to the second by bisection (no zone changes its offset twice within an hour).
 */
function offsetSpans(offset: (t: number) => number, from: number, to: number): Span[] {
  const spans: Span[] = [];
  let start = from;
  let current = offset(from);
  for (let t = from; t < to; ) {
    const next = Math.min(t + HOUR, to);
    const after = offset(next);
    if (after !== current) {
      // The change is in (t, next]: the first second with the new offset.
      let lo = Math.floor(t / 1000);
      let hi = Math.ceil(next / 1000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offset(mid * 1000) === current) lo = mid;
        else hi = mid;
      }
      spans.push({ start, end: hi * 1000, offset: current });
      start = hi * 1000;
      current = offset(start);
    }
    t = next;
  }
  spans.push({ start, end: to, offset: current });
  return spans;
}

/** Half-open intervals [start, end) of instants, ms. */
type Interval = readonly [number, number];

/** The instants whose local time (wall) is in [wallFrom, wallTo), as sorted disjoint intervals. */
function instantsWithWall(offset: (t: number) => number, wallFrom: number, wallTo: number): Interval[] {
  // Offsets lie within −12 h and +14 h, so the instants lie within wallFrom − 14 h and wallTo + 12 h.
  const intervals: Interval[] = [];
  for (const span of offsetSpans(offset, wallFrom - 15 * HOUR, wallTo + 13 * HOUR)) {
    const start = Math.max(span.start, wallFrom - span.offset);
    const end = Math.min(span.end, wallTo - span.offset);
    if (start < end) intervals.push([start, end]);
  }
  return normalise(intervals);
}

/** Sorted, with overlapping or touching intervals merged. */
function normalise(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** `intervals` without [cutStart, cutEnd). */
function subtract(intervals: Interval[], cutStart: number, cutEnd: number): Interval[] {
  const result: Interval[] = [];
  for (const [start, end] of intervals) {
    if (cutEnd <= start || cutStart >= end) {
      result.push([start, end]);
      continue;
    }
    if (start < cutStart) result.push([start, cutStart]);
    if (cutEnd < end) result.push([cutEnd, end]);
  }
  return result;
}

export interface SlotOptions {
  /** The veto window: no slot earlier than now + minLeadMs (default 12 h). */
  readonly minLeadMs?: number;
  /** How many local days to look through, from the one of now + minLeadMs (default 30). */
  readonly horizonDays?: number;
}

/**
 * When the account's next publication goes out: a random whole minute, uniform over the free
 * time of the first of the partner's allowed local days that has room, or null if none of the
 * next `horizonDays` has. Free time is that day's allowed hours, from now + minLeadMs on, minus
 * less than `spacingMinutes` around any `taken` instant (the account's publications scheduled or
 * out); a day has room while it holds fewer than `dailyCap` of them. `random` returns [0, 1).
 */
export function nextSlot(settings: AutopilotSettings, taken: readonly Date[], now: Date, random: () => number, options: SlotOptions = {}): Date | null {
  const { minLeadMs = DEFAULT_MIN_LEAD_MS, horizonDays = DEFAULT_HORIZON_DAYS } = options;
  const memo = new Map<number, number>();
  const offset = (t: number) => {
    let value = memo.get(t);
    if (value === undefined) memo.set(t, (value = offsetAt(settings.timeZone, t)));
    return value;
  };
  const earliest = now.getTime() + minLeadMs;
  const spacing = settings.spacingMinutes * MINUTE;
  const takenTimes = taken.map((date) => date.getTime());

  // How many taken instants each local day holds (by its number of days since 1970-01-01).
  const perDay = new Map<number, number>();
  for (const t of takenTimes) {
    const day = Math.floor((t + offsetAt(settings.timeZone, t)) / DAY);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }

  const firstDay = Math.floor((earliest + offsetAt(settings.timeZone, earliest)) / DAY);
  for (let day = firstDay; day < firstDay + horizonDays; day++) {
    // 1970-01-01 was a Thursday (ISO 4).
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
    if (!settings.days.includes(weekday as IsoWeekday)) continue;
    if ((perDay.get(day) ?? 0) >= settings.dailyCap) continue;

    let free = instantsWithWall(offset, day * DAY + settings.startHour * HOUR, day * DAY + settings.endHour * HOUR);
    free = subtract(free, -Infinity, earliest);
    // |slot − t| ≥ spacing: out go the instants strictly closer than that.
    for (const t of takenTimes) free = subtract(free, t - spacing + 1, t + spacing);

    // Whole minutes only: a time a person reads as it is.
    const minutes = free
      .map(([start, end]) => [Math.ceil(start / MINUTE), Math.ceil(end / MINUTE)] as const)
      .filter(([first, after]) => first < after);
    const total = minutes.reduce((sum, [first, after]) => sum + after - first, 0);
    if (total === 0) continue;

    let index = Math.min(total - 1, Math.max(0, Math.floor(random() * total)));
    for (const [first, after] of minutes) {
      if (index < after - first) return new Date((first + index) * MINUTE);
      index -= after - first;
    }
  }
  return null;
}

/** Why a time the partner chose does not fit their settings (null: it fits). */
export type SlotRefusal = 'window' | 'cap' | 'spacing';

/**
 * Whether `candidate` fits the settings as a slot of the account: on an allowed local day, in the
 * allowed hours, on a day with room under the cap, and at least the spacing from every `taken`
 * instant (the account's other publications scheduled or out).
 */
export function checkSlot(settings: AutopilotSettings, taken: readonly Date[], candidate: Date): SlotRefusal | null {
  const t = candidate.getTime();
  const local = t + offsetAt(settings.timeZone, t);
  const day = Math.floor(local / DAY);
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  const hour = Math.floor((local - day * DAY) / HOUR);
  if (!settings.days.includes(weekday as IsoWeekday) || hour < settings.startHour || hour >= settings.endHour) return 'window';
  const sameDay = taken.filter((other) => Math.floor((other.getTime() + offsetAt(settings.timeZone, other.getTime())) / DAY) === day).length;
  if (sameDay >= settings.dailyCap) return 'cap';
  const spacing = settings.spacingMinutes * MINUTE;
  if (taken.some((other) => Math.abs(other.getTime() - t) < spacing)) return 'spacing';
  return null;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * The instant a local date and time (an `<input type="datetime-local">` value, "2026-12-03T14:30")
 * names in the zone, or null when it is malformed or does not exist there (the hour skipped in
 * spring). A time repeated in autumn names its first instant.
 */
export function wallToInstant(value: string, timeZone: string): Date | null {
  const match = WALL.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== day || hour > 23 || minute > 59) return null;
  // The instant is wall − offset, with the offset of that instant: try both offsets around it.
  const candidates = [...new Set([wall - offsetAt(timeZone, wall - 14 * HOUR), wall - offsetAt(timeZone, wall + 14 * HOUR), wall - offsetAt(timeZone, wall)])].sort((a, b) => a - b);
  const found = candidates.find((t) => t + offsetAt(timeZone, t) === wall);
  return found === undefined ? null : new Date(found);
}

/** The local date and time of an instant in the zone, as "2026-12-03T14:30" (to the minute). */
export function instantToWall(instant: Date, timeZone: string): string {
  const local = new Date(Math.floor(instant.getTime() / MINUTE) * MINUTE + offsetAt(timeZone, instant.getTime()));
  return local.toISOString().slice(0, 16);
}
