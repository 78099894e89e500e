/**
 * Work done later and at most by one worker at a time: a table of jobs claimed with
 * FOR UPDATE SKIP LOCKED (migration 0017 says why not a library). A claim is a lease on the
 * database's clock; a worker that dies leaves its job to be claimed again when the lease ends, and
 * the job's `attempts` tells the next worker so. Every outcome is written only by the lease's
 * holder (`locked_by`), so a worker that lost its lease cannot undo what the next one decided.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { pgArray } from '../../db/pg-array.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  dedupeKey: string | null;
  status: JobStatus;
  runAt: Date;
  /** Claims so far, this one included: above 1, an earlier attempt may have done part of the work. */
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: string | null;
}

interface JobRow {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  dedupe_key: string | null;
  status: JobStatus;
  run_at: Date | string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: Date | string | null;
  last_error: string | null;
}

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

function toJob(row: JobRow): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    payload: row.payload,
    dedupeKey: row.dedupe_key,
    status: row.status,
    runAt: asDate(row.run_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until === null ? null : asDate(row.locked_until),
    lastError: row.last_error,
  };
}

export interface EnqueueOptions {
  /** When the job may run; now by default. */
  runAt?: Date;
  /** One job per key while it is kept (KEEP_FINISHED_DAYS after it ends): enqueueing the key again returns null and changes nothing. */
  dedupeKey?: string;
  maxAttempts?: number;
}

/** Adds a job; pass a transaction's handle so the job exists only if the change that needs it commits. */
export async function enqueueJob(db: Db, kind: string, payload: Record<string, unknown>, options: EnqueueOptions = {}): Promise<Job | null> {
  const rows = await queryRows<JobRow>(
    db,
    sql`insert into jobs (kind, payload, dedupe_key, run_at, max_attempts)
        values (${kind}, ${JSON.stringify(payload)}::jsonb, ${options.dedupeKey ?? null},
                coalesce(${options.runAt?.toISOString() ?? null}::timestamptz, now()), ${options.maxAttempts ?? 5})
        on conflict (dedupe_key) do nothing
        returning *`,
  );
  return rows[0] ? toJob(rows[0]) : null;
}

/**
 * Claims up to `limit` due jobs of the given kinds for `workerId` for `leaseMs`: queued jobs whose
 * time has come, and running jobs whose lease has ended (their worker died or hung). A job that
 * has used all its attempts is not claimed again: it is marked failed.
 */
export async function claimJobs(db: Db, workerId: string, kinds: readonly string[], options: { limit?: number; leaseMs: number; dueBy?: Date }): Promise<Job[]> {
  if (kinds.length === 0) return [];
  const kindList = sql.join(kinds.map((kind) => sql`${kind}`), sql`, `);
  return db.transaction(async (tx) => {
    // Jobs abandoned after their last attempt end here, not in a loop of claims.
    await tx.execute(sql`update jobs set status = 'failed', locked_by = null, locked_until = null, finished_at = now(),
                                last_error = coalesce(last_error, 'the worker stopped during the last attempt')
                          where status = 'running' and locked_until < now() and attempts >= max_attempts and kind in (${kindList})`);
    const rows = await queryRows<JobRow>(
      tx as unknown as Db,
      sql`update jobs set status = 'running', attempts = attempts + 1, locked_by = ${workerId},
                         locked_until = now() + make_interval(secs => ${options.leaseMs / 1000})
           where id in (select id from jobs
                         where kind in (${kindList})
                           and ((status = 'queued' and run_at <= coalesce(${options.dueBy?.toISOString() ?? null}::timestamptz, now())) or (status = 'running' and locked_until < now()))
                         order by run_at, id
                         limit ${options.limit ?? 1}
                         for update skip locked)
           returning *`,
    );
    return rows.map(toJob).sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id);
  });
}

/** The outcome of a claimed job, written only if `workerId` still holds its lease. */
export type JobOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; at: Date; error: string }
  | { kind: 'failed'; error: string }
  | { kind: 'cancelled'; error?: string };

/**
 * Records a job's outcome; false when the lease was lost (another worker holds the job now). A
 * retry asked for after the last attempt fails the job instead: no job is retried for ever.
 */
export async function finishJob(db: Db, job: Pick<Job, 'id'>, workerId: string, outcome: JobOutcome): Promise<boolean> {
  const where = sql`where id = ${job.id} and status = 'running' and locked_by = ${workerId}`;
  const query =
    outcome.kind === 'retry'
      ? sql`update jobs set status = case when attempts >= max_attempts then 'failed' else 'queued' end,
                           run_at = case when attempts >= max_attempts then run_at else ${outcome.at.toISOString()}::timestamptz end,
                           finished_at = case when attempts >= max_attempts then now() end,
                           locked_by = null, locked_until = null, last_error = ${outcome.error} ${where} returning id`
      : sql`update jobs set status = ${outcome.kind}, locked_by = null, locked_until = null, finished_at = now(),
                           last_error = ${outcome.kind === 'done' ? null : (outcome.error ?? null)} ${where} returning id`;
  return (await queryRows<{ id: number }>(db, query)).length === 1;
}

/** How long a finished job is kept (to read what happened, and to refuse its key again). */
export const KEEP_FINISHED_DAYS = 30;

/** Housekeeping: jobs that ended more than KEEP_FINISHED_DAYS ago. */
export async function deleteFinishedJobs(db: Db, now = new Date()): Promise<void> {
  const before = new Date(now.getTime() - KEEP_FINISHED_DAYS * 86_400_000).toISOString();
  await db.execute(sql`delete from jobs where status in ('done', 'failed', 'cancelled') and finished_at < ${before}::timestamptz`);
}

/** Extends a claimed job's lease while its work goes on; false when the lease was lost. */
export async function extendLease(db: Db, job: Pick<Job, 'id'>, workerId: string, leaseMs: number): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update jobs set locked_until = now() + make_interval(secs => ${leaseMs / 1000})
         where id = ${job.id} and status = 'running' and locked_by = ${workerId} returning id`,
  );
  return rows.length === 1;
}

/** Cancels a job that has not started (e.g. its publication was withdrawn); false if it had. */
export async function cancelQueuedJob(db: Db, dedupeKey: string): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update jobs set status = 'cancelled', finished_at = now() where dedupe_key = ${dedupeKey} and status = 'queued' returning id`,
  );
  return rows.length === 1;
}

export async function getJob(db: Db, dedupeKey: string): Promise<Job | null> {
  const rows = await queryRows<JobRow>(db, sql`select * from jobs where dedupe_key = ${dedupeKey}`);
  return rows[0] ? toJob(rows[0]) : null;
}

/** Cancels the queued jobs whose key starts with one of the prefixes (a publication's jobs); returns how many. */
export async function cancelQueuedJobs(db: Db, keyPrefixes: string[]): Promise<number> {
  if (keyPrefixes.length === 0) return 0;
  const patterns = keyPrefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, '\\$&')}%`);
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update jobs set status = 'cancelled', finished_at = now() where status = 'queued' and dedupe_key like any(${pgArray(patterns)}::text[]) returning id`,
  );
  return rows.length;
}
