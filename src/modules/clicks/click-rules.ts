/**
 * The click's validity rules that need no database, and where every rule is decided. In order:
 *
 * | rule           | verdict          | decided                                                         |
 * |----------------|------------------|-----------------------------------------------------------------|
 * | HEAD, prefetch | (not recorded)   | here, `isPrefetch`; the route and the fast path redirect only    |
 * | bot            | `bot`            | here, `isBotUserAgent` (isbot, empty user agent)                 |
 * | no navigation  | `not_navigation` | here, `isNotNavigation` (Fetch Metadata)                         |
 * | inactive       | `inactive`       | record_clicks (migrations/functions/): the campaign's status    |
 * | suspended      | `suspended`      | record_clicks: the partner's status                              |
 * | self           | `self`           | record_clicks: the partner signed in on the clicking browser     |
 * | duplicate      | `duplicate`      | record_clicks: `dedupeKey` below, within CLICK_DEDUPE_HOURS      |
 * | over_cap       | `over_cap`       | record_clicks: MAX_PAID_CLICKS_PER_DAY, under the partner-day row |
 * | otherwise      | `valid`          | record_clicks: paid at the campaign's rate of that moment        |
 *
 * The verdicts are declared once, `VERDICTS` in db/schema.ts; a database test checks the ledger's
 * constraint, the summary's columns and record_clicks against that list.
 */
import { createHmac } from 'node:crypto';
import { isbot } from 'isbot';

/**
 * isbot's verdicts, by user agent. Its pattern is long: matching it was about a twentieth of the
 * server's CPU per click under load (a `perf` profile, BENCHMARKS.md), and real traffic repeats a
 * few thousand user agents. Bounded in entries and in length, so odd user agents cannot grow it:
 * at most 10,000 × 300 characters; when full it starts again.
 */
const botVerdicts = new Map<string, boolean>();
const REMEMBERED_AGENTS = 10_000;
const REMEMBERED_AGENT_LENGTH = 300;

/** An empty user agent is no browser a person uses: counted as a bot. */
export function isBotUserAgent(userAgent: string | undefined): boolean {
  const ua = (userAgent ?? '').trim();
  if (ua === '') return true;
  const known = botVerdicts.get(ua);
  if (known !== undefined) return known;
  const verdict = isbot(ua);
  if (ua.length <= REMEMBERED_AGENT_LENGTH) {
    if (botVerdicts.size >= REMEMBERED_AGENTS) botVerdicts.clear();
    botVerdicts.set(ua, verdict);
  }
  return verdict;
}

type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * Only a top-level navigation can earn. Browsers say what a request is for (Fetch Metadata): an
 * `<img>`, `<script>`, `<iframe>` or `fetch()` pointing at a link declares a destination other than
 * `document` or a mode other than `navigate`, and a partner could otherwise be paid for every
 * visitor of any page that embeds the link. A request that declares neither (older browsers, some
 * in-app browsers) keeps the other rules. `Sec-Fetch-User` is not required: navigations through
 * an interstitial or a script redirect of a link shortener lack it.
 */
export function isNotNavigation(headers: RequestHeaders): boolean {
  const destination = headers['sec-fetch-dest'];
  const mode = headers['sec-fetch-mode'];
  return (destination !== undefined && destination !== 'document') || (mode !== undefined && mode !== 'navigate');
}

/**
 * The verdict the app gives without the database, first in the rules' order, or null: bot, then
 * not_navigation. The rest is decided by `record_clicks` (migrations/functions/record_clicks.sql).
 */
export function appVerdict(click: { userAgent: string | undefined; notNavigation: boolean }): 'bot' | 'not_navigation' | null {
  if (isBotUserAgent(click.userAgent)) return 'bot';
  return click.notNavigation ? 'not_navigation' : null;
}

/** Browsers' speculative loads are not clicks: they redirect but are never recorded. */
export function isPrefetch(headers: RequestHeaders): boolean {
  const value = (name: string) => String(headers[name] ?? '').toLowerCase();
  return (
    value('purpose').includes('prefetch') ||
    value('sec-purpose').includes('prefetch') ||
    value('x-purpose').includes('preview') ||
    value('x-moz').includes('prefetch')
  );
}

/** UTC calendar day of a moment, as YYYY-MM-DD: the unit of caps and daily statistics. */
export function utcDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

/**
 * The visitor stored on a click: a keyed hash of address and user agent under that UTC day's
 * random key (see visitor-keys.ts), so no raw address is kept, visitors cannot be followed from one
 * day to the next, and once the key is deleted nobody can recompute a hash from an address.
 */
export function visitorHash(dayKey: string, address: string, userAgent: string): string {
  return createHmac('sha256', dayKey).update(`${address}\0${userAgent}`).digest('base64url').slice(0, 22);
}

/**
 * The de-duplication key of a visitor on one link, kept only while the window lasts. Bound to the
 * link, so keys of two links cannot be matched to one visitor.
 */
export function dedupeKey(secret: string, code: string, address: string, userAgent: string): string {
  return createHmac('sha256', secret).update(`click-dedupe\0${code}\0${address}\0${userAgent}`).digest('base64url').slice(0, 22);
}
