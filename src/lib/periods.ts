/**
 * The periods the back-office counts over, as half-open windows [from, until) of UTC time, the
 * time zone of the statistics' days: the last N days (today included), this month, this week
 * (ISO weeks start on Monday).
 */
/** A half-open window of time [from, until). */
export interface Window {
  from: Date;
  until: Date;
}

const DAY_MS = 86_400_000;

function startOfUtcDay(moment: Date): Date {
  return new Date(Date.UTC(moment.getUTCFullYear(), moment.getUTCMonth(), moment.getUTCDate()));
}

/** Today and the `days - 1` days before it. */
export function lastDays(now: Date, days: number): Window {
  const tomorrow = new Date(startOfUtcDay(now).getTime() + DAY_MS);
  return { from: new Date(tomorrow.getTime() - days * DAY_MS), until: tomorrow };
}

export function monthOf(now: Date): Window {
  return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), until: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)) };
}

export function weekOf(now: Date): Window {
  const sinceMonday = (now.getUTCDay() + 6) % 7;
  const from = new Date(startOfUtcDay(now).getTime() - sinceMonday * DAY_MS);
  return { from, until: new Date(from.getTime() + 7 * DAY_MS) };
}
