/**
 * Timestamp identifiers as the AT Protocol defines them (atproto.com/specs/tid): 64 bits, the top
 * one 0, then microseconds since 1970 (53 bits) and a 10-bit clock id, written in 13 characters of
 * base32-sortable. A publication's idempotency key is one, chosen when it is prepared: Bluesky
 * takes it as the post's record key (so a retry can only hit the same record), every other
 * network as an opaque key.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';
export const TID_FORMAT = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;

let lastMicros = 0;

export function newTid(now = Date.now()): string {
  // Strictly increasing within this process, even when called twice in one millisecond.
  const micros = Math.max(now * 1000 + randomInt(1000), lastMicros + 1);
  lastMicros = micros;
  let value = (BigInt(micros) << 10n) | BigInt(randomInt(1024));
  let text = '';
  for (let i = 0; i < 13; i++) {
    text = ALPHABET[Number(value & 31n)]! + text;
    value >>= 5n;
  }
  return text;
}
