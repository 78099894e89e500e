/**
 * SIGTERM in the middle of a stream of clicks, on both databases: the server stops taking
 * requests, answers those in flight, commits every click it answered with a 302, and exits 0.
 * Most clicks go through the redirect's fast path, which must hand over to Fastify on closing
 * (503 with `Connection: close`) so that keep-alive clients leave and the server can close.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Engine } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase, quietLogger } from '../support/databases.js';
import { addCampaign, addPartner, BROWSER_UA, linkCode, countRows } from '../support/fixtures.js';
import { ensureBuilt, startServer } from '../support/processes.js';

describe.each<Engine>(['postgres', 'pglite'])('SIGTERM during a stream of clicks on %s', (engine) => {
  it('commits exactly one click per 302 sent, and exits 0', async () => {
    ensureBuilt();
    const cwd = mkdtempSync(join(tmpdir(), 'pe-term-'));
    const dataDir = join(cwd, 'data');
    const pg = engine === 'postgres' ? await createTestDatabase('postgres', { migrate: false }) : null;
    const open = () => openDatabase({ databaseUrl: pg?.url ?? null, dataDir: pg ? null : dataDir, logger: quietLogger });
    let store: Database = await open();
    let codes: string[];
    try {
      await migrate(store);
      const campaign = await addCampaign(store.db, '0.12');
      codes = [];
      for (let i = 0; i < 5; i++) codes.push(await linkCode(store.db, await addPartner(store.db, `term-${i}@example.com`), campaign.id));
    } finally {
      // The embedded database is one process's: the server opens it next.
      if (!pg) await store.close();
    }
    const env = { DATA_DIR: dataDir, DEMO_DATA: 'false', TRUST_PROXY: 'true', APP_SECRET: 'shutdown-secret-shutdown-secret-000001', ...(pg ? { DATABASE_URL: pg.url! } : {}) };
    const server = await startServer(env, cwd);

    let redirects = 0;
    let n = 0;
    let stopping = false;
    const client = async () => {
      // Each client keeps its connection alive until the server closes it.
      for (;;) {
        const i = n++;
        try {
          const response = await fetch(`${server.origin}/r/${codes[i % codes.length]}`, {
            redirect: 'manual',
            headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
          });
          await response.arrayBuffer();
          if (response.status === 302) redirects++;
          else if (response.status !== 503) throw new Error(`unexpected status ${response.status}`);
        } catch (error) {
          if (stopping) return; // refused or reset once the server is gone
          throw error;
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 20 }, client));
    await expect.poll(() => redirects, { timeout: 60_000, interval: 10 }).toBeGreaterThan(400);
    stopping = true;
    server.child.kill('SIGTERM');
    const exitCode = await server.exited;
    if (exitCode !== 0) console.log(server.output().slice(-3000));
    expect(exitCode).toBe(0);
    await clients;

    if (!pg) store = await open();
    try {
      const stored = { n: await countRows(store.db, sql`metric_events`) };
      expect(stored!.n).toBe(redirects);
      // Most of them were answered by the fast path (the log line the writer prints when closing).
      expect(Number(/"fastPath":(\d+)/.exec(server.output())?.[1])).toBeGreaterThan(redirects / 2);
    } finally {
      await store.close();
      await pg?.close();
    }
  });
});
