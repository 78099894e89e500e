/**
 * Publishing's background work, on the job queue: publishing approved publications, preparing
 * partners' publications when the brand writes a post (then one digest email a day at most), and
 * a sweep that leaves no publication stuck between states when a job ran out of attempts while
 * its worker was gone. Started by the server (PUBLISHING_WORKER) or alone (`cli worker`).
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { AUTOMATED_NETWORKS, connectedAccounts, publications } from '../../db/schema.js';
import { enqueueJob, type JobOutcome } from '../jobs/job-queue.js';
import { startWorker, type JobHandler, type Worker } from '../jobs/worker.js';
import type { Mailer } from '../mail/mailer.js';
import { partnerContacts } from '../partners/partners.js';
import { HELD, releaseHeld } from './autopilot/holds.js';
import { announceScheduled, NOTICE_JOB, queueScheduled } from './autopilot/scheduler.js';
import { nowFor, pendingCount, prepareAndSchedule, PUBLISH_JOB, type PublishingDeps } from './publications.js';
import { accountPausedMail, postsDigestMail, reconnectMail, scheduledNoticeMail } from './publishing-mail.js';
import { publishJobHandler } from './publish-job.js';

export const PREPARE_JOB = 'posts.prepare';
export const DIGEST_JOB = 'posts.digest';
/** Posts written together go in one digest: it waits this long after the first. */
export const DIGEST_DELAY_MS = 15 * 60_000;
const SWEEP_EVERY_MS = 60_000;

interface Log {
  error(obj: unknown, msg?: string): void;
  info?(obj: unknown, msg?: string): void;
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** Queues the preparation of a new post's publications (pass the post's transaction). */
export async function queuePreparation(tx: Db, templateId: string): Promise<void> {
  await enqueueJob(tx, PREPARE_JOB, { templateId }, { dedupeKey: `prepare:${templateId}` });
}

export function publishingHandlers(db: Db, deps: PublishingDeps, mailer: Mailer, log: Log): Record<string, JobHandler> {
  const send = async (partnerId: string, build: (contact: { email: string; locale: 'fr' | 'en' | null }) => Parameters<Mailer['send']>[0]) => {
    const contact = (await partnerContacts(db, [partnerId])).get(partnerId);
    if (contact) await mailer.send(build(contact));
  };
  // After the change committed, in the background: an email never holds up the job.
  const tellAboutAccount = (accountId: string, mail: typeof reconnectMail, failure: string) => {
    void (async () => {
      const [account] = await db.select({ partnerId: connectedAccounts.partnerId, network: connectedAccounts.network, label: connectedAccounts.label }).from(connectedAccounts).where(eq(connectedAccounts.id, accountId));
      if (account) await send(account.partnerId, (contact) => mail(deps.config, contact, account));
    })().catch((error: unknown) => log.error({ err: error, account: accountId }, failure));
  };

  return {
    [PUBLISH_JOB]: publishJobHandler(db, deps, {
      accountNeedsReconnect(accountId) {
        tellAboutAccount(accountId, reconnectMail, 'could not email the partner about an account to reconnect');
      },
      accountPaused(accountId) {
        tellAboutAccount(accountId, accountPausedMail, 'could not email the partner about a paused account');
      },
    }),

    async [NOTICE_JOB](job): Promise<JobOutcome> {
      const partnerId = String(job.payload.partnerId ?? '');
      const contact = (await partnerContacts(db, [partnerId])).get(partnerId);
      if (!contact) return { kind: 'done' };
      // Marked as told only once the email is sent: a failed send is tried again by the retry.
      await announceScheduled(db, partnerId, nowFor(deps), (scheduled) => mailer.send(scheduledNoticeMail(deps.config, contact, scheduled)));
      return { kind: 'done' };
    },

    async [PREPARE_JOB](): Promise<JobOutcome> {
      // Every partner with an account gets their missing publications (any post, not only this one).
      const partners = await queryRows<{ partner_id: string }>(db, sql`select distinct partner_id from connected_accounts where state <> 'disconnected'`);
      const now = new Date();
      for (const { partner_id: partnerId } of partners) {
        if ((await prepareAndSchedule(db, deps, partnerId)) > 0) {
          await enqueueJob(db, DIGEST_JOB, { partnerId }, { dedupeKey: `digest:${partnerId}:${utcDay(now)}`, runAt: new Date(now.getTime() + DIGEST_DELAY_MS) });
        }
      }
      return { kind: 'done' };
    },

    async [DIGEST_JOB](job): Promise<JobOutcome> {
      const partnerId = String(job.payload.partnerId ?? '');
      const waiting = await pendingCount(db, partnerId);
      // Reviewed meanwhile: nothing to say.
      if (waiting > 0) await send(partnerId, (contact) => postsDigestMail(deps.config, contact, waiting));
      return { kind: 'done' };
    },
  };
}

/**
 * Publications whose job is over without settling them: the job's last attempt was claimed by a
 * worker that died, so the queue failed it without running it. `publishing` may be out (the
 * partner is asked to check); `approved` certainly is not (failed, to publish again). Also gives a
 * scheduled publication left without a job (and not held) its job back.
 */
export async function settleAbandonedPublications(db: Db, olderThan = new Date(Date.now() - SWEEP_EVERY_MS)): Promise<number> {
  const stuck = await queryRows<{ id: string; state: 'approved' | 'publishing' }>(
    db,
    sql`select p.id, p.state from publications p join connected_accounts a on a.id = p.account_id
         where p.state in ('approved', 'publishing') and p.updated_at < ${olderThan.toISOString()}::timestamptz
           -- Held by a pause: no job on purpose, until the pause ends.
           and (p.state_detail is null or p.state_detail not like ${`${HELD}%`})
           and a.network in (${sql.join(AUTOMATED_NETWORKS.map((network) => sql`${network}`), sql`, `)})
           and not exists (select 1 from jobs j where j.dedupe_key like 'publication:' || p.id::text || ':%' and j.status in ('queued', 'running'))`,
  );
  // A scheduled publication with no job and no hold (a job lost with a process, say) gets one back.
  const orphans = await queryRows<{ id: string; scheduled_at: Date | string }>(
    db,
    sql`select p.id, p.scheduled_at from publications p
         where p.state = 'scheduled' and (p.state_detail is null or p.state_detail not like ${`${HELD}%`})
           and not exists (select 1 from jobs j where j.dedupe_key like 'publication:' || p.id::text || ':%' and j.status in ('queued', 'running'))`,
  );
  for (const orphan of orphans) {
    await db.transaction(async (tx) => {
      // Under its row lock (a move or a release queues under it too), still without a job.
      const [again] = await tx.select().from(publications).where(and(eq(publications.id, orphan.id), eq(publications.state, 'scheduled'))).for('update');
      if (!again?.scheduledAt || again.stateDetail?.startsWith(HELD)) return;
      const live = await queryRows<{ id: number }>(tx, sql`select id from jobs where dedupe_key like ${`publication:${again.id}:%`} and status in ('queued', 'running') limit 1`);
      if (live.length === 0) await queueScheduled(tx, again.id, again.scheduledAt);
    });
  }
  for (const row of stuck) {
    await db
      .update(publications)
      .set({ state: row.state === 'publishing' ? 'unconfirmed' : 'failed', stateDetail: 'worker_stopped', updatedAt: new Date() })
      .where(and(eq(publications.id, row.id), eq(publications.state, row.state), lt(publications.updatedAt, olderThan)));
  }
  return stuck.length;
}

export function startPublishingWorker(db: Db, deps: PublishingDeps, mailer: Mailer, log: Log, options: { pollMs?: number; leaseMs?: number; concurrency?: number; workerId?: string } = {}): Worker {
  const worker = startWorker(db, {
    handlers: publishingHandlers(db, deps, mailer, log),
    logger: log,
    concurrency: options.concurrency ?? 2,
    // PUBLISHING_POLL_MS and PUBLISHING_LEASE_SECONDS, unless a test says otherwise.
    pollMs: options.pollMs ?? deps.config.publishingPollMs,
    leaseMs: options.leaseMs ?? deps.config.publishingLeaseMs,
    workerId: options.workerId,
    clock: deps.clock,
  });
  const sweep = () => {
    settleAbandonedPublications(db).catch((error: unknown) => log.error({ err: error }, 'could not sweep abandoned publications'));
    // Holds whose cause ended without releasing them: an account reconnected, or a process that
    // stopped between lifting a pause and releasing what it held.
    releaseHeld(db, deps, {}).catch((error: unknown) => log.error({ err: error }, 'could not release held publications'));
  };
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return {
    id: worker.id,
    wake: () => worker.wake(),
    async stop() {
      clearInterval(timer);
      await worker.stop();
    },
  };
}
