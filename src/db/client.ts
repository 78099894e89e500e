/**
 * One query layer (Drizzle) over two engines: PGlite (embedded, in the data directory) by default,
 * PostgreSQL through `pg` when DATABASE_URL is set. Both return int8 as a JS number (checked to be a
 * safe integer) and timestamps as Date through Drizzle, so code never depends on the engine.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { lockDataDirectory, type DirectoryLock } from './lock.js';
import { schema } from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Engine = 'pglite' | 'postgres';

/** Raw access for migrations: multi-statement scripts inside one transaction. */
export interface ScriptRunner {
  exec(script: string): Promise<void>;
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database {
  readonly engine: Engine;
  readonly db: Db;
  /** Runs `fn` in one transaction on a raw connection (used by the migrator). */
  rawTransaction<T>(fn: (runner: ScriptRunner) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Logger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}

/** int8 → number; refuses silently losing precision (amounts are cents, far below 2^53). */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is beyond JavaScript's safe integers`);
  return value;
}

// pg's type parsers are process-wide, and Drizzle's node-postgres driver falls back to them.
pg.types.setTypeParser(pg.types.builtins.INT8, parseInt8);

export interface OpenOptions {
  databaseUrl: string | null;
  /** Directory for the embedded database; `null` keeps it in memory (tests). */
  dataDir: string | null;
  logger: Logger;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir);
}

/**
 * PGlite's default shared_buffers (128 MB) lives in the app's own memory, on top of Node's: the
 * server peaked near 500 MB under load; 301 MB with 32 MB, 274 MB with 16 MB (BENCHMARKS.md), at
 * no cost in throughput on the benchmark: the files stay in the operating system's cache. Meant
 * for trying Plug & Earn and small programmes; PostgreSQL is the answer for more.
 */
const EMBEDDED_POSTGRESQL_CONF = 'shared_buffers = 16MB';

async function openPglite(dataDir: string | null): Promise<Database> {
  let lock: DirectoryLock | null = null;
  let directory: string | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    lock = lockDataDirectory(join(dataDir, 'pglite.lock'));
    directory = join(dataDir, 'pglite');
  }
  let client: PGlite;
  try {
    client = await PGlite.create(directory, { parsers: { [pgliteTypes.INT8]: parseInt8 }, postgresqlconf: EMBEDDED_POSTGRESQL_CONF });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    engine: 'pglite',
    db,
    rawTransaction: (fn) =>
      client.transaction((tx) =>
        fn({
          exec: async (script) => {
            await tx.exec(script);
          },
          query: async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
        }),
      ),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (error) => options.logger.error({ err: error }, 'PostgreSQL pool client error'));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const database: Database = {
    engine: 'postgres',
    db,
    rawTransaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          exec: async (script) => {
            await client.query(script);
          },
          query: async <Row>(text: string, params?: unknown[]) =>
            (await client.query(text, params)).rows as Row[],
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await pool.end();
    },
  };
  try {
    await database.ping();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot reach PostgreSQL at DATABASE_URL: ${(error as Error).message}`, { cause: error });
  }
  return database;
}

/** Rows of a raw SQL query, typed by the caller (both drivers return `{ rows }`). */
export async function queryRows<Row>(db: Db, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}
