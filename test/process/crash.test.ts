/**
 * The server is killed with SIGKILL in the middle of a stream of withdrawal requests, then started
 * again: every request that was answered 201 is still there, retrying the unanswered ones with
 * their idempotency keys creates each at most once, and the ledger invariants hold.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createSession } from '../../src/modules/auth/sessions.js';
import { createTestDatabase, quietLogger, type TestDatabase } from '../support/databases.js';
import { addPartner, earn, ledgerProblems } from '../support/fixtures.js';
import { ensureBuilt, startServer } from '../support/processes.js';

const SECRET = 'crash-secret-crash-secret-crash-secret-00';

async function post(origin: string, session: string, key: string): Promise<{ status: number; id: string } | null> {
  try {
    const response = await fetch(`${origin}/api/me/withdrawals`, {
      method: 'POST',
      headers: { cookie: `pe_session=${session}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ amount: '10', method: 'paypal', details: 'crash@example.com' }),
    });
    const body = (await response.json()) as { id: string };
    return { status: response.status, id: body.id };
  } catch {
    return null; // the server died while this one was in flight
  }
}

describe.each(['pglite', 'postgres'] as const)('a SIGKILL during a stream of withdrawals on %s', (engine) => {
  const cwd = mkdtempSync(join(tmpdir(), 'pe-crash-'));
  let pg: TestDatabase | null = null;
  let env: Record<string, string>;
  let session: string;

  async function openStore(): Promise<Database> {
    return engine === 'pglite'
      ? openDatabase({ databaseUrl: null, dataDir: join(cwd, 'data'), logger: quietLogger })
      : openDatabase({ databaseUrl: pg!.url!, dataDir: null, logger: quietLogger });
  }

  beforeAll(async () => {
    ensureBuilt();
    if (engine === 'postgres') pg = await createTestDatabase('postgres');
    env = { DATA_DIR: join(cwd, 'data'), APP_SECRET: SECRET, DEMO_DATA: 'false', ...(pg ? { DATABASE_URL: pg.url! } : {}) };
    const store = await openStore();
    await migrate(store);
    const partner = await addPartner(store.db, 'crash@example.com');
    await earn(store.db, partner, 30, '50'); // 1 500 €: room for 150 requests of 10 €
    session = (await createSession(store.db, partner)).id;
    await store.close();
  });
  afterAll(async () => pg?.close());

  it('loses no accepted request and keeps the invariants', async () => {
    let server = await startServer(env, cwd);
    const answered = new Map<string, { status: number; id: string } | null>();
    let sent = 0;
    const stream = async () => {
      while (sent < 120) {
        const key = `crash-key-${String(sent++).padStart(4, '0')}`;
        answered.set(key, await post(server.origin, session, key));
      }
    };
    const workers = Promise.all([stream(), stream(), stream(), stream()]);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if ([...answered.values()].filter((s) => s?.status === 201).length >= 25) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    server.child.kill('SIGKILL');
    await server.exited;
    await workers;
    const acceptedIds = [...answered.values()].filter((r) => r?.status === 201).map((r) => r!.id);
    const unanswered = [...answered].filter(([, r]) => r === null).map(([key]) => key);
    expect(acceptedIds.length).toBeGreaterThanOrEqual(25);
    expect(unanswered.length).toBeGreaterThan(0);

    server = await startServer(env, cwd);
    try {
      // Before any retry: every request that was answered 201 survived the SIGKILL.
      const listed = (await (await fetch(`${server.origin}/api/me/withdrawals`, { headers: { cookie: `pe_session=${session}` } })).json()) as Array<{ id: string }>;
      const listedIds = new Set(listed.map((w) => w.id));
      expect(acceptedIds.filter((id) => !listedIds.has(id))).toEqual([]);
      // Retrying every key (answered or not) creates nothing twice, and returns the same ids.
      for (const [key, first] of answered) {
        const retry = await post(server.origin, session, key);
        expect(retry?.status).toBe(201);
        if (first) expect(retry?.id).toBe(first.id);
      }
      const after = (await (await fetch(`${server.origin}/api/me/withdrawals`, { headers: { cookie: `pe_session=${session}` } })).json()) as Array<{ id: string }>;
      expect(after).toHaveLength(answered.size);
      const balance = await (await fetch(`${server.origin}/api/me/balance`, { headers: { cookie: `pe_session=${session}` } })).json();
      expect(balance).toMatchObject({ earnedCents: 150_000, pendingCents: answered.size * 1000, availableCents: 150_000 - answered.size * 1000 });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const store = await openStore();
    try {
      expect(await ledgerProblems(store.db)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
