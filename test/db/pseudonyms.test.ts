/** Pseudonyms on both engines: look-alikes refused, one winner when two race, keys given to older rows. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { loadDemoData } from '../../src/modules/demo/demo-data.js';
import { leaderboard } from '../../src/modules/earnings/leaderboard.js';
import { setPseudonym } from '../../src/modules/partners/partners.js';
import { backfillPseudonymKeys } from '../../src/modules/partners/pseudonym.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addPartner, earn, countRows } from '../support/fixtures.js';

describe.each(ENGINES)('pseudonyms on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  const refusal = async (partnerId: string, text: string) => {
    try {
      await setPseudonym(database.db, partnerId, text);
      return null;
    } catch (error) {
      return (error as { messageKey?: string }).messageKey ?? String(error);
    }
  };
  const pseudonymOf = async (id: string) => (await queryRows<{ pseudonym: string | null }>(database.db, sql`select pseudonym from partners where id = ${id}`))[0]!.pseudonym;

  it('refuses another partner’s name in other case, as a look-alike, or written in mixed scripts', async () => {
    const db = database.db;
    const lina = await addPartner(db, 'lina@example.com');
    const other = await addPartner(db, 'other@example.com');
    expect(await setPseudonym(db, lina, '  Lina ')).toBe('Lina');
    expect(await refusal(other, 'LINA')).toBe('portal.pseudonym.error.taken');
    expect(await refusal(other, 'Lіna')).toBe('portal.pseudonym.error.mixedScripts'); // Cyrillic і among Latin letters
    expect(await refusal(other, 'Ｌｉｎａ')).toBe('portal.pseudonym.error.lookalike');
    expect(await setPseudonym(db, lina, 'Аре')).toBe('Аре'); // all Cyrillic: one script, accepted…
    expect(await refusal(other, 'Ape')).toBe('portal.pseudonym.error.lookalike'); // …and then its Latin twin is taken
    expect(await setPseudonym(db, other, 'Lina')).toBe('Lina'); // free again since Lina changed hers
    expect(await setPseudonym(db, lina, 'Аре')).toBe('Аре'); // keeping one's own name is no conflict
    expect(await pseudonymOf(other)).toBe('Lina');
    // Clearing frees the name and its key.
    expect(await setPseudonym(db, lina, '')).toBeNull();
    expect(await setPseudonym(db, other, 'Ape')).toBe('Ape');
  });

  it('gives demo partners pseudonyms that obey the rule: saving them unchanged succeeds', async () => {
    const demo = await createTestDatabase(engine);
    try {
      await loadDemoData(demo.db);
      const named = await queryRows<{ id: string; pseudonym: string; keys: number }>(demo.db, sql`select id, pseudonym, (select count(*) from pseudonym_keys k where k.partner_id = p.id)::int8 as keys from partners p where pseudonym is not null`);
      expect(named.length).toBeGreaterThan(0);
      for (const partner of named) {
        expect(partner.pseudonym).toContain('démo');
        expect(partner.keys).toBeGreaterThan(0);
        expect(await setPseudonym(demo.db, partner.id, partner.pseudonym)).toBe(partner.pseudonym);
      }
    } finally {
      await demo.close();
    }
  });

  it('lets exactly one of two partners racing for look-alike names have it', async () => {
    const db = database.db;
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => addPartner(db, `race-${i}@example.com`)));
    const names = ['Zoé', 'ZOÉ', 'zoé', 'Ｚｏé', 'ZoÉ', 'zoÉ'];
    const outcomes = await Promise.allSettled(ids.map((id, i) => setPseudonym(db, id, names[i])));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rows = await queryRows<{ n: number }>(db, sql`select count(distinct partner_id)::int8 as n from pseudonym_keys where partner_id = any(${`{${ids.join(',')}}`}::uuid[])`);
    expect(rows[0]!.n).toBe(1);
    expect(await countRows(db, sql`partners where pseudonym is not null and id = any(${`{${ids.join(',')}}`}::uuid[])`)).toBe(1);
  });

  it('keys the pseudonyms chosen before keys existed, clearing the impersonation of two look-alikes, once', async () => {
    const db = database.db;
    // As an older version stored them: no keys, and a Cyrillic impersonation accepted, by an OLDER account.
    const [copy, first, third, fourth] = await Promise.all(['old-1@example.com', 'old-2@example.com', 'old-3@example.com', 'old-4@example.com'].map((email) => addPartner(db, email)));
    await db.execute(sql`update partners set pseudonym = 'Mаrgaux', created_at = now() - interval '4 days' where id = ${copy}`);
    await db.execute(sql`update partners set pseudonym = 'Margaux', created_at = now() - interval '3 days' where id = ${first}`);
    await db.execute(sql`update partners set pseudonym = 'TOM', created_at = now() - interval '2 days' where id = ${third}`);
    await db.execute(sql`update partners set pseudonym = 'ТОМ', created_at = now() - interval '1 day' where id = ${fourth}`);
    await earn(db, copy!, 3);
    const result = await backfillPseudonymKeys(db);
    // The mixed-script copy loses its name although its account is older; between two names that
    // obey the rules (Latin « TOM », Cyrillic « ТОМ »), the older account keeps its own.
    expect(result.keyed).toBe(3); // the copy's keys, given first, went with its name
    expect([...result.cleared].sort()).toEqual([copy, fourth].sort());
    expect([await pseudonymOf(copy!), await pseudonymOf(first!), await pseudonymOf(third!), await pseudonymOf(fourth!)]).toEqual([null, 'Margaux', 'TOM', null]);
    const audit = await queryRows<{ subject: string; from_state: string }>(db, sql`select subject, from_state from audit_log where action = 'pseudonym_cleared' order by from_state`);
    expect(audit).toEqual([{ subject: `partner:${copy}`, from_state: 'Mаrgaux' }, { subject: `partner:${fourth}`, from_state: 'ТОМ' }]);
    expect(await backfillPseudonymKeys(db)).toEqual({ keyed: 0, cleared: [] });
    // The public board shows one Margaux: the impersonator is now a masked email.
    const board = await leaderboard(db, 7, { fresh: true });
    expect(board.top.map((row) => row.label)).toContain('ol…1@example.com');
    expect(board.top.map((row) => row.label)).not.toContain('Mаrgaux');
  });

  it('forgets a pseudonym’s keys when an older version of the app changes or clears it', async () => {
    const db = database.db;
    const [a, b] = await Promise.all(['upgrade-a@example.com', 'upgrade-b@example.com'].map((email) => addPartner(db, email)));
    expect(await setPseudonym(db, a!, 'Anouk')).toBe('Anouk');
    // What an older version writes: the name only.
    await db.execute(sql`update partners set pseudonym = 'Bastien' where id = ${a}`);
    expect(await setPseudonym(db, b!, 'Anouk')).toBe('Anouk'); // the old name is free again…
    expect(await refusal(b!, 'BASTIEN')).toBe('portal.pseudonym.error.taken'); // …and the new one is keyed before the check
    await db.execute(sql`update partners set pseudonym = null where id = ${a}`);
    expect((await countRows(db, sql`pseudonym_keys where partner_id = ${a}`))).toBe(0);
  });
});
