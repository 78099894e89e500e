import { describe, expect, it } from 'vitest';
import { appVerdict, isBotUserAgent, isNotNavigation, isPrefetch } from '../../src/modules/clicks/click-rules.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const BOTS = ['facebookexternalhit/1.1', 'Googlebot/2.1 (+http://www.google.com/bot.html)', 'curl/8.5.0', 'python-requests/2.31'];

describe('bot user agents', () => {
  it('tells browsers from bots, and counts an empty user agent as a bot', () => {
    for (const ua of [FIREFOX, IPHONE]) expect(isBotUserAgent(ua), ua).toBe(false);
    for (const ua of BOTS) expect(isBotUserAgent(ua), ua).toBe(true);
    for (const ua of [undefined, '', '   ']) expect(isBotUserAgent(ua), String(ua)).toBe(true);
  });

  it('gives the same verdict when asked again, after many distinct agents, and for very long agents', () => {
    // More distinct agents than are remembered: the memory starts again and verdicts do not change.
    for (let i = 0; i < 12_000; i++) expect(isBotUserAgent(`${i % 2 ? FIREFOX : 'crawler'} ${i}`)).toBe(i % 2 === 0);
    for (let round = 0; round < 3; round++) {
      expect(isBotUserAgent(FIREFOX)).toBe(false);
      expect(isBotUserAgent(BOTS[0])).toBe(true);
    }
    // Not remembered (too long), still judged.
    expect(isBotUserAgent(`${FIREFOX} ${'x'.repeat(400)}`)).toBe(false);
    expect(isBotUserAgent(`Googlebot/2.1 ${'x'.repeat(400)}`)).toBe(true);
  });
});

describe('prefetches', () => {
  it('recognises the speculative loads of browsers and nothing else', () => {
    expect(isPrefetch({ purpose: 'prefetch' })).toBe(true);
    expect(isPrefetch({ 'sec-purpose': 'prefetch;prerender' })).toBe(true);
    expect(isPrefetch({ 'x-moz': 'prefetch' })).toBe(true);
    expect(isPrefetch({ 'x-purpose': 'preview' })).toBe(true);
    expect(isPrefetch({ accept: 'text/html' })).toBe(false);
  });
});

describe('loads that are no navigation', () => {
  it('pays only what declares a top-level navigation, or declares nothing', () => {
    const navigation = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };
    expect(isNotNavigation(navigation)).toBe(false);
    expect(isNotNavigation({ ...navigation, 'sec-fetch-user': '?1', 'sec-fetch-site': 'cross-site' })).toBe(false);
    expect(isNotNavigation({})).toBe(false); // an older browser: the other rules decide
    for (const headers of [
      { 'sec-fetch-dest': 'image', 'sec-fetch-mode': 'no-cors' },
      { 'sec-fetch-dest': 'script', 'sec-fetch-mode': 'no-cors' },
      { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' },
      { 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate' },
      { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'cors' },
      { 'sec-fetch-dest': 'image' },
      { 'sec-fetch-mode': 'no-cors' },
      { 'sec-fetch-dest': '' },
      { 'sec-fetch-dest': 'document, image', 'sec-fetch-mode': 'navigate' }, // a header sent twice
    ]) expect(isNotNavigation(headers), JSON.stringify(headers)).toBe(true);
  });

  it('decides bot first, then not_navigation, else leaves it to the database', () => {
    expect(appVerdict({ userAgent: 'curl/8.5.0', notNavigation: true })).toBe('bot');
    expect(appVerdict({ userAgent: FIREFOX, notNavigation: true })).toBe('not_navigation');
    expect(appVerdict({ userAgent: FIREFOX, notNavigation: false })).toBeNull();
  });
});
