import { describe, expect, it } from 'vitest';
import { isBotUserAgent, isPrefetch } from '../../src/modules/clicks/click-rules.js';

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
