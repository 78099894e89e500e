import { describe, expect, it } from 'vitest';
import type { InputError } from '../../src/lib/errors.js';
import { checkedPseudonym, keysOf, mixesScripts, normalisePseudonym } from '../../src/modules/partners/pseudonym.js';

/** Two pseudonyms are one name when they share a key. */
const sameName = (a: string, b: string) => keysOf(a).some((key) => keysOf(b).includes(key));

describe('pseudonym keys (UTS #39 skeletons after NFKC, case folded before and after)', () => {
  it('gives a shared key to names a reader cannot tell apart', () => {
    const pairs: Array<[string, string]> = [
      ['Lina', 'LINA'], ['Lina', 'lina'], ['Lina', 'Lіna' /* Cyrillic і */], ['Lina', 'Ｌｉｎａ' /* full width */],
      ['Alex', 'AIex' /* capital i */], ['Ivan', 'lvan'], ['Paypal', 'PayPaI'], ['Bill', 'BiII'],
      ['TOM', 'ТОМ' /* all Cyrillic */], ['HOPE', 'НОРЕ'], ['MIA', 'МІА'], ['ABE', 'ΑΒΕ' /* all Greek */], ['Ape', 'Аре'],
      ['Sam', 'Sarn'], ['Straße', 'STRASSE'], ['Paul0', 'PaulO'], ['Maxim', 'MAXIM'],
    ];
    for (const [a, b] of pairs) expect(sameName(a, b), `${a} / ${b}`).toBe(true);
  });

  it('keeps different names apart', () => {
    for (const [a, b] of [['Lina', 'Line'], ['Lina', 'Lina2'], ['Zoé', 'Zoe'], ['Max', 'Mix'], ['Ana', 'Anna']]) expect(sameName(a!, b!), `${a} / ${b}`).toBe(false);
  });
});

describe('mixed scripts and invisible characters', () => {
  it('refuses letters of two scripts, Han strokes and Hangul letters among Latin ones included', () => {
    for (const mixed of ['Lіna', 'Pаul', 'Sοfia' /* Greek ο */, 'Abcд', 'Biㅣㅣ', '丨van', 'Tanaka田中']) expect(mixesScripts(mixed), mixed).toBe(true);
  });

  it('accepts one script, digits and punctuation, and the scripts Japanese, Chinese and Korean write together', () => {
    for (const fine of ['Lina', 'Chloé-92', 'Ελένη', 'Алёна', 'Lina démo', '田中さん', '김민준', '王小明', 'ローラ', 'x_y.z', 'O’Brien', 'Lina 2026']) expect(mixesScripts(fine), fine).toBe(false);
  });

  it('names the rule a pseudonym breaks, and takes names written with marks or decomposed', () => {
    const error = (text: string) => {
      try {
        checkedPseudonym(normalisePseudonym(text));
        return null;
      } catch (thrown) {
        return (thrown as InputError).messageKey;
      }
    };
    expect(error('Lіna')).toBe('portal.pseudonym.error.mixedScripts');
    expect(error('Lina\u3164')).toBe('portal.pseudonym.error.invisible'); // a Hangul filler
    expect(error('Li\u200Bna')).toBe('portal.pseudonym.error.invisible'); // a zero-width space
    expect(error('Lina (démo)')).toBe('portal.pseudonym.error.format');
    expect(error('x')).toBe('portal.pseudonym.error.format');
    for (const fine of ['  Lina   démo ', "O'Brien", 'Chloe\u0301' /* decomposed é */, 'अनुष्का', 'สมชาย']) expect(error(fine), fine).toBeNull();
    expect(normalisePseudonym('Chloe\u0301')).toBe('Chloé');
  });
});
