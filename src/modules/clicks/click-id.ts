/**
 * The click id the redirect hands the shop (issue 17), so that a sale reported later names the
 * click it came from: `<the click's metric_events id in base36>.<MAC>`, the MAC being
 * base64url(HMAC-SHA256(clickIdKey, 'click:' + id in decimal)) cut to 16 characters (96 bits).
 * Unguessable without APP_SECRET (the key is derived from it: config.ts), and it names exactly
 * one stored click: the id is the ledger row's own, returned by `record_click_batch_ids` in the
 * call that writes it (no index, no round trip of its own).
 *
 * `parseClickId` is what the sales code calls: the click's id, or null for anything malformed or
 * forged. Whether such a click earns (a bot's, a duplicate, another campaign's) is for it to decide.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_LENGTH = 16;
/** Base36 of a positive safe integer (at most 11 digits), a dot, the MAC. */
const CLICK_ID_FORMAT = /^([1-9a-z][0-9a-z]{0,10})\.([A-Za-z0-9_-]{16})$/;

export interface ClickIdKey {
  /** 32 bytes derived from APP_SECRET (`Config.clickIdKey`). */
  clickIdKey: Buffer;
}

function mac(key: Buffer, eventId: number): string {
  return createHmac('sha256', key).update(`click:${eventId}`).digest('base64url').slice(0, MAC_LENGTH);
}

/** The click id of the ledger row `eventId`. */
export function clickIdFor(config: ClickIdKey, eventId: number): string {
  if (!Number.isSafeInteger(eventId) || eventId <= 0) throw new RangeError(`not a click's id: ${eventId}`);
  return `${eventId.toString(36)}.${mac(config.clickIdKey, eventId)}`;
}

/** The ledger id the click id names, or null when it is malformed or its MAC is not ours. */
export function parseClickId(config: ClickIdKey, text: string): number | null {
  if (typeof text !== 'string') return null;
  const match = CLICK_ID_FORMAT.exec(text);
  if (!match) return null;
  const eventId = parseInt(match[1]!, 36);
  // One spelling per id (no leading zeros, checked by the pattern; nothing beyond 2^53).
  if (!Number.isSafeInteger(eventId) || eventId.toString(36) !== match[1]) return null;
  const expected = Buffer.from(mac(config.clickIdKey, eventId), 'latin1');
  const given = Buffer.from(match[2]!, 'latin1');
  return given.length === expected.length && timingSafeEqual(given, expected) ? eventId : null;
}

/**
 * Where a link redirects with a click id: its stored URL split once (when the link is cached)
 * into what comes before the id and what comes after it. The parameter is added to the query
 * (after `&` if there is one, else `?`), before any fragment; a parameter of the same name already
 * in the stored URL is dropped, so the shop reads one id, this click's. The stored URL is otherwise
 * kept to the byte (not re-serialised). The parameter's name is restricted by the database
 * (`campaigns.click_param`), and is encoded all the same.
 */
export interface ClickLocation {
  /** The stored URL alone: a redirect without a recorded click (HEAD, prefetch, a lost click). */
  plain: string;
  before: string;
  after: string;
}

export function clickLocation(targetUrl: string, clickParam: string): ClickLocation {
  const hashAt = targetUrl.indexOf('#');
  const beforeHash = hashAt === -1 ? targetUrl : targetUrl.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : targetUrl.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  const path = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);
  const name = encodeURIComponent(clickParam);
  const kept = query.split('&').filter((pair) => pair !== '' && !sameName(pair, clickParam));
  return { plain: targetUrl, before: `${path}?${[...kept, ''].join('&')}${name}=`, after: fragment };
}

function sameName(pair: string, name: string): boolean {
  const equalsAt = pair.indexOf('=');
  const raw = equalsAt === -1 ? pair : pair.slice(0, equalsAt);
  if (raw === name) return true;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')) === name;
  } catch {
    return false;
  }
}

/** The redirect's Location for a recorded click (its click id appended), or the stored URL alone. */
export function locationWithClickId(location: ClickLocation, clickId: string | null): string {
  return clickId === null ? location.plain : location.before + encodeURIComponent(clickId) + location.after;
}
