import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clickIdFor, clickLocation, locationWithClickId, parseClickId } from '../../src/modules/clicks/click-id.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const other = testConfig({ APP_SECRET: 'another-secret-another-secret-another-0123' });

describe('click ids', () => {
  it('names the ledger row it was made for, and only with the key that made it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (id) => {
        const clickId = clickIdFor(config, id);
        expect(clickId).toMatch(/^[0-9a-z]{1,11}\.[A-Za-z0-9_-]{16}$/);
        expect(parseClickId(config, clickId)).toBe(id);
        expect(parseClickId(other, clickId)).toBeNull();
      }),
    );
    expect(clickIdFor(config, 35).split('.')[0]).toBe('z');
    expect(clickIdFor(config, 36).split('.')[0]).toBe('10');
  });

  it('is the id in base36 and 96 bits of HMAC-SHA256 under a key of its own, derived from APP_SECRET', () => {
    const expected = createHmac('sha256', config.clickIdKey).update('click:123456').digest('base64url').slice(0, 16);
    expect(clickIdFor(config, 123456)).toBe(`2n9c.${expected}`);
    expect(config.clickIdKey).toHaveLength(32);
    for (const key of [config.payoutDetailsKey, config.credentialsKey, Buffer.from(config.appSecret)]) expect(config.clickIdKey.equals(key)).toBe(false);
    expect(testConfig().clickIdKey.equals(config.clickIdKey)).toBe(true);
  });

  it('refuses a forged MAC: another id under the same MAC, one character changed, a MAC cut or lengthened', () => {
    const good = clickIdFor(config, 4242);
    const [id, mac] = good.split('.') as [string, string];
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    for (const forged of [`${(4243).toString(36)}.${mac}`, `${id}.${flipped}`, `${id}.${mac.slice(1)}`, `${id}.${mac}A`, `${id}.${'A'.repeat(16)}`]) {
      expect(parseClickId(config, forged), forged).toBeNull();
    }
  });

  it('refuses anything malformed without throwing', () => {
    const good = clickIdFor(config, 4242);
    const [id, mac] = good.split('.') as [string, string];
    const malformed = [
      '', '.', good + '.', '.' + good, ` ${good}`, `${good} `, `${id.toUpperCase()}.${mac}`, `0${id}.${mac}`, `0.${mac}`, `-${id}.${mac}`,
      `${id}:${mac}`, `${id}${mac}`, `${'z'.repeat(11)}.${mac}`, `${'1'.repeat(12)}.${mac}`, `${id}.${mac.slice(0, 15)}+`, `${id}.${mac.slice(0, 15)}=`,
      encodeURIComponent(`${id}.${mac}`).replace('.', '%2E'), '4242', 'null', 'undefined',
    ];
    for (const text of malformed) expect(parseClickId(config, text), text).toBeNull();
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => void expect(parseClickId(config, text)).toBeNull()));
    expect(parseClickId(config, null as unknown as string)).toBeNull();
    expect(() => clickIdFor(config, 0)).toThrow(RangeError);
    expect(() => clickIdFor(config, 2 ** 53)).toThrow(RangeError);
  });
});

describe('the redirect’s location with a click id', () => {
  const at = (url: string, param = 'pe_click', clickId: string | null = '1a.ABCDEFGHIJKLMNOP') => locationWithClickId(clickLocation(url, param), clickId);

  it('appends the parameter to any stored URL, the fragment kept after it', () => {
    expect(at('https://shop.example/')).toBe('https://shop.example/?pe_click=1a.ABCDEFGHIJKLMNOP');
    expect(at('https://shop.example/p?a=1#top', 'ref')).toBe('https://shop.example/p?a=1&ref=1a.ABCDEFGHIJKLMNOP#top');
    expect(at('https://shop.example/p#top?x=1')).toBe('https://shop.example/p?pe_click=1a.ABCDEFGHIJKLMNOP#top?x=1');
    expect(at('https://shop.example/p?')).toBe('https://shop.example/p?pe_click=1a.ABCDEFGHIJKLMNOP');
    expect(at('https://shop.example/p?a=1&')).toBe('https://shop.example/p?a=1&pe_click=1a.ABCDEFGHIJKLMNOP');
    expect(at('https://shop.example/p?q=caf%C3%A9&b=%26#')).toBe('https://shop.example/p?q=caf%C3%A9&b=%26&pe_click=1a.ABCDEFGHIJKLMNOP#');
  });

  it('replaces a parameter of the same name in the stored URL, so the shop reads this click’s id alone', () => {
    expect(at('https://shop.example/p?pe_click=stale&a=1&pe_click')).toBe('https://shop.example/p?a=1&pe_click=1a.ABCDEFGHIJKLMNOP');
    expect(at('https://shop.example/p?pe%5Fclick=stale&pe_clicks=1')).toBe('https://shop.example/p?pe_clicks=1&pe_click=1a.ABCDEFGHIJKLMNOP');
    expect(at('https://shop.example/p?%E0%A4%A=1')).toBe('https://shop.example/p?%E0%A4%A=1&pe_click=1a.ABCDEFGHIJKLMNOP');
  });

  it('encodes what it appends, and leaves the stored URL alone when no click was recorded', () => {
    expect(at('https://shop.example/p', 'pe_click', 'a b&c')).toBe('https://shop.example/p?pe_click=a%20b%26c');
    expect(at('https://shop.example/p?pe_click=x#top', 'pe_click', null)).toBe('https://shop.example/p?pe_click=x#top');
    const url = new URL(at('https://shop.example/p?a=1#top', 'ref', clickIdFor(config, 77)));
    expect(parseClickId(config, url.searchParams.get('ref')!)).toBe(77);
    expect(url.hash).toBe('#top');
  });
});
