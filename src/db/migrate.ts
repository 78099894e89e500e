/**
 * Forward-only, versioned SQL migrations from `migrations/NNNN_name.sql`, recorded in
 * `schema_migrations`, and the live function definitions of `migrations/functions/`, all pending
 * ones applied in one transaction. An advisory lock lets several app processes start against one
 * PostgreSQL at once. Any failure throws and changes nothing: the caller exits non-zero.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../lib/project-root.js';
import type { Database } from './client.js';

const MIGRATIONS_LOCK_KEY = 7_460_001; // any constant shared by every instance

export const migrationsDir = join(projectRoot, 'migrations');

export interface Migration {
  version: string;
  name: string;
  sql: string;
  /** SHA-256 of the file: an applied migration edited afterwards is refused, not silently ignored. */
  checksum: string;
}

export function readMigrations(dir = migrationsDir): Migration[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  const seen = new Set<string>();
  return files.map((file) => {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file name ${file} must look like 0001_some_name.sql`);
    if (seen.has(match[1]!)) throw new Error(`Two migration files share the version ${match[1]}: give ${file} the next number`);
    seen.add(match[1]!);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version: match[1]!, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * The live definitions of the SQL functions (`migrations/functions/*.sql`, `CREATE OR REPLACE`
 * only): one readable file per function instead of a body restated by every migration that
 * changes it. A numbered migration changes tables, or drops a signature that changes; the files
 * hold the current bodies. Applied after the numbered migrations, in the same transaction, when a
 * file is new or changed (its checksum is kept in `schema_functions`).
 */
export interface FunctionFile {
  name: string;
  sql: string;
  checksum: string;
}

export const functionsDir = join(migrationsDir, 'functions');

export function readFunctionFiles(dir = functionsDir): FunctionFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return { name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the pending migrations, then the function files that changed, in ONE transaction: an
 * upgrade happens whole or not at all, so an instance still running the previous version never
 * sees tables of one version with functions of another. Returns the versions applied now.
 */
export async function migrate(database: Database, migrations = readMigrations(), functions = readFunctionFiles()): Promise<string[]> {
  return database.rawTransaction(async (runner) => {
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATIONS_LOCK_KEY]);
    await runner.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.exec('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
    await runner.exec(`CREATE TABLE IF NOT EXISTS schema_functions (
      file text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const recorded = new Map(
      (await runner.query<{ version: string; checksum: string | null }>('SELECT version, checksum FROM schema_migrations')).map((r) => [r.version, r.checksum]),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (recorded.has(migration.version)) {
        const checksum = recorded.get(migration.version);
        if (checksum && checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.version}_${migration.name} was changed after it was applied; migrations are forward-only: add a new file instead`);
        }
        continue;
      }
      try {
        await runner.exec(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await runner.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      applied.push(migration.version);
    }
    const current = new Map((await runner.query<{ file: string; checksum: string }>('SELECT file, checksum FROM schema_functions')).map((r) => [r.file, r.checksum]));
    for (const file of functions) {
      if (current.get(file.name) === file.checksum) continue;
      try {
        await runner.exec(file.sql);
      } catch (error) {
        throw new Error(`Function file migrations/functions/${file.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await runner.query(
        'INSERT INTO schema_functions (file, checksum) VALUES ($1, $2) ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, applied_at = now()',
        [file.name, file.checksum],
      );
    }
    return applied;
  });
}
