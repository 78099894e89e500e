/**
 * The job queue on both engines: one job per key, due jobs only, one claimer per job even when
 * several claim at once, a dead worker's job taken over when its lease ends (and the dead worker
 * unable to overwrite the outcome), attempts that run out, and a worker running jobs to the end.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { cancelQueuedJob, claimJobs, deleteFinishedJobs, enqueueJob, extendLease, finishJob, getJob, KEEP_FINISHED_DAYS } from '../../src/modules/jobs/job-queue.js';
import { retryDelayMs, startWorker } from '../../src/modules/jobs/worker.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';

describe.each(ENGINES)('the job queue on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());
  beforeEach(async () => {
    await database.db.execute(sql`delete from jobs`);
  });

  /** Makes a running job's lease end now, as if its worker had died (the clock is the database's). */
  const endLease = (id: number) => database.db.execute(sql`update jobs set locked_until = now() - interval '1 second' where id = ${id}`);

  it('adds a job once per key, and claims only jobs that are due, oldest first', async () => {
    const db = database.db;
    const first = await enqueueJob(db, 'test.echo', { n: 1 }, { dedupeKey: 'echo:1' });
    expect(first).toMatchObject({ kind: 'test.echo', payload: { n: 1 }, status: 'queued', attempts: 0 });
    expect(await enqueueJob(db, 'test.echo', { n: 99 }, { dedupeKey: 'echo:1' })).toBeNull();
    expect((await getJob(db, 'echo:1'))!.payload).toEqual({ n: 1 });
    await enqueueJob(db, 'test.echo', { n: 2 }, { runAt: new Date(Date.now() + 3_600_000) });
    await enqueueJob(db, 'test.other', { n: 3 });

    const claimed = await claimJobs(db, 'w1', ['test.echo'], { limit: 10, leaseMs: 60_000 });
    expect(claimed.map((job) => job.payload)).toEqual([{ n: 1 }]);
    expect(claimed[0]).toMatchObject({ status: 'running', attempts: 1, lockedBy: 'w1' });
    expect(await claimJobs(db, 'w2', ['test.echo'], { limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('gives each job to one claimer when many claim at once', async () => {
    const db = database.db;
    for (let n = 0; n < 40; n++) await enqueueJob(db, 'test.echo', { n });
    const seen: number[] = [];
    // Four workers claiming in parallel until nothing is left (on PostgreSQL, four connections).
    await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (worker) => {
        for (;;) {
          const jobs = await claimJobs(db, worker, ['test.echo'], { limit: 3, leaseMs: 60_000 });
          if (jobs.length === 0) return;
          for (const job of jobs) {
            seen.push(job.payload.n as number);
            expect(await finishJob(db, job, worker, { kind: 'done' })).toBe(true);
          }
        }
      }),
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    const [row] = await queryRows<{ done: number }>(db, sql`select count(*)::int as done from jobs where status = 'done' and attempts = 1`);
    expect(row?.done).toBe(40);
  });

  it('hands a dead worker’s job to another when the lease ends, and keeps the new holder’s outcome', async () => {
    const db = database.db;
    await enqueueJob(db, 'test.echo', {}, { dedupeKey: 'lease' });
    const [job] = await claimJobs(db, 'dead', ['test.echo'], { leaseMs: 60_000 });
    // Still leased: nobody else may take it.
    expect(await claimJobs(db, 'alive', ['test.echo'], { leaseMs: 60_000 })).toEqual([]);
    await endLease(job!.id);
    const [again] = await claimJobs(db, 'alive', ['test.echo'], { leaseMs: 60_000 });
    expect(again).toMatchObject({ id: job!.id, attempts: 2, lockedBy: 'alive' });
    // The first worker comes back to life: it can neither finish nor keep the job.
    expect(await finishJob(db, job!, 'dead', { kind: 'failed', error: 'late' })).toBe(false);
    expect(await extendLease(db, job!, 'dead', 60_000)).toBe(false);
    expect(await finishJob(db, again!, 'alive', { kind: 'done' })).toBe(true);
    expect(await getJob(db, 'lease')).toMatchObject({ status: 'done', lastError: null, lockedBy: null });
  });

  it('fails a job whose worker died during its last attempt instead of claiming it for ever', async () => {
    const db = database.db;
    await enqueueJob(db, 'test.echo', {}, { dedupeKey: 'last', maxAttempts: 1 });
    const [job] = await claimJobs(db, 'w', ['test.echo'], { leaseMs: 60_000 });
    await endLease(job!.id);
    expect(await claimJobs(db, 'w2', ['test.echo'], { leaseMs: 60_000 })).toEqual([]);
    expect(await getJob(db, 'last')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'the worker stopped during the last attempt' });
  });

  it('puts a job back for later, and cancels only a job that has not started', async () => {
    const db = database.db;
    await enqueueJob(db, 'test.echo', {}, { dedupeKey: 'later' });
    const [job] = await claimJobs(db, 'w', ['test.echo'], { leaseMs: 60_000 });
    expect(await cancelQueuedJob(db, 'later')).toBe(false);
    const at = new Date(Date.now() + 600_000);
    expect(await finishJob(db, job!, 'w', { kind: 'retry', at, error: 'rate limited' })).toBe(true);
    expect(await getJob(db, 'later')).toMatchObject({ status: 'queued', attempts: 1, lastError: 'rate limited', lockedBy: null });
    expect((await getJob(db, 'later'))!.runAt.getTime()).toBe(at.getTime());
    expect(await claimJobs(db, 'w', ['test.echo'], { leaseMs: 60_000 })).toEqual([]);
    expect(await cancelQueuedJob(db, 'later')).toBe(true);
    expect((await getJob(db, 'later'))!.status).toBe('cancelled');
  });

  it('fails a job whose handler asks for a retry after its last attempt, and forgets finished jobs after 30 days', async () => {
    const db = database.db;
    await enqueueJob(db, 'test.echo', {}, { dedupeKey: 'no-more', maxAttempts: 1 });
    const [job] = await claimJobs(db, 'w', ['test.echo'], { leaseMs: 60_000 });
    expect(await finishJob(db, job!, 'w', { kind: 'retry', at: new Date(), error: 'still rate limited' })).toBe(true);
    expect(await getJob(db, 'no-more')).toMatchObject({ status: 'failed', lastError: 'still rate limited' });
    await enqueueJob(db, 'test.echo', {}, { dedupeKey: 'waiting' });
    const later = new Date(Date.now() + (KEEP_FINISHED_DAYS + 1) * 86_400_000);
    await deleteFinishedJobs(db, new Date());
    expect(await getJob(db, 'no-more')).not.toBeNull();
    await deleteFinishedJobs(db, later);
    expect(await getJob(db, 'no-more')).toBeNull();
    // A job still waiting is never deleted, however old.
    expect(await getJob(db, 'waiting')).not.toBeNull();
  });

  it('runs jobs with a worker: done, retried later when the handler throws, failed after the last attempt', async () => {
    const db = database.db;
    const ran: string[] = [];
    await enqueueJob(db, 'test.ok', {}, { dedupeKey: 'ok' });
    await enqueueJob(db, 'test.boom', {}, { dedupeKey: 'boom' });
    await enqueueJob(db, 'test.boom', {}, { dedupeKey: 'boom-last', maxAttempts: 1 });
    const errors: unknown[] = [];
    const worker = startWorker(db, {
      concurrency: 2,
      pollMs: 50,
      logger: { error: (obj) => errors.push(obj) },
      handlers: {
        'test.ok': async (job) => {
          ran.push(job.dedupeKey!);
          return { kind: 'done' };
        },
        'test.boom': async (job) => {
          ran.push(job.dedupeKey!);
          throw new Error('network down');
        },
      },
    });
    try {
      await expect.poll(async () => (await queryRows<{ n: number }>(db, sql`select count(*)::int as n from jobs where status <> 'running' and attempts = 1`))[0]!.n, { timeout: 60_000, interval: 100 }).toBe(3);
    } finally {
      await worker.stop();
    }
    expect(ran.sort()).toEqual(['boom', 'boom-last', 'ok']);
    expect(await getJob(db, 'ok')).toMatchObject({ status: 'done' });
    const retried = (await getJob(db, 'boom'))!;
    expect(retried).toMatchObject({ status: 'queued', lastError: 'network down' });
    // Retried after the back-off, not at once (the database's clock and this one agree to a minute).
    expect(retried.runAt.getTime()).toBeGreaterThan(Date.now() + retryDelayMs(1) - 60_000);
    expect(await getJob(db, 'boom-last')).toMatchObject({ status: 'failed', lastError: 'network down' });
    expect(errors).toHaveLength(2);
  });
});

describe('retry delays', () => {
  it('double from 30 s and stop at an hour', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(3_600_000);
  });
});
