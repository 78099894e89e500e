/**
 * Pseudonyms are public (the leaderboard) and must not impersonate one another.
 *
 * - Two pseudonyms are one name when they share a key. The keys are confusable skeletons (UTS #39,
 *   Unicode's own table through the `unhomoglyph` package) of the NFKC form, with case folded
 *   after the skeleton and also before it: « AIex » (a capital i) meets « Alex » through the first,
 *   « LINA » meets « Lina » through the second, « ТОМ » (Cyrillic) meets « TOM » through the first.
 *   Every key is unique in `pseudonym_keys`, so the first to take a name keeps it, also when two
 *   partners try at once.
 * - Letters of more than one script are refused (Latin with Cyrillic or Greek, …): that mix is the
 *   look-alike's tool and no one's name. Only the scripts Japanese, Chinese and Korean write
 *   together may meet (Han with kana, Bopomofo or Hangul). Stricter than UTS #39's "highly
 *   restrictive" level, which also lets Latin join them: a Han stroke or a Hangul letter among Latin
 *   ones reads as a Latin letter (« 丨van », « Biㅣㅣ ») and Unicode's table does not map them all.
 * - Invisible characters (Unicode's default-ignorable code points, a Hangul filler) are refused.
 */
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import unhomoglyph from 'unhomoglyph';
import mappings from 'unicode-match-property-value-ecmascript/data/mappings.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { pgArray } from '../../db/pg-array.js';
import { partners, pseudonymKeys } from '../../db/schema.js';
import { InputError } from '../../lib/errors.js';
import { writeAudit } from '../audit/audit-log.js';
import { invalidateRankings } from '../earnings/leaderboard.js';

/** Letters (with their marks), digits, spaces, dots, apostrophes, dashes and underscores; 2 to 40. */
const FORMAT = /^[\p{L}\p{N}][\p{L}\p{M}\p{N} .'’_-]{1,39}$/u;
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u115F\u1160\u3164\uFFA0]/u;

/** The text as stored: NFC, trimmed, inner runs of white space made one space. Empty means none. */
export function normalisePseudonym(input: unknown): string {
  return typeof input === 'string' ? input.normalize('NFC').trim().replace(/\s+/g, ' ') : '';
}

/** Full case folding as far as JavaScript has it: upper then lower folds « ß » and « SS » together. */
const fold = (value: string) => value.toUpperCase().toLowerCase().normalize('NFD');
const skeleton = (value: string) => unhomoglyph(value.normalize('NFD')).normalize('NFD');

/** What a pseudonym is compared by: two pseudonyms sharing a key are the same name to a reader's eye. */
export function keysOf(text: string): string[] {
  const compatible = text.normalize('NFKC');
  return [...new Set([fold(skeleton(compatible)), fold(skeleton(fold(compatible)))])];
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
/** Scripts written together: Japanese, Chinese with Bopomofo, Korean (UTS #39's sets, without Latin). */
const WRITTEN_TOGETHER = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Bopomofo']), new Set(['Han', 'Hangul'])];

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

/** The pseudonym and its keys when the rules accept it; an InputError naming the rule otherwise. */
export function checkedPseudonym(text: string): { pseudonym: string; keys: string[] } {
  if (INVISIBLE.test(text)) throw new InputError('pseudonym', 'portal.pseudonym.error.invisible');
  if (!FORMAT.test(text)) throw new InputError('pseudonym', 'portal.pseudonym.error.format');
  if (mixesScripts(text)) throw new InputError('pseudonym', 'portal.pseudonym.error.mixedScripts');
  return { pseudonym: text, keys: keysOf(text) };
}

/** Whether a stored pseudonym passes today's rules (older ones may not). */
function obeysRules(text: string): boolean {
  try {
    checkedPseudonym(text);
    return true;
  } catch {
    return false;
  }
}

/** Stores `partnerId`'s keys for `pseudonym`; throws a unique violation when another partner holds one. */
export async function insertPseudonymKeys(db: Db, partnerId: string, pseudonym: string, keys: string[]): Promise<void> {
  await db.insert(pseudonymKeys).values(keys.map((key) => ({ key, partnerId, pseudonym })));
}

/**
 * Gives keys to the pseudonyms that have none: chosen before keys existed (migration 0014), or set
 * by an older version of the app during an upgrade. Oldest partner first. Where one already looks
 * like a keyed one, the name that breaks today's rules is cleared (a mixed-script impersonation),
 * else the newer partner's; the audit log says so. Runs at start, hourly, and before a pseudonym
 * is checked; with nothing to key it is one indexed query that finds nothing.
 */
export async function backfillPseudonymKeys(db: Db): Promise<{ keyed: number; cleared: string[] }> {
  const pending = await db
    .select({ id: partners.id, pseudonym: partners.pseudonym })
    .from(partners)
    .where(and(isNotNull(partners.pseudonym), sql`not exists (select 1 from ${pseudonymKeys} k where k.partner_id = ${partners.id})`))
    .orderBy(asc(partners.createdAt), asc(partners.id));
  let keyed = 0;
  const cleared: string[] = [];
  for (const row of pending) {
    const pseudonym = row.pseudonym!;
    const keys = keysOf(pseudonym);
    try {
      await db.transaction((tx) => insertPseudonymKeys(tx, row.id, pseudonym, keys));
      keyed += 1;
      continue;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const [holder] = await db
      .select({ id: partners.id, pseudonym: partners.pseudonym })
      .from(pseudonymKeys)
      .innerJoin(partners, eq(partners.id, pseudonymKeys.partnerId))
      .where(sql`${pseudonymKeys.key} = any(${pgArray(keys)}::text[])`);
    // Keep the name that obeys the rules; between two that do, the older partner's (met first).
    const clearHolder = holder !== undefined && holder.pseudonym !== null && obeysRules(pseudonym) && !obeysRules(holder.pseudonym);
    const loser = clearHolder ? { id: holder.id, pseudonym: holder.pseudonym! } : { id: row.id, pseudonym };
    const done = await db.transaction(async (tx) => {
      // Only if the name is still the one judged (another instance may be doing the same).
      const changed = await tx.update(partners).set({ pseudonym: null }).where(and(eq(partners.id, loser.id), eq(partners.pseudonym, loser.pseudonym))).returning({ id: partners.id });
      if (changed.length === 0) return false;
      await writeAudit(tx, { actorId: null, actorLabel: 'system', action: 'pseudonym_cleared', subject: `partner:${loser.id}`, fromState: loser.pseudonym, params: { pseudonym: loser.pseudonym, lookalikeOf: loser.id === row.id ? holder?.id ?? null : row.id } });
      if (clearHolder) await insertPseudonymKeys(tx, row.id, pseudonym, keys);
      return true;
    }).catch((error: unknown) => {
      if (isUniqueViolation(error)) return false; // taken meanwhile: the next run decides again
      throw error;
    });
    if (done) {
      cleared.push(loser.id);
      if (clearHolder) keyed += 1;
    }
  }
  if (cleared.length > 0) invalidateRankings(db);
  return { keyed, cleared };
}
