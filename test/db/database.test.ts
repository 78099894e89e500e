import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/db/client.js';
import { migrate, readFunctionFiles, readMigrations } from '../../src/db/migrate.js';
import { REFUSAL_REASONS, schema, VERDICTS } from '../../src/db/schema.js';
import { createTestDatabase, ENGINES, quietLogger, type TestDatabase } from '../support/databases.js';
import { countRows } from '../support/fixtures.js';

describe.each(ENGINES)('database layer on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  it('applies every migration once, and again is a no-op', async () => {
    const versions = await queryRows<{ version: string }>(database.db, sql`select version from schema_migrations order by version`);
    expect(versions.map((r) => (r as { version: string }).version)).toEqual(readMigrations().map((m) => m.version));
    expect(await migrate(database)).toEqual([]);
  });

  it('has every table and column that the Drizzle schema declares', async () => {
    for (const table of Object.values(schema)) {
      const name = getTableName(table);
      const rows = await queryRows<Record<string, unknown>>(database.db, 
        sql`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${name}`,
      );
      const actual = rows.map((r) => (r as { column_name: string }).column_name);
      const declared = Object.values(getTableColumns(table)).map((column) => column.name);
      expect(actual, name).toEqual(expect.arrayContaining(declared));
    }
  });

  it('has the spec’s ledger tables with checked money and states', async () => {
    const rows = await queryRows<Record<string, unknown>>(database.db, 
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    const tables = rows.map((r) => (r as { table_name: string }).table_name);
    expect(tables).toEqual(expect.arrayContaining(['partners', 'metric_events', 'payouts', 'withdraw_requests', 'login_tokens', 'sessions', 'audit_log']));
    const partner = await queryRows<Record<string, unknown>>(database.db, sql`insert into partners (email) values ('ledger@example.com') returning id`);
    const id = (partner[0] as { id: string }).id;
    await expect(
      database.db.execute(sql`insert into withdraw_requests (partner_id, amount_cents, method, details_encrypted, details_masked, status) values (${id}, 1000, 'paypal', 'x', 'x', 'lost')`),
    ).rejects.toThrow();
    await expect(
      database.db.execute(sql`insert into withdraw_requests (partner_id, amount_cents, method, details_encrypted, details_masked) values (${id}, -5, 'paypal', 'x', 'x')`),
    ).rejects.toThrow();
    await expect(database.db.execute(sql`insert into partners (email) values ('UPPER@example.com')`)).rejects.toThrow();
  });

  it('keeps every row the click ledger refers to: no delete, no key change (instead of foreign keys)', async () => {
    const [partner] = await queryRows<{ id: string }>(database.db, sql`insert into partners (email) values ('kept@example.com') returning id`);
    const [campaign] = await queryRows<{ id: string }>(database.db, 
      sql`insert into campaigns (name, target_url, rate_cents) values ('Kept', 'https://brand.example/', 10) returning id`,
    );
    await database.db.execute(sql`insert into tracked_links (code, partner_id, campaign_id) values ('keptlink01', ${partner!.id}, ${campaign!.id})`);
    const refused = [
      sql`delete from partners where id = ${partner!.id}`,
      sql`delete from campaigns where id = ${campaign!.id}`,
      sql`delete from tracked_links where code = 'keptlink01'`,
      sql`update partners set id = gen_random_uuid() where id = ${partner!.id}`,
      sql`update campaigns set id = gen_random_uuid() where id = ${campaign!.id}`,
      sql`update tracked_links set code = 'otherlink1' where code = 'keptlink01'`,
      sql`update tracked_links set partner_id = (select id from partners where id <> ${partner!.id} limit 1) where code = 'keptlink01'`,
      sql`truncate tracked_links cascade`,
    ];
    for (const [index, statement] of refused.entries()) {
      const error = await database.db.execute(statement).then(() => null, (e: Error) => e);
      expect(String((error as Error | null)?.cause ?? error), `statement ${index}`).toMatch(/kept for ever/);
    }
    // What the app does instead still works, and nothing was lost.
    await database.db.execute(sql`update partners set status = 'suspended' where id = ${partner!.id}`);
    await database.db.execute(sql`update campaigns set status = 'ended', target_url = 'https://brand.example/new' where id = ${campaign!.id}`);
    const link = { n: await countRows(database.db, sql`tracked_links where code = 'keptlink01'`) };
    expect(link!.n).toBe(1);
  });

  it('runs exactly the function bodies of migrations/functions/, and no other version of them', async () => {
    const files = readFunctionFiles();
    expect(files.map((f) => f.name)).toEqual([
      'click_batch_outcome.sql',
      'click_batch_outcome_with_ids.sql',
      'record_click_batch.sql',
      'record_click_batch_with_ids.sql',
      'record_clicks.sql',
      'record_clicks_with_ids.sql',
    ]);
    const definitions = files.flatMap((file) =>
      [...file.sql.matchAll(/CREATE OR REPLACE FUNCTION (\w+)\([\s\S]*?\bAS \$\$([\s\S]*?)\$\$;/g)].map((m) => ({ file: file.name, name: m[1]!, body: m[2]! })),
    );
    // Today's three, and the previous results (without the ledger ids), record_click_batch and
    // record_clicks each under the two signatures before.
    expect(definitions.length).toBe(8);
    const names = [...new Set(definitions.map((d) => d.name))];
    const live = await queryRows<{ proname: string; prosrc: string }>(database.db, sql`select proname, prosrc from pg_proc where proname = any(${`{${names.join(',')}}`}::text[]) order by proname`);
    expect(live.length).toBe(definitions.length);
    for (const definition of definitions) {
      expect(live.some((row) => row.proname === definition.name && row.prosrc === definition.body), `${definition.file}: ${definition.name}`).toBe(true);
    }
    // Applied again only when a file changes: a second migrate() leaves them as they are.
    const before = await queryRows<{ applied_at: string }>(database.db, sql`select applied_at::text from schema_functions order by file`);
    await migrate(database);
    expect(await queryRows(database.db, sql`select applied_at::text from schema_functions order by file`)).toEqual(before);
  });

  it('declares the refusal reasons once: the ledger’s check, the summary’s columns and record_clicks follow the list', async () => {
    const [check] = await queryRows<{ definition: string }>(database.db, sql`select pg_get_constraintdef(oid) as definition from pg_constraint where conname = 'metric_events_verdict_check'`);
    const allowed = [...check!.definition.matchAll(/'(\w+)'::text/g)].map((m) => m[1]);
    expect([...allowed].sort()).toEqual([...VERDICTS].sort());
    const columns = (await queryRows<{ column_name: string }>(database.db, sql`select column_name from information_schema.columns where table_name = 'partner_daily_stats'`)).map((c) => c.column_name);
    expect(columns).toEqual(expect.arrayContaining([...REFUSAL_REASONS]));
    const [recordClicks] = await queryRows<{ prosrc: string }>(database.db, sql`select prosrc from pg_proc where proname = 'record_clicks_with_ids'`);
    for (const reason of REFUSAL_REASONS) {
      expect(recordClicks!.prosrc, reason).toContain(`count(*) FILTER (WHERE c.verdict = '${reason}')::integer AS ${reason}`);
      expect(recordClicks!.prosrc, reason).toContain(`${reason} = s.${reason} + excluded.${reason}`);
    }
  });

  it('returns int8 as a JavaScript number on both engines', async () => {
    const result = await queryRows<Record<string, unknown>>(database.db, sql`select count(*) as n, 9007199254740991::int8 as big, 5::int4 as small`);
    expect(result[0]).toEqual({ n: expect.any(Number), big: 9007199254740991, small: 5 });
    const error = await queryRows<Record<string, unknown>>(database.db, sql`select 9007199254740993::int8 as too_big`).catch((e: Error) => e);
    expect(String((error as Error).cause ?? error)).toMatch(/beyond JavaScript's safe integers/);
  });

  it('rolls a failed migration back and reports it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pe-migrations-'));
    writeFileSync(join(dir, '9001_good.sql'), 'CREATE TABLE migration_probe (id int);');
    writeFileSync(join(dir, '9002_broken.sql'), 'CREATE TABLE migration_probe_2 (id int); SELECT no_such_function();');
    // The pending migrations and functions are one transaction: all of it is rolled back.
    await expect(migrate(database, readMigrations(dir))).rejects.toThrow(/Migration 9002_broken failed/);
    const probes = () => queryRows<Record<string, unknown>>(database.db, sql`select table_name from information_schema.tables where table_name like 'migration_probe%' order by 1`);
    expect(await probes()).toEqual([]);
    const recorded = () => queryRows<Record<string, unknown>>(database.db, sql`select version from schema_migrations where version like '900%'`);
    expect(await recorded()).toEqual([]);
    expect(await migrate(database, readMigrations(dir).slice(0, 1))).toEqual(['9001']);
    expect(await probes()).toEqual([{ table_name: 'migration_probe' }]);
    expect(await recorded()).toEqual([{ version: '9001' }]);

    // An applied migration edited afterwards is refused; two files with one version too.
    writeFileSync(join(dir, '9001_good.sql'), 'CREATE TABLE migration_probe (id int, edited int);');
    await expect(migrate(database, readMigrations(dir).slice(0, 1))).rejects.toThrow(/was changed after it was applied/);
    writeFileSync(join(dir, '9001_twin.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(/Two migration files share the version 9001/);
  });
});

describe('embedded database directory', () => {
  it('keeps data across restarts and refuses a second opener in the same process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pe-pglite-'));
    const first = await openDatabase({ databaseUrl: null, dataDir, logger: quietLogger });
    await migrate(first);
    await first.db.execute(sql`insert into partners (email) values ('kept@example.com')`);
    await expect(openDatabase({ databaseUrl: null, dataDir, logger: quietLogger })).rejects.toThrow(/already open in process/);
    await first.close();
    const second = await openDatabase({ databaseUrl: null, dataDir, logger: quietLogger });
    const rows = await queryRows(second.db, sql`select email from partners`);
    expect(rows).toEqual([{ email: 'kept@example.com' }]);
    await second.close();
  });
});

describe('PostgreSQL', () => {
  it('lets two processes migrate one database at once', async () => {
    const database = await createTestDatabase('postgres', { migrate: false });
    const other = await openDatabase({ databaseUrl: database.url!, dataDir: null, logger: quietLogger });
    try {
      const [a, b] = await Promise.all([migrate(database), migrate(other)]);
      expect([...a, ...b].sort()).toEqual(readMigrations().map((m) => m.version));
    } finally {
      await other.close();
      await database.close();
    }
  });

  it('says clearly when it cannot reach the server', async () => {
    await expect(
      openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing', dataDir: null, logger: quietLogger }),
    ).rejects.toThrow(/Cannot reach PostgreSQL at DATABASE_URL/);
  });
});
