/**
 * The crash test: a crash (SIGKILL) of the worker's process at any point leaves every
 * publication published at most once, and none stuck.
 *
 * On PostgreSQL, 30 partners each approve a post for their Mastodon account on the local instance,
 * which honours no Idempotency-Key (only our lookup before a retry can keep a post single) and
 * answers each status 30–150 ms after creating it, so that kills land between the post and its
 * answer. `cli worker` processes, sometimes two at once, are SIGKILLed 100–800 ms after they
 * start working, again and again; a short lease hands their jobs to the next ones. Then one worker
 * runs to the end and is stopped with SIGTERM, and the sweep runs as it would later. Every
 * publication is then published, unconfirmed or failed; no link is on the instance twice; each
 * published one's proof is its status. The random choices come from a seed, printed, that
 * PUBLISHING_CRASH_SEED fixes.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { linkUrl } from '../../src/modules/campaigns/tracked-links.js';
import { finishMastodonConnection, startMastodonConnection } from '../../src/modules/publishing/accounts.js';
import { publishingAdapters } from '../../src/modules/publishing/adapters.js';
import { mastodonClient } from '../../src/modules/publishing/mastodon-adapter.js';
import { approvePublication, listPublications, preparePublications, PUBLISH_JOB, type PublishingDeps } from '../../src/modules/publishing/publications.js';
import { settleAbandonedPublications } from '../../src/modules/publishing/publishing-worker.js';
import { createTemplate } from '../../src/modules/publishing/templates.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, operator } from '../support/fixtures.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';
import { ensureBuilt, startNode, type RunningProcess } from '../support/processes.js';
import { TEST_SECRET, testConfig } from '../support/test-app.js';

const PARTNERS = 30;
const ROUNDS = 15;
const config = testConfig({ PUBLISHING_ALLOW_LOOPBACK: 'true' });
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };

/** mulberry32: a small PRNG, so that a seed replays the same choices. */
function seeded(seed: number): (min: number, max: number) => number {
  let state = seed >>> 0;
  return (min, max) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    return min + Math.floor(unit * (max - min + 1));
  };
}

interface PublicationRow {
  id: string;
  state: string;
  link_code: string;
  remote_id: string | null;
  state_detail: string | null;
  attempts: number;
}

describe('SIGKILLed publishing workers on PostgreSQL', { timeout: 600_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pe-publishing-crash-'));
  let database: TestDatabase;
  let instance: FakeMastodon;
  let env: Record<string, string>;
  const workers = new Set<RunningProcess>();

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase('postgres');
    instance = await startFakeMastodon();
    env = {
      DATABASE_URL: database.url!,
      DATA_DIR: join(cwd, 'data'),
      // The test's own settings: the same secret unseals the tokens, the same origin makes the links looked up.
      APP_SECRET: TEST_SECRET,
      BASE_URL: config.baseUrl.origin,
      PUBLISHING_ALLOW_LOOPBACK: 'true',
      // A killed worker's jobs come back within seconds (a job here takes a fraction of one).
      PUBLISHING_LEASE_SECONDS: '4',
      PUBLISHING_POLL_MS: '100',
    };
  }, 180_000);
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await Promise.all([...workers].map((worker) => worker.exited));
    await instance?.close();
    await database?.close();
  });

  async function approveEveryone(): Promise<void> {
    const db = database.db;
    const deps: PublishingDeps = { config, adapters: publishingAdapters(local) };
    const campaign = await addCampaign(db, '0.50', 'Box bio crash');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio du mois : {link}' }, operator);
    const client = mastodonClient(local, { timeoutMs: 5_000 });
    for (let i = 0; i < PARTNERS; i++) {
      const partner = await addPartner(db, `crash-${i}@example.com`);
      const { authorizeUrl } = await startMastodonConnection(db, config, partner, { instance: instance.origin }, client, local);
      const back = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
      await finishMastodonConnection(db, config, partner, { state: back.searchParams.get('state'), code: back.searchParams.get('code') }, client);
      await preparePublications(db, config, partner);
      const [publication] = await listPublications(db, config, partner, ['pending_review']);
      await approvePublication(db, deps, partner, publication!.id);
    }
  }

  async function startWorker(): Promise<RunningProcess> {
    const worker = await startNode('dist/src/cli/index.js', ['worker'], env, cwd, /publishing worker started/);
    workers.add(worker);
    void worker.exited.then(() => workers.delete(worker));
    return worker;
  }

  const pendingJobs = async () =>
    (await queryRows<{ n: number }>(database.db, sql`select count(*)::int8 as n from jobs where kind = ${PUBLISH_JOB} and status in ('queued', 'running')`))[0]!.n;

  it('publishes every publication at most once, and leaves none between states', async () => {
    const seed = process.env.PUBLISHING_CRASH_SEED ? Number(process.env.PUBLISHING_CRASH_SEED) : randomInt(2 ** 31);
    console.log(`publishing crash test: seed ${seed} (PUBLISHING_CRASH_SEED=${seed} replays its choices)`);
    const random = seeded(seed);
    await approveEveryone();
    // Only our lookup can keep a retried post single; answers come late, so kills land mid-call.
    instance.honourIdempotency = false;

    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      instance.answerDelayMs = random(30, 150);
      const started = await Promise.all(Array.from({ length: round % 3 === 2 ? 2 : 1 }, () => startWorker()));
      await Promise.all(
        started.map(async (worker) => {
          await new Promise((resolve) => setTimeout(resolve, random(100, 800)));
          worker.child.kill('SIGKILL');
          await worker.exited;
          kills++;
        }),
      );
    }

    // One worker to the end: the killed ones' jobs come back when their leases end (retries made due now).
    await database.db.execute(sql`update jobs set run_at = now() where status = 'queued'`);
    instance.answerDelayMs = random(30, 150);
    const last = await startWorker();
    const deadline = Date.now() + 240_000;
    while ((await pendingJobs()) > 0) {
      if (Date.now() > deadline) throw new Error(`publishing jobs still pending after 4 minutes:\n${last.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    expect(last.output()).toContain('publishing worker stopped');
    // The sweep, as it runs every minute: a job that ran out of attempts while its worker was gone.
    const swept = await settleAbandonedPublications(database.db, new Date(Date.now() + 60_000));

    const rows = await queryRows<PublicationRow>(database.db, sql`select id, state, link_code, remote_id, state_detail, attempts from publications`);
    expect(rows).toHaveLength(PARTNERS);
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.state] = (counts[row.state] ?? 0) + 1;
    // Nothing approved or publishing left: every publication is in a final state.
    expect(rows.filter((row) => !['published', 'unconfirmed', 'failed'].includes(row.state))).toEqual([]);

    const onInstance = (row: PublicationRow) => {
      const link = linkUrl(config.baseUrl, row.link_code);
      return instance.statuses.filter((status) => status.text.split(/\s+/).includes(link));
    };
    for (const row of rows) {
      const posted = onInstance(row);
      // At most once, whatever the kills.
      expect(posted.length, `publication ${row.id} (${row.state})`).toBeLessThanOrEqual(1);
      // Its proof is the status holding its link; a failed one certainly never went out.
      if (row.state === 'published') expect(posted.map((status) => status.id), `publication ${row.id}`).toEqual([row.remote_id]);
      if (row.state === 'failed') expect(posted, `publication ${row.id} (${row.state_detail})`).toEqual([]);
    }
    const [takenOver] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int8 as n from jobs where kind = ${PUBLISH_JOB} and attempts > 1`);
    const unconfirmedOut = rows.filter((row) => row.state === 'unconfirmed' && onInstance(row).length === 1).length;
    // No publish call of theirs came back (attempts counts those): killed between the post and its answer.
    const foundAgain = rows.filter((row) => row.state === 'published' && row.attempts === 0).length;
    console.log(
      `publishing crash test (seed ${seed}): ${kills} workers SIGKILLed over ${ROUNDS} rounds; ${takenOver!.n} jobs taken over after a kill, ${foundAgain} posts found again by the lookup; ` +
        `${counts.published ?? 0} published, ${counts.unconfirmed ?? 0} unconfirmed (${unconfirmedOut} of them out, for the partner to confirm), ` +
        `${counts.failed ?? 0} failed; ${swept} settled by the sweep; ${instance.statuses.length} statuses on the instance for ${PARTNERS} publications`,
    );
  });
});
