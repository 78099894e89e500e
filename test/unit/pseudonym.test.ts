import { describe, expect, it } from 'vitest';
import type { InputError } from '../../src/lib/errors.js';
import { checkedPseudonym, mixesScripts, normalizePseudonym, pseudonymKey } from '../../src/modules/partners/pseudonym.js';

describe('pseudonym keys (UTS #39 skeletons after NFKC and case folding)', () => {
  it('gives one key to names a reader cannot tell apart', () => {
    const lina = pseudonymKey('Lina');
    for (const same of ['LINA', 'lina', 'Lіna' /* Cyrillic і */, 'Ｌｉｎａ' /* full width */, 'Lınа' /* dotless ı, Cyrillic а */]) expect(pseudonymKey(same), same).toBe(lina);
    expect(pseudonymKey('Аре' /* all Cyrillic */)).toBe(pseudonymKey('Ape'));
    expect(pseudonymKey('Sarn')).toBe(pseudonymKey('Sam'));
    expect(pseudonymKey('Straße')).toBe(pseudonymKey('STRASSE'));
    expect(pseudonymKey('Paul0')).toBe(pseudonymKey('PaulO'));
  });

  it('keeps different names apart', () => {
    for (const [a, b] of [['Lina', 'Line'], ['Lina', 'Lina2'], ['Zoé', 'Zoe'], ['Max', 'Mix']]) expect(pseudonymKey(a!), `${a} ${b}`).not.toBe(pseudonymKey(b!));
  });
});

describe('mixed scripts', () => {
  it('refuses letters of scripts never written together', () => {
    for (const mixed of ['Lіna', 'Pаul', 'Sοfia' /* Greek ο */, 'Abcд']) expect(mixesScripts(mixed), mixed).toBe(true);
  });

  it('accepts one script, digits and punctuation, and the CJK combinations people write', () => {
    for (const fine of ['Lina', 'Chloé-92', 'Ελένη', 'Алёна', 'Lina démo', '田中さん', 'Tanaka田中', '김민준', 'Lee 김', '王小明', 'ローラ', 'x_y.z']) expect(mixesScripts(fine), fine).toBe(false);
  });

  it('names the rule a pseudonym breaks', () => {
    const error = (text: string) => {
      try {
        checkedPseudonym(normalizePseudonym(text));
        return null;
      } catch (thrown) {
        return (thrown as InputError).messageKey;
      }
    };
    expect(error('Lіna')).toBe('portal.pseudonym.error.mixedScripts');
    expect(error('Lina (démo)')).toBe('portal.pseudonym.error.format');
    expect(error('x')).toBe('portal.pseudonym.error.format');
    expect(error('  Lina   démo ')).toBeNull();
    expect(checkedPseudonym('Lina')).toEqual({ pseudonym: 'Lina', pseudonymKey: pseudonymKey('LINA') });
  });
});
