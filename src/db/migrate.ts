/**
 * Forward-only, versioned SQL migrations from `migrations/NNNN_name.sql`, each applied in its own
 * transaction and recorded in `schema_migrations`. An advisory lock lets several app processes start
 * against one PostgreSQL at once. Any failure throws: the caller exits non-zero.
 */
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
}

export function readMigrations(dir = migrationsDir): Migration[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  return files.map((file) => {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file name ${file} must look like 0001_some_name.sql`);
    return { version: match[1]!, name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
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
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await database.rawTransaction(async (runner) => {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATIONS_LOCK_KEY]);
      const rows = await runner.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (rows.length > 0) return false;
      try {
        await runner.exec(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await runner.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
