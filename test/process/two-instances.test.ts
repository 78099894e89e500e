/**
 * Two app processes on two ports against one PostgreSQL: nothing either keeps in memory may let
 * the other break a rule. Clicks through both are de-duplicated and capped together; withdrawals
 * through both never overdraw; sessions opened on one work on the other.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createSession } from '../../src/modules/auth/sessions.js';
import { verifyDailyStats } from '../../src/modules/earnings/daily-stats.js';
import { createTestDatabase, quietLogger, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, BROWSER_UA, earn, ledgerProblems, linkCode } from '../support/fixtures.js';
import { ensureBuilt, startServer, type RunningServer } from '../support/processes.js';
import { NAVIGATION, rawRequest } from '../support/raw-http.js';
import { csrfTokenIn } from '../support/test-app.js';

describe('two instances on one PostgreSQL', () => {
  let pg: TestDatabase;
  let store: Database;
  let a: RunningServer;
  let b: RunningServer;
  let code: string;
  let session: string;

  beforeAll(async () => {
    ensureBuilt();
    pg = await createTestDatabase('postgres', { migrate: false });
    store = await openDatabase({ databaseUrl: pg.url!, dataDir: null, logger: quietLogger });
    await migrate(store);
    const clicker = await addPartner(store.db, 'shared-clicks@example.com');
    code = await linkCode(store.db, clicker, (await addCampaign(store.db, '0.12')).id);
    const saver = await addPartner(store.db, 'shared-saver@example.com');
    await earn(store.db, saver, 5); // 50 €
    session = (await createSession(store.db, saver)).id;
    const cwd = mkdtempSync(join(tmpdir(), 'pe-two-'));
    const env = { DATABASE_URL: pg.url!, DATA_DIR: join(cwd, 'data'), APP_SECRET: 'two-instances-secret-two-instances-0001', DEMO_DATA: 'false', TRUST_PROXY: 'true', MAX_PAID_CLICKS_PER_DAY: '5' };
    [a, b] = await Promise.all([startServer(env, cwd), startServer(env, cwd)]);
  });
  afterAll(async () => {
    for (const server of [a, b]) if (server && server.child.exitCode === null) server.child.kill('SIGTERM');
    await Promise.all([a?.exited, b?.exited]);
    await store?.close();
    await pg?.close();
  });

  const click = (server: RunningServer, address: string) =>
    rawRequest(`${server.origin}/r/${code}`, { 'user-agent': BROWSER_UA, 'x-forwarded-for': address, ...NAVIGATION }).then((r) => r.status);

  it('de-duplicates one visitor across both instances, and caps the partner across both', async () => {
    const same = await Promise.all([a, b, a, b, a, b].map((server) => click(server, '203.0.113.50')));
    expect(same.every((status) => status === 302)).toBe(true);
    const crowd = await Promise.all(Array.from({ length: 12 }, (_, i) => click(i % 2 ? a : b, `203.0.113.${60 + i}`)));
    expect(crowd.every((status) => status === 302)).toBe(true);
    const verdicts = await queryRows<{ verdict: string; n: number }>(store.db, sql`select verdict, count(*)::int8 as n from metric_events where link_code = ${code} group by verdict order by verdict`);
    expect(Object.fromEntries(verdicts.map((v) => [v.verdict, v.n]))).toEqual({ duplicate: 5, over_cap: 8, valid: 5 });
    expect(await verifyDailyStats(store.db)).toEqual([]);
  });

  it('accepts one of many concurrent full-balance withdrawals sent to both instances', async () => {
    const ask = (server: RunningServer, i: number) =>
      fetch(`${server.origin}/api/me/withdrawals`, {
        method: 'POST',
        headers: { cookie: `pe_session=${session}`, 'content-type': 'application/json', 'idempotency-key': `two-inst-${i}` },
        body: JSON.stringify({ amount: '50', method: 'paypal', details: 'shared-saver@example.com' }),
      }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(i % 2 ? a : b, i)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(29);
    expect(await ledgerProblems(store.db)).toEqual([]);
  });

  it('shares sessions and rate limits between instances', async () => {
    for (const server of [a, b]) {
      const response = await fetch(`${server.origin}/api/me/balance`, { headers: { cookie: `pe_session=${session}` } });
      expect(response.status).toBe(200);
    }
    // A form token from one instance works on the other; the per-address limit (20 per 15 min) counts both.
    const landing = await fetch(`${a.origin}/partners`);
    const cookie = landing.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = csrfTokenIn(await landing.text());
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const response = await fetch(`${(i % 2 ? a : b).origin}/partner/magic`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.99' },
        body: new URLSearchParams({ _csrf: csrf, email: `limit-${i}@example.com` }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});
