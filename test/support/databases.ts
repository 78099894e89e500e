/**
 * Real databases for tests: an in-memory PGlite, or a fresh PostgreSQL database per call on the
 * server of TEST_DATABASE_URL (dropped on close), so test files never share state.
 * There is no skip: when PostgreSQL is unreachable, the PostgreSQL tests fail.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database, type Engine } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

export const ENGINES: Engine[] = ['pglite', 'postgres'];
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export const quietLogger = { error: () => undefined, warn: () => undefined };

export interface TestDatabase extends Database {
  /** The postgres:// URL of this test's own database (PostgreSQL only). */
  url: string | null;
}

export async function createTestDatabase(engine: Engine, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let database: Database;
  let url: string | null = null;
  let drop: (() => Promise<void>) | null = null;
  if (engine === 'pglite') {
    database = await openDatabase({ databaseUrl: null, dataDir: null, logger: quietLogger });
  } else {
    const name = `pe_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(TEST_DATABASE_URL);
    target.pathname = `/${name}`;
    url = target.href;
    database = await openDatabase({ databaseUrl: url, dataDir: null, logger: quietLogger, maxConnections: 25 });
    drop = async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
  }
  if (options.migrate !== false) await migrate(database);
  return {
    ...database,
    url,
    close: async () => {
      await database.close();
      await drop?.();
    },
  };
}
