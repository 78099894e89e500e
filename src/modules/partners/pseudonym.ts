/**
 * Pseudonyms are public (the leaderboard) and must not impersonate one another. Two pseudonyms are
 * the same name when their confusable skeletons are equal (UTS #39, with Unicode's own confusables
 * table from the `unhomoglyph` package), taken after NFKC and case folding: « Lina », « LINA » and
 * « Lіna » with a Cyrillic « і » are one name, and the first to take it keeps it (a unique index
 * on the skeleton decides between two at once). A pseudonym whose letters come from scripts that
 * are never written together (Latin with Cyrillic or Greek, …) is refused outright: that mix is
 * the look-alike's tool and no one's name; UTS #39's "highly restrictive" level allows Latin with
 * Han and kana, Bopomofo or Hangul, as Japanese, Chinese and Korean are written.
 */
import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import unhomoglyph from 'unhomoglyph';
import mappings from 'unicode-match-property-value-ecmascript/data/mappings.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { partners } from '../../db/schema.js';
import { InputError } from '../../lib/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import { invalidateRankings } from '../earnings/leaderboard.js';

const FORMAT = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{1,39}$/u;

/** The text as stored: trimmed, inner runs of white space made one space. Empty means none. */
export function normalizePseudonym(input: unknown): string {
  return typeof input === 'string' ? input.trim().replace(/\s+/g, ' ') : '';
}

/** What two pseudonyms are compared by: equal keys, the same name to a reader's eye. */
export function pseudonymKey(text: string): string {
  // Full case folding as far as JavaScript has it: upper then lower folds « ß » and « SS » together.
  const fold = (value: string) => value.toUpperCase().toLowerCase();
  // Folded again after the skeleton: Unicode's table maps some characters to capitals (« 0 » to
  // « O »), which must meet the lower case of the folded text.
  return fold(unhomoglyph(fold(text.normalize('NFKC')).normalize('NFD'))).normalize('NFD');
}

/** Every script (ECMAScript's names) with a test of membership by Script_Extensions. */
const SCRIPTS: Array<[string, RegExp]> = [...new Set(mappings.get('Script_Extensions')!.values())].flatMap((name) => {
  try {
    return [[name, new RegExp(`\\p{Script_Extensions=${name}}`, 'u')] as [string, RegExp]];
  } catch {
    return []; // a script newer than this Node.js's Unicode tables: no character of it can be typed here either
  }
});
const SHARED = /[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]/u;
/** Scripts written together (UTS #39, highly restrictive): Japanese, Chinese with Bopomofo, Korean. */
const WRITTEN_TOGETHER = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** True when the text's letters come from scripts that are never written together. */
export function mixesScripts(text: string): boolean {
  const perCharacter: Array<Set<string>> = [];
  for (const character of text) {
    if (SHARED.test(character)) continue; // digits, punctuation, combining marks
    perCharacter.push(new Set(SCRIPTS.filter(([, test]) => test.test(character)).map(([name]) => name)));
  }
  if (perCharacter.length === 0) return false;
  const common = perCharacter.reduce((left, right) => new Set([...left].filter((name) => right.has(name))));
  if (common.size > 0) return false;
  return !WRITTEN_TOGETHER.some((together) => perCharacter.every((scripts) => [...scripts].some((name) => together.has(name))));
}

/** The stored pair for a pseudonym the rules accept; throws an InputError naming the rule otherwise. */
export function checkedPseudonym(text: string): { pseudonym: string; pseudonymKey: string } {
  if (!FORMAT.test(text)) throw new InputError('pseudonym', 'portal.pseudonym.error.format');
  if (mixesScripts(text)) throw new InputError('pseudonym', 'portal.pseudonym.error.mixedScripts');
  return { pseudonym: text, pseudonymKey: pseudonymKey(text) };
}

/**
 * Gives every pseudonym stored before keys existed (migration 0014) its key, oldest partner first.
 * Where two already collide (an impersonation that was accepted then), the later partner's
 * pseudonym is cleared, they show as their masked email, and the audit log says so. Runs at start;
 * once every key is there it is a single indexed query that finds nothing.
 */
export async function backfillPseudonymKeys(db: Db): Promise<{ keyed: number; cleared: string[] }> {
  const pending = await db
    .select({ id: partners.id, pseudonym: partners.pseudonym })
    .from(partners)
    .where(and(isNotNull(partners.pseudonym), isNull(partners.pseudonymKey)))
    .orderBy(asc(partners.createdAt), asc(partners.id));
  let keyed = 0;
  const cleared: string[] = [];
  for (const row of pending) {
    const key = pseudonymKey(row.pseudonym!);
    try {
      await db.update(partners).set({ pseudonymKey: key }).where(and(eq(partners.id, row.id), eq(partners.pseudonym, row.pseudonym!)));
      keyed += 1;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await db.transaction(async (tx) => {
        const [holder] = await tx.select({ id: partners.id }).from(partners).where(eq(partners.pseudonymKey, key));
        await tx.update(partners).set({ pseudonym: null }).where(eq(partners.id, row.id));
        await writeAudit(tx, { actorId: null, actorLabel: 'system', action: 'pseudonym_cleared', subject: `partner:${row.id}`, fromState: row.pseudonym, detail: `looks like the pseudonym of partner:${holder?.id ?? '?'}` });
      });
      cleared.push(row.id);
    }
  }
  if (cleared.length > 0) invalidateRankings(db);
  return { keyed, cleared };
}
