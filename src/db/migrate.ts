/**
 * Forward-only, versioned SQL migrations from `migrations/NNNN_name.sql`, each applied in its own
 * transaction and recorded in `schema_migrations`. An advisory lock lets several app processes start
 * against one PostgreSQL at once. Any failure throws: the caller exits non-zero.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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

/** Applies the pending migrations; returns the versions applied now. */
export async function migrate(database: Database, migrations = readMigrations()): Promise<string[]> {
  await database.rawTransaction(async (runner) => {
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATIONS_LOCK_KEY]);
    await runner.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.exec('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await database.rawTransaction(async (runner) => {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATIONS_LOCK_KEY]);
      const rows = await runner.query<{ checksum: string | null }>('SELECT checksum FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (rows.length > 0) {
        const recorded = rows[0]!.checksum;
        if (recorded && recorded !== migration.checksum) {
          throw new Error(
            `Migration ${migration.version}_${migration.name} was changed after it was applied; migrations are forward-only: add a new file instead`,
          );
        }
        return false;
      }
      try {
        await runner.exec(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await runner.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
