import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import { checkPost, composePost, countLength, type LengthRule } from '../../src/modules/publishing/post-text.js';

const link = 'https://pe.example/r/AbC123?s=p42';
const bluesky: LengthRule = { kind: 'graphemes', max: 300 };
const mastodon: LengthRule = { kind: 'code-points-short-links', max: 500, urlLength: 23 };

/** The refusal's code and message key, or null when the text is accepted. */
function refusal(text: string, rule: LengthRule = bluesky, locale: 'fr' | 'en' = 'fr'): string | null {
  try {
    checkPost(text, { link, locale, brand: 'Box bio', rule });
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.messageKey;
    throw error;
  }
}

describe('a publication’s text', () => {
  it('opens with the disclosure and the brand, and puts the link where {link} stands or at the end', () => {
    expect(composePost('Ma box : {link} 🌱', { link, locale: 'fr', brand: 'Box bio' })).toBe(`Publicité · Box bio\nMa box : ${link} 🌱`);
    expect(composePost('Try it ', { link, locale: 'en', brand: 'Box bio' })).toBe(`Ad · Box bio\nTry it\n${link}`);
  });

  it('accepts what it composed, and a light edit that keeps the disclosure and the link', () => {
    const text = composePost('Ma box : {link}', { link, locale: 'fr', brand: 'Box bio' });
    expect(refusal(text)).toBeNull();
    expect(refusal(`${text} — je recommande !`)).toBeNull();
    expect(refusal(`Publicité · Box bio\nRegarde (${link}).`)).toBeNull();
  });

  it('refuses a text whose disclosure was removed, moved or changed', () => {
    expect(refusal(`Ma box : ${link}`)).toBe('post.error.disclosure');
    expect(refusal(`Ma box : ${link}\nPublicité · Box bio`)).toBe('post.error.disclosure');
    expect(refusal(`Pub · Box bio\nMa box : ${link}`)).toBe('post.error.disclosure');
    expect(refusal(`Publicité · Box bio\n${link}`, bluesky, 'en')).toBe('post.error.disclosure');
  });

  it('refuses a text whose link was removed, cut or extended into another address', () => {
    expect(refusal('Publicité · Box bio\nMa box')).toBe('post.error.link');
    expect(refusal(`Publicité · Box bio\n${link.slice(0, -1)}`)).toBe('post.error.link');
    expect(refusal(`Publicité · Box bio\n${link}9`)).toBe('post.error.link');
    expect(refusal(`Publicité · Box bio\n${link}&s=other`)).toBe('post.error.link');
  });

  it('counts as each network counts: graphemes on Bluesky, links as 23 on Mastodon', () => {
    expect(countLength('👩‍👩‍👧 é', bluesky)).toBe(3);
    expect(countLength(`a ${link}`, mastodon)).toBe(2 + 23);
    expect(countLength('👩‍👩‍👧', { kind: 'utf16', max: 2000 })).toBe(8);
    const long = `Publicité · Box bio\n${'é'.repeat(300)} ${link}`;
    expect(refusal(long, bluesky)).toBe('post.error.tooLong');
    expect(refusal(long, mastodon)).toBeNull();
  });
});

describe('publication keys (TIDs)', () => {
  it('are 13 base32-sortable characters, increasing, and distinct', async () => {
    const { newTid, TID_FORMAT } = await import('../../src/lib/tid.js');
    const keys = Array.from({ length: 2000 }, () => newTid());
    for (const key of keys) expect(key).toMatch(TID_FORMAT);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);
    // They carry their time, as Bluesky's own record keys do (« 3le… » on 1 January 2025).
    const micros = (tid: string) => [...tid].reduce((value, char) => value * 32n + BigInt('234567abcdefghijklmnopqrstuvwxyz'.indexOf(char)), 0n) >> 10n;
    expect(Number(micros(keys.at(-1)!) / 1000n)).toBeGreaterThan(Date.now() - 60_000);
    expect(Number(micros('3lenax2ss2222') / 1000n)).toBe(Date.parse('2025-01-01T00:00:00Z'));
  });
});

describe('a publication’s link', () => {
  it('is the one its text carries, whatever BASE_URL says now', async () => {
    const { publicationLink } = await import('../../src/modules/publishing/publications.js');
    const text = 'Publicité · Box bio\nVoir https://brand.example/x et https://old.example/r/AbCdEf1234 #bio';
    expect(publicationLink({ text, linkCode: 'AbCdEf1234' }, new URL('https://new.example'))).toBe('https://old.example/r/AbCdEf1234');
    // Another code that starts the same is not this one; without it in the text, today's address.
    expect(publicationLink({ text: `${text}5`, linkCode: 'AbCdEf12345' }, new URL('https://new.example'))).toBe('https://new.example/r/AbCdEf12345');
    expect(publicationLink({ text: 'no link', linkCode: 'AbCdEf1234' }, new URL('https://new.example'))).toBe('https://new.example/r/AbCdEf1234');
  });
});
