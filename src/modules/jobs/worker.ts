/**
 * A worker runs the queue's jobs in this process: it claims due jobs of the kinds it has handlers
 * for, runs each, and records the outcome the handler returns. Several processes may each run one;
 * the queue gives a job to one at a time. It polls (the embedded database has no LISTEN for other
 * processes) once per `pollMs` when idle; `wake()` skips the wait after this process enqueued.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { claimJobs, extendLease, finishJob, type Job, type JobOutcome } from './job-queue.js';

export interface JobContext {
  /** Aborted when the worker stops: a handler should give up what it can safely give up. */
  signal: AbortSignal;
  /** Keeps the job while a long step goes on; false means another worker has it now: stop. */
  extendLease(): Promise<boolean>;
}

export type JobHandler = (job: Job, context: JobContext) => Promise<JobOutcome>;

export interface WorkerOptions {
  handlers: Record<string, JobHandler>;
  /** Jobs run at once by this worker. */
  concurrency?: number;
  pollMs?: number;
  /** How long a claim lasts before another worker may take the job over. */
  leaseMs?: number;
  logger: { error(obj: unknown, msg?: string): void };
  workerId?: string;
  /**
   * Which jobs are due: those whose time is before this clock's now. Absent, the database's clock
   * decides (production); a test moves a clock of its own to see a scheduled job run.
   */
  clock?: () => Date;
}

export interface Worker {
  readonly id: string;
  /** Looks for jobs now instead of at the next poll. */
  wake(): void;
  /** Stops claiming, and waits for the jobs in hand to finish. */
  stop(): Promise<void>;
}

/** A handler that throws is retried later, each time later (30 s, 1 min, 2 min… up to 1 h). */
export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

export function startWorker(db: Db, options: WorkerOptions): Worker {
  const id = options.workerId ?? `worker-${process.pid}-${randomBytes(4).toString('hex')}`;
  const kinds = Object.keys(options.handlers);
  const concurrency = options.concurrency ?? 1;
  const pollMs = options.pollMs ?? 1000;
  const leaseMs = options.leaseMs ?? 120_000;
  const controller = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let wakeUp: (() => void) | null = null;
  let woken = false;

  async function run(job: Job): Promise<void> {
    const handler = options.handlers[job.kind]!;
    let outcome: JobOutcome;
    // While this process lives, its job stays its own: the lease is renewed every third of it, so
    // only a worker that died (or hangs past a whole lease) has its job taken over mid-call.
    const heartbeat = setInterval(() => {
      extendLease(db, job, id, leaseMs).catch((error: unknown) => options.logger.error({ err: error, job: job.id }, 'could not renew a job’s lease'));
    }, Math.max(1000, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    try {
      outcome = await handler(job, { signal: controller.signal, extendLease: () => extendLease(db, job, id, leaseMs) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // finishJob turns a retry after the last attempt into a failure.
      outcome = { kind: 'retry', at: new Date(Date.now() + retryDelayMs(job.attempts)), error: message };
      options.logger.error({ err: error, job: job.id, kind: job.kind, attempts: job.attempts }, 'a job failed');
    }
    clearInterval(heartbeat);
    // False: the lease ended and another worker took the job; its outcome is the one kept.
    await finishJob(db, job, id, outcome);
  }

  const loop = (async () => {
    while (!controller.signal.aborted) {
      let claimed: Job[] = [];
      if (inFlight.size < concurrency) {
        try {
          claimed = await claimJobs(db, id, kinds, { limit: concurrency - inFlight.size, leaseMs, dueBy: options.clock?.() });
        } catch (error) {
          if (!controller.signal.aborted) options.logger.error({ err: error }, 'could not claim jobs');
        }
      }
      for (const job of claimed) {
        const running: Promise<void> = run(job)
          .catch((error) => options.logger.error({ err: error, job: job.id }, 'could not record a job’s outcome'))
          .finally(() => {
            inFlight.delete(running);
            wakeUp?.();
          });
        inFlight.add(running);
      }
      if (claimed.length > 0 && inFlight.size < concurrency) continue;
      if (woken) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        timer.unref();
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  })();

  return {
    id,
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      controller.abort();
      wakeUp?.();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
