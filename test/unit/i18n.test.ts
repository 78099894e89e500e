import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { fr } from '../../src/i18n/fr.js';
import { negotiateLocale, translator } from '../../src/i18n/index.js';

describe('catalogues', () => {
  it('have the same keys and the same placeholders in both languages', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const key of Object.keys(fr) as Array<keyof typeof fr>) {
      // A plural choice counts as its variable; the words of its forms are no placeholders.
      const names = (text: string) =>
        [...text.replace(/\{(\w+), plural, one \{[^{}]*\} other \{[^{}]*\}\}/g, '{$1}').matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(en[key]), key).toEqual(names(fr[key]));
      expect(en[key].trim(), key).not.toBe('');
    }
  });
  it('fills placeholders', () => {
    expect(translator('fr')('landing.pitch.rate', { rate: '0,12 €' })).toBe("jusqu'à 0,12 €/clic");
  });
});

describe('negotiateLocale', () => {
  it.each([
    [undefined, 'fr'],
    ['en-GB,en;q=0.9', 'en'],
    ['de-DE,en;q=0.5,fr;q=0.8', 'fr'],
    ['de-DE', 'fr'],
    ['EN', 'en'],
    ['fr;q=0,en;q=0.1', 'en'],
    ['garbage;;;q=abc', 'fr'],
  ] as const)('%s → %s', (header, locale) => {
    expect(negotiateLocale(header, 'fr')).toBe(locale);
  });
});
