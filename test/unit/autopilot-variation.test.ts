/**
 * Text variation for the autopilot (issue 16): spintax read and refused with a reason, texts
 * expanded and enumerated, the variant and the combination chosen per partner, the issue's report
 * (5 variants, 200 partners: how many share each exact text) and properties over random templates.
 * The seed is printed; FC_SEED=<seed> repeats a run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/index.js';
import { InputError } from '../../src/lib/errors.js';
import {
  chooseCombination,
  chooseVariant,
  combinationAt,
  countCombinations,
  enumerateCombinations,
  expandSpintax,
  longestPostLength,
  MAX_COMBINATIONS,
  parseSpintax,
  seededRandom,
  type SpintaxReason,
} from '../../src/modules/publishing/autopilot/variation.js';
import { checkPost, composePost, countLength, NETWORK_LENGTH_RULES } from '../../src/modules/publishing/post-text.js';

const seed = Number(process.env.FC_SEED) || Math.floor(Math.random() * 2 ** 31);
console.log(`autopilot variation: seed ${seed} (FC_SEED=${seed} repeats this run)`);

const REASONS: SpintaxReason[] = ['unclosed', 'unopened', 'empty', 'single', 'duplicate', 'linkInGroup', 'linkTouched', 'linkFormed', 'tooMany', 'tooDeep'];

/** The refusal's parameters, or null when the text is accepted. */
function refusal(text: string): Record<string, string | number> | null {
  try {
    parseSpintax(text);
    return null;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.field).toBe('texts');
    expect(error.messageKey).toBe('template.error.spintax');
    return error.params;
  }
}

const texts = (text: string) => [...enumerateCombinations(parseSpintax(text))].map((combination) => combination.text);

describe('spintax', () => {
  it('reads a text without groups as its own single combination, {link} kept for composePost', () => {
    const parsed = parseSpintax('Ma box bio : {link} | 100 % locale');
    expect(countCombinations(parsed)).toBe(1);
    expect(texts('Ma box bio : {link} | 100 % locale')).toEqual(['Ma box bio : {link} | 100 % locale']);
    expect(expandSpintax(parsed, () => 0)).toBe('Ma box bio : {link} | 100 % locale');
    expect(countCombinations(parseSpintax(''))).toBe(1);
  });

  it('enumerates alternatives, nested ones included, first group first', () => {
    expect(texts('{Découvre|Essaie|Teste} la box : {link}')).toEqual(['Découvre la box : {link}', 'Essaie la box : {link}', 'Teste la box : {link}']);
    expect(texts('{a|{b|c}} {x|y}')).toEqual(['a x', 'a y', 'b x', 'b y', 'c x', 'c y']);
    expect(countCombinations(parseSpintax('{a|{b|{c|d}}}'))).toBe(4);
    expect(countCombinations(parseSpintax('{a|b}'.repeat(13)))).toBe(8192);
  });

  it('writes braces, bars and backslashes literally after a backslash; any other backslash stays', () => {
    expect(texts('\\{x\\} \\| \\\\ C:\\dossier {a\\|b|c}')).toEqual(['{x} | \\ C:\\dossier a|b', '{x} | \\ C:\\dossier c']);
  });

  it('expands with the injected choice, and refuses a choice out of range', () => {
    const parsed = parseSpintax('{Découvre|Essaie|Teste} {vite|{maintenant|ce soir}} : {link}');
    const picks: number[] = [];
    const text = expandSpintax(parsed, (n) => {
      picks.push(n);
      return n - 1;
    });
    expect(text).toBe('Teste ce soir : {link}');
    expect(picks).toEqual([3, 2, 2]);
    expect(() => expandSpintax(parsed, () => 3)).toThrow(RangeError);
    expect(() => expandSpintax(parsed, () => 0.5)).toThrow(RangeError);
    expect(combinationAt(parsed, 8)).toEqual({ key: '8', text: 'Teste ce soir : {link}' });
    expect(() => combinationAt(parsed, 9)).toThrow(RangeError);
  });

  it.each([
    ['{Découvre|Essaie la box', 'unclosed', 1],
    ['{a|{b|c} fin', 'unclosed', 1],
    ['{a|b {c|d}', 'unclosed', 1],
    ['Découvre} la box', 'unopened', 9],
    ['{a|b}}', 'unopened', 6],
    ['{a||b}', 'empty', 4],
    ['{|a}', 'empty', 2],
    ['{a| }', 'empty', 4],
    ['{}', 'empty', 2],
    ['Chez {brand} !', 'single', 6],
    ['{a|b} {c|{d}}', 'single', 10],
    ['{Essaie|Teste|Essaie}', 'duplicate', 1],
    ['{{link}|ici}', 'linkInGroup', 2],
    ['{Va sur {link}|Clique}', 'linkInGroup', 9],
    ['{Clique|Va} {link}', null, null],
    ['{Clique|Va}{link}', 'linkTouched', 12],
    ['Ici : {link}{ !| ?}', 'linkTouched', 7],
    ['\\{link\\}', 'linkFormed', null],
    ['\\{{li|lo}nk\\} {link}', 'linkFormed', null],
    ['{a|b}'.repeat(14), 'tooMany', null],
    ['{a|{b|{c|{d|e}}}}', 'tooDeep', 10],
    ['{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{', 'tooDeep', 4],
  ] as const)('%s: %s at %s', (text, reason, at) => {
    const params = refusal(text);
    if (reason === null) return expect(params).toBeNull();
    expect(params?.reason).toBe(reason);
    if (at !== null) expect(params?.at).toBe(at);
  });

  it('counts positions in characters, as a person does', () => {
    expect(refusal('🌱🌱 {a|a}')).toEqual({ reason: 'duplicate', at: 4, alternative: 'a' });
  });

  it('says every refusal in French and English, its parameters filled', () => {
    const examples = ['{a', '}', '{|a}', '{x}', '{a|a}', '{{link}|a}', '{a|b}{link}', '\\{link\\}', '{a|b}'.repeat(14), '{a|{b|{c|{d|e}}}}'];
    const seen = new Set<string | number | undefined>();
    for (const example of examples) {
      const params = refusal(example)!;
      seen.add(params.reason);
      for (const locale of ['fr', 'en'] as const) {
        const message = translator(locale)('template.error.spintax', params);
        expect(message, `${locale} ${example}: ${message}`).not.toMatch(/\{(reason|at|max|alternative)\b/);
        console.log(`  ${locale} ${JSON.stringify(example)} → ${message}`);
      }
    }
    expect([...seen].sort()).toEqual([...REASONS].sort());
  });
});

describe('choosing a variant', () => {
  const never = () => {
    throw new Error('random not needed');
  };
  it('gives the only variant, even twice in a row', () => {
    expect(chooseVariant(['a'], new Map(), ['a'], never)).toBe('a');
  });
  it('never gives the partner’s previous variant, even if it is the least used', () => {
    expect(chooseVariant(['a', 'b'], new Map([['b', 9]]), ['a'], never)).toBe('b');
  });
  it('gives the least used one', () => {
    expect(chooseVariant(['a', 'b', 'c'], new Map([['a', 3], ['b', 1], ['c', 2]]), [], never)).toBe('b');
  });
  it('among equals, one the partner never got, then one got longest ago, then the random', () => {
    expect(chooseVariant(['a', 'b', 'c'], new Map(), ['a', 'b'], never)).toBe('c');
    expect(chooseVariant(['a', 'b', 'c'], new Map(), ['a', 'c', 'b'], never)).toBe('b');
    expect(chooseVariant(['a', 'b', 'c'], new Map(), [], () => 0)).toBe('a');
    expect(chooseVariant(['a', 'b', 'c'], new Map(), [], () => 0.999)).toBe('c');
    expect(chooseVariant(['a', 'b', 'c'], new Map(), [], () => 0.5)).toBe('b');
  });
  it('ignores a previous variant no longer offered, and refuses an empty list', () => {
    expect(chooseVariant(['a', 'b'], new Map([['a', 1]]), ['gone', 'b'], never)).toBe('b');
    expect(() => chooseVariant([], new Map(), [], never)).toThrow(RangeError);
  });
});

describe('choosing a combination', () => {
  it('prefers one nobody got in the period, then the least given, and says its key', () => {
    const parsed = parseSpintax('{Découvre|Essaie|Teste} la box');
    expect(chooseCombination(parsed, ['0', '2'], () => 0.99)).toEqual({ key: '1', text: 'Essaie la box' });
    expect(chooseCombination(parsed, ['0', '1', '2', '0', '2'], () => 0)).toEqual({ key: '1', text: 'Essaie la box' });
    expect(chooseCombination(parsed, new Set(['0', '1', '2']), () => 0.99).key).toBe('2');
    expect(chooseCombination(parseSpintax('Sans groupe'), ['0', '0'], () => 0.5)).toEqual({ key: '0', text: 'Sans groupe' });
  });
});

// ---------------------------------------------------------------------------------------------
// The issue's report: 5 variants, 200 partners, 3 periods.

const VARIANTS: Record<string, string> = {
  v1: '{Découvre|Essaie|Teste} la box bio du mois : {link}',
  v2: 'Ma box préférée, {livrée chez toi|{livrée|envoyée} en 48 h} {chaque mois|sans engagement} 🌱 {link}',
  v3: 'Des produits locaux et de saison, livrés chez toi : {link}',
  v4: 'Le goût des produits frais sans courir au marché → {link}',
  v5: '{Envie|Besoin} de {légumes|fruits|produits} {frais|de saison}{ ?| !} {Jette un œil|Regarde} : {link}',
};
const PARTNERS = 200;
const ROUNDS = 3;

interface Given {
  partner: number;
  variant: string;
  key: string;
  text: string;
}

function simulate(random: () => number): Given[][] {
  const ids = Object.keys(VARIANTS);
  const parsed = new Map(ids.map((id) => [id, parseSpintax(VARIANTS[id]!)]));
  const history = new Map<number, string[]>();
  const rounds: Given[][] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // A new period: nobody got anything yet; partners come in another order.
    const usage = new Map<string, number>();
    const keys = new Map<string, string[]>(ids.map((id) => [id, []]));
    const order = Array.from({ length: PARTNERS }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const given: Given[] = [];
    for (const partner of order) {
      const variant = chooseVariant(ids, usage, history.get(partner) ?? [], random);
      const combination = chooseCombination(parsed.get(variant)!, keys.get(variant)!, random);
      usage.set(variant, (usage.get(variant) ?? 0) + 1);
      keys.get(variant)!.push(combination.key);
      history.set(partner, [variant, ...(history.get(partner) ?? [])]);
      given.push({ partner, variant, ...combination });
    }
    rounds.push(given);
  }
  return rounds;
}

/** Partners per exact text, and the figures of the report. */
function histogram(given: Given[]) {
  const byText = new Map<string, number>();
  for (const { text } of given) byText.set(text, (byText.get(text) ?? 0) + 1);
  const sizes = [...byText.values()];
  const groups = new Map<number, number>();
  for (const size of sizes) groups.set(size, (groups.get(size) ?? 0) + 1);
  return {
    distinct: byText.size,
    largest: Math.max(...sizes),
    alone: groups.get(1) ?? 0,
    groups: [...groups.entries()].sort((a, b) => a[0] - b[0]),
    byText,
  };
}

describe('the report: a campaign with 5 variants and 200 partners', () => {
  const combinations = Object.fromEntries(Object.entries(VARIANTS).map(([id, text]) => [id, countCombinations(parseSpintax(text))]));
  const total = Object.values(combinations).reduce((sum, n) => sum + n, 0);

  const perVariant = Math.ceil(PARTNERS / Object.keys(VARIANTS).length);

  /** The bounds of a period; returns the partners per variant. */
  function checkPeriod(given: Given[], round: number): Map<string, number> {
    expect(given).toHaveLength(PARTNERS);
    expect(new Set(given.map((g) => g.partner)).size).toBe(PARTNERS);
    const usage = new Map<string, number>();
    for (const { variant } of given) usage.set(variant, (usage.get(variant) ?? 0) + 1);
    // Variants balanced: in the first period exactly; later « not the previous one » may cost a little.
    const counts = [...usage.values()];
    expect(Math.max(...counts)).toBeLessThanOrEqual(perVariant + (round === 0 ? 0 : 2));
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(round === 0 ? 1 : 3);
    // Inside a variant every combination is given before any is given again: no text is shared
    // by more than ceil(partners of its variant / its combinations).
    for (const [variant, n] of usage) {
      const perKey = new Map<string, number>();
      for (const g of given.filter((g) => g.variant === variant)) perKey.set(g.key, (perKey.get(g.key) ?? 0) + 1);
      expect(Math.max(...perKey.values()), variant).toBe(Math.ceil(n / combinations[variant]!));
      expect(perKey.size, variant).toBe(Math.min(n, combinations[variant]!));
    }
    // The texts are all different here (alternatives distinct, no two variants alike), so a text's
    // group is its combination's.
    expect(histogram(given).distinct).toBe(new Set(given.map((g) => `${g.variant}/${g.key}`)).size);
    return usage;
  }

  /** No partner gets the same variant twice in a row over the periods. */
  function checkHistories(rounds: Given[][]): void {
    for (let partner = 0; partner < PARTNERS; partner += 1) {
      const got = rounds.map((given) => given.find((g) => g.partner === partner)!.variant);
      for (let i = 1; i < got.length; i += 1) expect(got[i], `partner ${partner}: ${got.join(', ')}`).not.toBe(got[i - 1]);
    }
  }

  it('spreads partners over the variants and their texts, and nobody gets a variant twice in a row', () => {
    const rounds = simulate(seededRandom(seed));
    console.log(`report (seed ${seed}): combinations per variant ${JSON.stringify(combinations)}, ${total} in all`);
    for (const [round, given] of rounds.entries()) {
      const usage = checkPeriod(given, round);
      const figures = histogram(given);
      console.log(
        `  period ${round + 1}: ${figures.distinct} distinct texts for ${PARTNERS} partners; largest group ${figures.largest}; ${figures.alone} partners with a text nobody else has;` +
          ` partners per variant ${JSON.stringify(Object.fromEntries([...usage].sort()))};` +
          ` groups (size × texts) ${figures.groups.map(([size, count]) => `${size}×${count}`).join(' ')}`,
      );
      if (round === 0) {
        for (const [text, count] of [...figures.byText].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`    ${count} × ${JSON.stringify(text)}`);
      }
      for (const { text } of given) {
        const link = 'https://pe.example/r/AbC12345';
        expect(checkPost(composePost(text, { link, locale: 'fr', brand: 'Box bio' }), { link, locale: 'fr', brand: 'Box bio', rule: NETWORK_LENGTH_RULES.bluesky })).toContain(link);
      }
    }
    checkHistories(rounds);
  });

  it('keeps those bounds whatever the seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (runSeed) => {
        const rounds = simulate(seededRandom(runSeed));
        for (const [round, given] of rounds.entries()) checkPeriod(given, round);
        checkHistories(rounds);
      }),
      { seed, numRuns: 30 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random templates.

type Node = { kind: 'text'; text: string } | { kind: 'link' } | { kind: 'group'; alternatives: Node[][] };

const escape = (text: string) => text.replace(/[\\{}|]/g, (char) => `\\${char}`);
const serialize = (sequence: Node[]): string =>
  sequence.map((node) => (node.kind === 'text' ? escape(node.text) : node.kind === 'link' ? '{link}' : `{${node.alternatives.map(serialize).join('|')}}`)).join('');
/** The texts a template makes, by the model: every choice, first group first. */
const model = (sequence: Node[]): string[] =>
  sequence.reduce<string[]>((heads, node) => {
    const tails = node.kind === 'text' ? [node.text] : node.kind === 'link' ? ['{link}'] : node.alternatives.flatMap(model);
    return heads.flatMap((head) => tails.map((tail) => head + tail));
  }, ['']);
const valid = (sequence: Node[]): boolean =>
  sequence.every((node) => {
    if (node.kind !== 'group') return true;
    const written = node.alternatives.map((alternative) => serialize(alternative).trim());
    return written.every((w) => w !== '') && new Set(written).size === written.length && node.alternatives.every(valid);
  });

const WORDS = ['Découvre', 'Essaie', 'la box', ' ', ' ', ', ', 'bio', '🌱', 'été', '{', '}', '|', '\\', '100 %', 'naïve', '→'];
const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }).map((words): Node => ({ kind: 'text', text: words.join('') }));
const sequenceAt = (depth: number): fc.Arbitrary<Node[]> =>
  depth >= 3
    ? fc.array(text, { minLength: 1, maxLength: 2 })
    : fc.array(fc.oneof({ weight: 3, arbitrary: text }, { weight: 2, arbitrary: fc.array(sequenceAt(depth + 1), { minLength: 2, maxLength: 3 }).map((alternatives): Node => ({ kind: 'group', alternatives })) }), {
        minLength: 1,
        maxLength: 3,
      });
/** A template: groups and words, and {link} between spaces at the top level, or none. */
const template = fc
  .tuple(sequenceAt(0), fc.array(fc.nat(), { maxLength: 2 }))
  .map(([sequence, links]) => {
    const result = [...sequence];
    for (const at of links) result.splice(at % (result.length + 1), 0, { kind: 'text', text: ' ' }, { kind: 'link' }, { kind: 'text', text: ' ' });
    return result;
  })
  .filter((sequence) => valid(sequence) && model(sequence).length <= 2000);

describe('properties', () => {
  it('a valid template makes exactly the model’s texts, in order; any expansion is one of them', () => {
    fc.assert(
      fc.property(template, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (sequence, choices) => {
        const parsed = parseSpintax(serialize(sequence));
        const expected = model(sequence);
        expect(countCombinations(parsed)).toBe(expected.length);
        expect([...enumerateCombinations(parsed)].map((c) => c.text)).toEqual(expected);
        let i = 0;
        const expanded = expandSpintax(parsed, (n) => choices[i++ % choices.length]! % n);
        expect(expected).toContain(expanded);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('every text composed from a template keeps the disclosure, the brand and the link: checkPost passes when it fits, and refuses nothing else', () => {
    const brand = fc.constantFrom('Box bio', 'Café & Co', 'Zoé {Lab}', 'L’Épicerie');
    fc.assert(
      fc.property(template, brand, fc.constantFrom('fr' as const, 'en' as const), fc.constantFrom(...(['bluesky', 'mastodon', 'x', 'discord'] as const)), (sequence, brand, locale, network) => {
        const link = 'https://pe.example/r/Xy7_Qz2a?s=p42';
        const rule = NETWORK_LENGTH_RULES[network];
        for (const { text } of enumerateCombinations(parseSpintax(serialize(sequence)))) {
          const post = composePost(text, { link, locale, brand });
          if (countLength(post.trim(), rule) <= rule.max) {
            expect(checkPost(post, { link, locale, brand, rule })).toBe(post.trim());
          } else {
            expect(() => checkPost(post, { link, locale, brand, rule })).toThrow(expect.objectContaining({ messageKey: 'post.error.tooLong' }));
          }
        }
      }),
      { seed, numRuns: 200 },
    );
  });

  it('longestPostLength is the longest composed text’s length (at least it, for graphemes), without writing them all', () => {
    const link = 'https://pe.example/r/Xy7_Qz2a?s=p42';
    fc.assert(
      fc.property(template, fc.constantFrom('fr' as const, 'en' as const), fc.constantFrom(...(['bluesky', 'mastodon', 'discord'] as const)), (sequence, locale, network) => {
        const rule = NETWORK_LENGTH_RULES[network];
        const parsed = parseSpintax(serialize(sequence));
        const lengths = [...enumerateCombinations(parsed)].map(({ text }) => countLength(composePost(text, { link, locale, brand: 'Box bio' }), rule));
        const bound = longestPostLength(parsed, { link, locale, brand: 'Box bio', rule });
        expect(bound).toBeGreaterThanOrEqual(Math.max(...lengths));
        // Exact but for the white space composePost trims from the body's ends.
        const untrimmed = [...enumerateCombinations(parsed)].map(({ text }) =>
          countLength(`${locale === 'fr' ? 'Publicité' : 'Ad'} · Box bio\n${text.replaceAll('{link}', link)}${text.includes('{link}') ? '' : `\n${link}`}`, rule),
        );
        if (rule.kind !== 'graphemes') expect(bound).toBe(Math.max(...untrimmed));
      }),
      { seed, numRuns: 200 },
    );
    const parsed = parseSpintax('{Découvre|Essaie|Teste} la box {bio|du mois 🌱} : {link}');
    expect(longestPostLength(parsed, { link, locale: 'fr', brand: 'Box bio', rule: NETWORK_LENGTH_RULES.discord })).toBe(composePost('Découvre la box du mois 🌱 : {link}', { link, locale: 'fr', brand: 'Box bio' }).length);
    expect(longestPostLength(parseSpintax('Sans lien'), { link, locale: 'en', brand: 'B', rule: NETWORK_LENGTH_RULES.mastodon })).toBe(countLength(composePost('Sans lien', { link, locale: 'en', brand: 'B' }), NETWORK_LENGTH_RULES.mastodon));
  });

  it('any text is either read or refused with an InputError and a known reason; what is read never makes another {link}', () => {
    const unit = fc.constantFrom('{', '}', '|', '\\', '{link}', 'link', 'a', 'b', ' ', 'é', '🌱', '\n');
    const anyText = fc.oneof(fc.array(unit, { maxLength: 40 }).map((units) => units.join('')), fc.string({ maxLength: 40 }));
    fc.assert(
      fc.property(anyText, fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), (source, choices) => {
        let parsed;
        try {
          parsed = parseSpintax(source);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          expect((error as InputError).messageKey).toBe('template.error.spintax');
          expect(REASONS).toContain((error as InputError).params.reason);
          return;
        }
        expect(countCombinations(parsed)).toBeGreaterThanOrEqual(1);
        expect(countCombinations(parsed)).toBeLessThanOrEqual(MAX_COMBINATIONS);
        const links = parsed.parts.filter((part) => part.kind === 'link').length;
        let i = 0;
        const expanded = expandSpintax(parsed, (n) => choices[i++ % choices.length]! % n);
        expect(expanded.split('{link}').length - 1).toBe(links);
      }),
      { seed, numRuns: 2000 },
    );
  });
});
