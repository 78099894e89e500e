/**
 * The autopilot on both engines, with a controlled clock: settings refused with their field and
 * nothing changed; waiting posts scheduled within the cap, the spacing, the allowed hours and
 * days (in the partner's zone), at least the veto window ahead, announced by one email; two
 * schedulers at once (separate connections on PostgreSQL) never pass the cap; the partner's veto
 * (cancel, edit, move) until a worker claims it; turning it off returns posts to review; a due
 * publication goes out once when the clock reaches it; pauses and a refused credential hold it
 * until released; two failures in a row pause the account, which the partner resumes.
 */
import { createServer, type Server } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database, type Db } from '../../src/db/client.js';
import { claimJobs, finishJob } from '../../src/modules/jobs/job-queue.js';
import { type JobHandler } from '../../src/modules/jobs/worker.js';
import { connectWebhook, finishMastodonConnection, removeAccount, startMastodonConnection } from '../../src/modules/publishing/accounts.js';
import { publishingAdapters } from '../../src/modules/publishing/adapters.js';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { saveAutopilot } from '../../src/modules/publishing/autopilot/autopilot-settings.js';
import { recordAccountOutcome, releaseHeld, resumeAccount } from '../../src/modules/publishing/autopilot/holds.js';
import { checkSlot, instantToWall, type AutopilotSettings } from '../../src/modules/publishing/autopilot/schedule.js';
import { NOTICE_JOB, scheduleAccount } from '../../src/modules/publishing/autopilot/scheduler.js';
import { cancelScheduled, editScheduled, rescheduleScheduled } from '../../src/modules/publishing/autopilot/veto.js';
import { mastodonClient } from '../../src/modules/publishing/mastodon-adapter.js';
import { listPublications, preparePublications, PUBLISH_JOB, type PublishingDeps } from '../../src/modules/publishing/publications.js';
import { publishingHandlers } from '../../src/modules/publishing/publishing-worker.js';
import { createTemplate, withdrawTemplate } from '../../src/modules/publishing/templates.js';
import { createTestDatabase, ENGINES, quietLogger, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, countRows, operator, refusal } from '../support/fixtures.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

const config = testConfig({ PUBLISHING_ALLOW_LOOPBACK: 'true' });
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
const VETO = config.autopublishVetoMs;

/** The local day (YYYY-MM-DD) and hour of an instant in Paris. */
const paris = (at: Date) => instantToWall(at, 'Europe/Paris');

describe.each(ENGINES)('the autopilot on %s', (engine) => {
  let database: TestDatabase;
  let instance: FakeMastodon;
  let hook: Server;
  let hookUrl: string;
  /** How the webhook receiver answers the next calls. */
  let hookStatus = 200;
  let hookCalls = 0;
  const mailer = new CapturingMailer();
  /** The controlled clock: a Wednesday, 07:00 in Paris. */
  let now = new Date('2026-12-02T06:00:00Z');
  const deps: PublishingDeps = { config, adapters: publishingAdapters(local, { timeoutMs: 5_000 }), clock: () => now };
  let handlers: Record<string, JobHandler>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    instance = await startFakeMastodon();
    hook = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        hookCalls++;
        response.writeHead(hookStatus, { 'content-type': 'application/json' }).end(hookStatus === 200 ? '{"id":"hook-1"}' : '{"error":"refused"}');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/pe`;
    handlers = publishingHandlers(database.db, deps, mailer, quietLogger);
  }, 60_000);
  afterAll(async () => {
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
    await instance?.close();
    await database?.close();
  });

  /** Runs the jobs due by the controlled clock, as a worker would; returns how many ran. */
  async function runDueJobs(kinds: string[] = [PUBLISH_JOB, NOTICE_JOB]): Promise<number> {
    let ran = 0;
    for (;;) {
      const [job] = await claimJobs(database.db, 'test-worker', kinds, { limit: 1, leaseMs: 60_000, dueBy: now });
      if (!job) return ran;
      const outcome = await handlers[job.kind]!(job, { signal: new AbortController().signal, extendLease: async () => true });
      await finishJob(database.db, job, 'test-worker', outcome);
      ran++;
    }
  }

  async function connectMastodon(db: Db, partnerId: string, on: FakeMastodon = instance): Promise<string> {
    const client = mastodonClient(local, { timeoutMs: 5_000 });
    const { authorizeUrl } = await startMastodonConnection(db, config, partnerId, { instance: on.origin }, client, local);
    const back = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    return (await finishMastodonConnection(db, config, partnerId, { state: back.searchParams.get('state'), code: back.searchParams.get('code') }, client)).id;
  }

  /** A fresh campaign with `posts` posts, a partner, and one account of theirs (publications prepared). */
  async function setUp(name: string, posts: number, account: 'mastodon' | 'webhook' = 'webhook') {
    const db = database.db;
    now = new Date('2026-12-02T06:00:00Z');
    await db.execute(sql`update post_templates set status = 'withdrawn', withdrawn_at = now() where status = 'active'`);
    await db.execute(sql`update jobs set status = 'cancelled', finished_at = now() where status = 'queued'`);
    const campaign = await addCampaign(db, '0.50', `Box ${name}`);
    const partner = await addPartner(db, `${name}-${engine}@example.com`);
    for (let index = 0; index < posts; index++) await createTemplate(db, config, campaign.id, { locale: 'fr', texts: `Post ${index + 1} de la box : {link}` }, operator);
    const accountId = account === 'mastodon' ? await connectMastodon(db, partner) : (await connectWebhook(db, config, partner, { url: hookUrl }, local)).account.id;
    await preparePublications(db, config, partner);
    return { db, campaign, partner, accountId };
  }

  const scheduledOf = (db: Db, accountId: string) =>
    queryRows<{ id: string; scheduled_at: Date | string; notified_at: Date | null }>(db, sql`select id, scheduled_at, notified_at from publications where account_id = ${accountId} and state = 'scheduled' order by scheduled_at`).then((rows) =>
      rows.map((row) => ({ id: row.id, at: new Date(row.scheduled_at), notified: row.notified_at !== null })),
    );

  const SETTINGS = { enabled: 'on', dailyCap: '2', startHour: '9', endHour: '21', days: ['1', '2', '3', '4', '5', '6', '7'], timeZone: 'Europe/Paris', spacingMinutes: '180' };

  it('refuses each bad setting with its field and changes nothing', async () => {
    const { db, partner, accountId } = await setUp('refusals', 1);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ dailyCap: '0' }, 'dailyCap'],
      [{ dailyCap: '25' }, 'dailyCap'],
      [{ dailyCap: 'deux' }, 'dailyCap'],
      [{ startHour: '21', endHour: '9' }, 'endHour'],
      [{ startHour: '24' }, 'startHour'],
      [{ endHour: '-1' }, 'endHour'],
      [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ spacingMinutes: '30' }, 'spacingMinutes'],
      [{ days: undefined, daysShown: '1' }, 'days'],
      [{ days: ['8'] }, 'days'],
    ];
    for (const [change, field] of cases) {
      const error = await refusal(saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, ...change }));
      expect(error.field, JSON.stringify(change)).toBe(field);
    }
    expect(await countRows(db, sql`autopilot_settings where account_id = ${accountId}`)).toBe(0);
    expect(await countRows(db, sql`publications where account_id = ${accountId} and state = 'scheduled'`)).toBe(0);
    // Networks shared by hand have no autopilot; someone else's account is not found.
    const x = await connectAssisted(db, partner, { network: 'x', handle: '@lina' });
    expect((await refusal(saveAutopilot(db, deps, partner, x.id, SETTINGS))).messageKey).toBe('autopilot.error.assisted');
    const other = await addPartner(db, `other-refusals-${engine}@example.com`);
    expect((await refusal(saveAutopilot(db, deps, other, accountId, SETTINGS))).status).toBe(404);
    expect(await countRows(db, sql`autopilot_settings`)).toBe(0);
  });

  it('schedules within the cap, the spacing, the hours and days, the veto window ahead, and announces it once', async () => {
    const { db, partner, accountId } = await setUp('schedule', 5);
    const saved = await saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, days: ['1', '2', '3', '4', '5'] });
    expect(saved).toMatchObject({ enabled: true, scheduled: 5 });
    const scheduled = await scheduledOf(db, accountId);
    expect(scheduled).toHaveLength(5);
    const settings: AutopilotSettings = { dailyCap: 2, startHour: 9, endHour: 21, days: [1, 2, 3, 4, 5], timeZone: 'Europe/Paris', spacingMinutes: 180 };
    for (const [index, slot] of scheduled.entries()) {
      expect(slot.at.getTime()).toBeGreaterThanOrEqual(now.getTime() + VETO);
      // Each fits against the others, as the partner's own choice would be checked.
      expect(checkSlot(settings, scheduled.filter((_, other) => other !== index).map((other) => other.at), slot.at), paris(slot.at)).toBeNull();
      expect(slot.at.getUTCSeconds()).toBe(0);
    }
    // Five posts at two a day on weekdays: Wednesday's window starts after the veto (19:00 Paris at
    // the earliest), so they spread over at least three days, never a Saturday or Sunday.
    const days = new Set(scheduled.map((slot) => paris(slot.at).slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(3);
    for (const day of days) expect([6, 0]).not.toContain(new Date(`${day}T12:00:00Z`).getUTCDay());
    // Each has its job at its time.
    const jobs = await queryRows<{ run_at: Date | string; payload: { publicationId: string } }>(db, sql`select run_at, payload from jobs where kind = ${PUBLISH_JOB} and status = 'queued'`);
    for (const slot of scheduled) expect(jobs.some((job) => job.payload.publicationId === slot.id && new Date(job.run_at).getTime() === slot.at.getTime())).toBe(true);
    // One email, a minute later, listing all five; nothing more after.
    mailer.sent.length = 0;
    now = new Date(now.getTime() + 2 * 60_000);
    await runDueJobs([NOTICE_JOB]);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.subject).toContain('5 posts programmés');
    expect(mailer.sent[0]!.text).toContain('Post 1 de la box');
    expect((await scheduledOf(db, accountId)).every((slot) => slot.notified)).toBe(true);
    await scheduleAccount(db, deps, accountId);
    await runDueJobs([NOTICE_JOB]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('schedules across the spring clock change in the partner’s zone: no time that does not exist, the cap per local day', async () => {
    const { db, partner, accountId } = await setUp('dst', 9);
    // Friday 26 March 2027, 13:00 in Paris; on Sunday the 28th, 02:00 becomes 03:00.
    now = new Date('2027-03-26T12:00:00Z');
    await saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, dailyCap: '3', startHour: '1', endHour: '4', spacingMinutes: '60' });
    const scheduled = await scheduledOf(db, accountId);
    expect(scheduled).toHaveLength(9);
    const perDay = new Map<string, number>();
    for (const slot of scheduled) {
      const wall = paris(slot.at);
      // Every time is a real Paris time between 01:00 and 04:00, never in the skipped hour's place.
      expect(Number(wall.slice(11, 13))).toBeGreaterThanOrEqual(1);
      expect(Number(wall.slice(11, 13))).toBeLessThan(4);
      if (wall.startsWith('2027-03-28')) expect(wall.slice(11, 13)).not.toBe('02');
      perDay.set(wall.slice(0, 10), (perDay.get(wall.slice(0, 10)) ?? 0) + 1);
    }
    // From Saturday on (Friday's window is before the veto ends), never more than 3 on a local day;
    // random times an hour apart in a three-hour window leave room for 2 or 3.
    expect([...perDay.keys()].sort()[0]).toBe('2027-03-27');
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(3);
    expect(perDay.size).toBeLessThanOrEqual(6);
    // Spacing holds in real time across the change (the 28th's window is two hours long).
    const times = scheduled.map((slot) => slot.at.getTime()).sort((a, b) => a - b);
    for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(60 * 60_000);
  });

  it('leaves out a text over the account’s own limit, with the reason, for the partner to shorten', async () => {
    const { db, campaign, partner } = await setUp('limit', 0);
    const small = await startFakeMastodon({ maxCharacters: 80 });
    try {
      await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Court : {link}' }, operator);
      await createTemplate(db, config, campaign.id, { locale: 'fr', texts: `Un texte bien trop long pour cette petite instance, qui compte serré : {link}` }, operator);
      const accountId = await connectMastodon(db, partner, small);
      await preparePublications(db, config, partner);
      expect(await saveAutopilot(db, deps, partner, accountId, SETTINGS)).toMatchObject({ scheduled: 1 });
      expect(await countRows(db, sql`publications where account_id = ${accountId} and state = 'pending_review' and state_detail = 'breaks_account_rules'`)).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('keeps the cap when schedulers run at once (separate connections on PostgreSQL)', async () => {
    const { db, partner, accountId } = await setUp('concurrent', 12);
    await db.execute(sql`insert into autopilot_settings (account_id, enabled, daily_cap, start_hour, end_hour, days, time_zone, spacing_minutes)
                         values (${accountId}, true, 1, 9, 21, '{1,2,3,4,5,6,7}', 'Europe/Paris', 60)`);
    // Another app process: its own pool on the same database (PGlite has one connection: same db).
    const others: Database[] = [];
    if (database.url) for (let index = 0; index < 3; index++) others.push(await openDatabase({ databaseUrl: database.url, dataDir: null, logger: quietLogger }));
    try {
      const dbs = [db, ...others.map((other) => other.db)];
      const counts = await Promise.all(Array.from({ length: 8 }, (_, index) => scheduleAccount(dbs[index % dbs.length]!, deps, accountId)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
    const scheduled = await scheduledOf(db, accountId);
    expect(scheduled).toHaveLength(12);
    const perDay = new Map<string, number>();
    for (const slot of scheduled) perDay.set(paris(slot.at).slice(0, 10), (perDay.get(paris(slot.at).slice(0, 10)) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBe(1);
    expect(await countRows(db, sql`jobs where kind = ${PUBLISH_JOB} and status = 'queued' and payload->>'publicationId' in (select id::text from publications where account_id = ${accountId})`)).toBe(12);
    expect(await countRows(db, sql`jobs where kind = ${NOTICE_JOB} and status = 'queued' and payload->>'partnerId' = ${partner}`)).toBe(1);
  });

  it('lets the partner cancel, edit or move a scheduled post until it is claimed, and turning it off returns the rest to review', async () => {
    const { db, partner, accountId } = await setUp('veto', 3);
    await saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, dailyCap: '1' });
    const [first, second, third] = await scheduledOf(db, accountId);
    const other = await addPartner(db, `veto-other-${engine}@example.com`);
    expect((await refusal(cancelScheduled(db, other, first!.id))).status).toBe(404);

    await cancelScheduled(db, partner, first!.id);
    expect(await countRows(db, sql`publications where id = ${first!.id} and state = 'declined' and state_detail = 'cancelled_by_partner'`)).toBe(1);
    expect(await countRows(db, sql`jobs where status = 'queued' and payload->>'publicationId' = ${first!.id}`)).toBe(0);
    expect((await refusal(cancelScheduled(db, partner, first!.id))).messageKey).toBe('autopilot.error.notScheduled');

    // An edit keeps the disclosure, brand and link, or is refused and changes nothing.
    const [before] = await listPublications(db, config, partner, ['scheduled'], { limit: 1 });
    expect((await refusal(editScheduled(db, deps, partner, second!.id, { text: 'Sans mention ni lien' }))).field).toBe('text');
    const edited = await editScheduled(db, deps, partner, second!.id, { text: before!.id === second!.id ? `${before!.text} Je recommande !` : undefined });
    expect(edited.state).toBe('scheduled');

    // Moving: refused outside the hours, too soon, on a day at the cap, too close; else moved with a new job.
    const day3 = paris(third!.at).slice(0, 10);
    const refusals: Array<[string, string]> = [
      [`${paris(second!.at).slice(0, 10)}T22:30`, 'autopilot.error.atWindow'],
      [instantToWall(new Date(now.getTime() + 5 * 60_000), 'Europe/Paris'), 'autopilot.error.atPast'],
      [`${day3}T${paris(third!.at).slice(11, 13) === '20' ? '09' : '20'}:00`, 'autopilot.error.atCap'],
      ['demain midi', 'autopilot.error.at'],
      ['2027-03-28T02:30', 'autopilot.error.at'],
    ];
    for (const [at, key] of refusals) {
      const error = await refusal(rescheduleScheduled(db, deps, partner, second!.id, { at }));
      expect(error.messageKey, `${at}: ${error.message}`).toBe(key);
    }
    expect((await scheduledOf(db, accountId)).find((slot) => slot.id === second!.id)!.at).toEqual(second!.at);
    const target = `${paris(new Date(third!.at.getTime() + 3 * 86_400_000)).slice(0, 10)}T10:15`;
    await rescheduleScheduled(db, deps, partner, second!.id, { at: target });
    const moved = (await scheduledOf(db, accountId)).find((slot) => slot.id === second!.id)!;
    expect(paris(moved.at)).toBe(target);
    const jobs = await queryRows<{ run_at: Date | string }>(db, sql`select run_at from jobs where status = 'queued' and payload->>'publicationId' = ${second!.id}`);
    expect(jobs.map((job) => new Date(job.run_at).getTime())).toEqual([moved.at.getTime()]);

    // Claimed: no veto any more.
    await db.execute(sql`update publications set state = 'publishing' where id = ${third!.id}`);
    expect((await refusal(cancelScheduled(db, partner, third!.id))).messageKey).toBe('autopilot.error.notScheduled');
    await db.execute(sql`update publications set state = 'scheduled' where id = ${third!.id}`);

    const off = await saveAutopilot(db, deps, partner, accountId, {});
    expect(off).toMatchObject({ enabled: false, unscheduled: 2 });
    expect(await countRows(db, sql`publications where account_id = ${accountId} and state = 'pending_review' and state_detail = 'autopilot_off'`)).toBe(2);
    expect(await countRows(db, sql`jobs where status = 'queued' and kind = ${PUBLISH_JOB} and payload->>'publicationId' in (select id::text from publications where account_id = ${accountId})`)).toBe(0);
    expect(await countRows(db, sql`audit_log where action in ('autopilot_enabled', 'autopilot_disabled') and partner_id = ${partner}`)).toBe(2);
  });

  it('publishes a scheduled post once when the clock reaches it, not before', async () => {
    const { db, partner, accountId } = await setUp('due', 1, 'mastodon');
    await saveAutopilot(db, deps, partner, accountId, SETTINGS);
    const [slot] = await scheduledOf(db, accountId);
    const before = instance.statuses.length;
    now = new Date(slot!.at.getTime() - 60_000);
    await runDueJobs();
    expect(instance.statuses.length).toBe(before);
    now = new Date(slot!.at.getTime() + 30_000);
    await runDueJobs();
    await runDueJobs();
    expect(instance.statuses.length).toBe(before + 1);
    const [published] = await listPublications(db, config, partner, ['published']);
    expect(published).toMatchObject({ autopilot: true, id: slot!.id });
    expect(instance.statuses.at(-1)!.text.startsWith('Publicité · Box due')).toBe(true);
  });

  it('holds what a pause or a refused credential stops, and releases it when they end', async () => {
    const { db, campaign, partner, accountId } = await setUp('held', 2, 'mastodon');
    await saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, dailyCap: '1' });
    const [first, second] = await scheduledOf(db, accountId);
    await db.execute(sql`update campaigns set publishing_paused_at = now() where id = ${campaign.id}`);
    now = new Date(first!.at.getTime() + 1000);
    const before = instance.statuses.length;
    await runDueJobs();
    expect(instance.statuses.length).toBe(before);
    expect(await countRows(db, sql`publications where id = ${first!.id} and state = 'scheduled' and state_detail = 'held:campaign_paused'`)).toBe(1);
    // Still paused: nothing released.
    expect(await releaseHeld(db, deps, { campaignId: campaign.id })).toBe(0);
    await db.execute(sql`update campaigns set publishing_paused_at = null where id = ${campaign.id}`);
    // Its time passed while held: a new slot, the veto window ahead, announced again.
    expect(await releaseHeld(db, deps, { campaignId: campaign.id })).toBe(1);
    const replanned = (await scheduledOf(db, accountId)).find((slot) => slot.id === first!.id)!;
    expect(replanned.at.getTime()).toBeGreaterThanOrEqual(now.getTime() + VETO);
    expect(replanned.notified).toBe(false);

    // A revoked token: the due publication waits for the reconnection, nothing is sent.
    await db.execute(sql`update connected_accounts set state = 'needs_reconnect' where id = ${accountId}`);
    now = new Date(second!.at.getTime() + 1000);
    await runDueJobs();
    expect(await countRows(db, sql`publications where id = ${second!.id} and state = 'scheduled' and state_detail = 'held:account_needs_reconnect'`)).toBe(1);
    expect(instance.statuses.length).toBe(before);
    // Reconnected: the sweep's release (no scope) plans it anew, and it goes out at its new time, once.
    await db.execute(sql`update connected_accounts set state = 'connected' where id = ${accountId}`);
    expect(await releaseHeld(db, deps, {})).toBe(1);
    const next = (await scheduledOf(db, accountId)).find((slot) => slot.id === second!.id)!;
    now = new Date(Math.max(next.at.getTime(), replanned.at.getTime()) + 1000);
    await runDueJobs();
    await runDueJobs();
    expect(instance.statuses.length).toBe(before + 2);
    expect(await countRows(db, sql`publications where account_id = ${accountId} and state = 'published' and autopilot`)).toBe(2);
  });

  it('pauses an account after two failures in a row, tells the partner, and resumes it', async () => {
    const { db, partner, accountId } = await setUp('failures', 3);
    await saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, dailyCap: '3', spacingMinutes: '60' });
    const slots = await scheduledOf(db, accountId);
    hookStatus = 400;
    mailer.sent.length = 0;
    try {
      now = new Date(slots[1]!.at.getTime() + 1000);
      await runDueJobs();
    } finally {
      hookStatus = 200;
    }
    expect(await countRows(db, sql`publications where account_id = ${accountId} and state = 'failed'`)).toBe(2);
    expect(await countRows(db, sql`connected_accounts where id = ${accountId} and state = 'paused' and consecutive_failures = 2`)).toBe(1);
    await expect.poll(() => mailer.sent.filter((mail) => mail.subject.includes('en pause')).length, { timeout: 10_000 }).toBe(1);
    // The third waits while paused.
    now = new Date(slots[2]!.at.getTime() + 1000);
    const calls = hookCalls;
    await runDueJobs();
    expect(hookCalls).toBe(calls);
    expect(await countRows(db, sql`publications where id = ${slots[2]!.id} and state_detail = 'held:account_paused'`)).toBe(1);
    // Resumed: the count starts again, the held one is planned anew (its time passed).
    expect(await resumeAccount(db, deps, partner, accountId)).toBe(1);
    expect(await countRows(db, sql`connected_accounts where id = ${accountId} and state = 'connected' and consecutive_failures = 0`)).toBe(1);
    expect((await refusal(resumeAccount(db, deps, partner, accountId))).messageKey).toBe('autopilot.error.notPaused');
    const [again] = await scheduledOf(db, accountId);
    now = new Date(again!.at.getTime() + 1000);
    await runDueJobs();
    expect(hookCalls).toBe(calls + 1);
    // A success sets the count back: one failure alone does not pause.
    expect(await recordAccountOutcome(db, accountId, false)).toBe(false);
    expect(await recordAccountOutcome(db, accountId, true)).toBe(false);
    expect(await recordAccountOutcome(db, accountId, false)).toBe(false);
  });

  it('spreads 5 texts with alternatives over 200 partners and reports how many share each exact text', async () => {
    const db = database.db;
    await db.execute(sql`update post_templates set status = 'withdrawn', withdrawn_at = now() where status = 'active'`);
    const campaign = await addCampaign(db, '0.10', `Box variations ${engine}`);
    const texts = [
      '{Découvre|Essaie|Teste} la box bio du mois : {link}',
      'Ma box bio est arrivée, {franchement top|je recommande} : {link}',
      'Des légumes de saison livrés chez toi {link} #bio',
      '{Petit|Joli} panier bio de décembre, {à tester|à découvrir} : {link}',
      'Je teste la box bio : {link}',
    ].join('\n---\n');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts }, operator);
    const partners: string[] = [];
    for (let index = 0; index < 200; index++) {
      const partner = await addPartner(db, `variation-${index}-${engine}@example.com`);
      await db.execute(sql`insert into connected_accounts (partner_id, network, label, credentials_sealed) values (${partner}, 'telegram', ${`@canal${index}`}, '')`);
      partners.push(partner);
    }
    // One partner with a second account gets another text for it.
    await db.execute(sql`insert into connected_accounts (partner_id, network, label, credentials_sealed) values (${partners[0]}, 'discord', 'salon', '')`);
    for (const partner of partners) await preparePublications(db, config, partner);
    const rows = await queryRows<{ partner_id: string; variant_id: string; text: string; link_code: string }>(
      db,
      sql`select p.partner_id, p.variant_id, p.text, p.link_code from publications p join post_templates t on t.id = p.template_id where t.campaign_id = ${campaign.id}`,
    );
    expect(rows).toHaveLength(201);
    // The exact text, the partner's own link aside.
    const exact = new Map<string, number>();
    for (const row of rows.filter((row) => row.partner_id !== partners[0])) {
      const text = row.text.replace(new RegExp(`https?://\\S*/r/${row.link_code}`), '{link}');
      exact.set(text, (exact.get(text) ?? 0) + 1);
    }
    const perVariant = new Map<string, number>();
    for (const row of rows) perVariant.set(row.variant_id, (perVariant.get(row.variant_id) ?? 0) + 1);
    const shares = [...exact.values()].sort((a, b) => b - a);
    console.log(`[${engine}] 5 texts × 199 partners: ${exact.size} distinct exact texts; partners per text: ${shares.join(', ')}`);
    // Each text used by 40 or 41 of the 201 publications (least used first).
    expect([...perVariant.values()].every((count) => count === 40 || count === 41)).toBe(true);
    // 3 + 2 + 1 + 4 + 1 = 11 possible texts, each given: alternatives spread evenly inside a text.
    expect(exact.size).toBe(11);
    expect(shares[0]).toBeLessThanOrEqual(41);
    const mine = rows.filter((row) => row.partner_id === partners[0]);
    expect(new Set(mine.map((row) => row.variant_id)).size).toBe(2);
  }, 300_000);

  it('never strands or doubles a scheduled post: withdrawn post, removed account, same minute drawn again, moved while held, failed notice, suspended partner', async () => {
    const { db, partner, accountId } = await setUp('edges', 4);
    await saveAutopilot(db, deps, partner, accountId, { ...SETTINGS, dailyCap: '1' });
    const [first, second, third, fourth] = await scheduledOf(db, accountId);
    const liveJobs = (id: string) => countRows(db, sql`jobs where status = 'queued' and payload->>'publicationId' = ${id}`);

    // The operator withdraws the first post: its scheduled copy is withdrawn with it.
    const [{ template_id: templateId }] = (await queryRows<{ template_id: string }>(db, sql`select template_id from publications where id = ${first!.id}`)) as [{ template_id: string }];
    expect(await withdrawTemplate(db, templateId, operator)).toEqual({ withdrawn: 1 });
    expect(await countRows(db, sql`publications where id = ${first!.id} and state = 'withdrawn'`)).toBe(1);
    expect(await liveJobs(first!.id)).toBe(0);

    // Re-planned twice drawing the same minutes: each still has its one job.
    await scheduleAccount(db, deps, accountId, { replan: true, random: () => 0.5 });
    await scheduleAccount(db, deps, accountId, { replan: true, random: () => 0.5 });
    for (const slot of await scheduledOf(db, accountId)) expect(await liveJobs(slot.id)).toBe(1);

    // Moved while its partner's publishing is paused: one job when released, not two.
    await db.execute(sql`update partners set publishing_paused_at = now() where id = ${partner}`);
    const [a] = await scheduledOf(db, accountId);
    now = new Date(a!.at.getTime() + 1000);
    await runDueJobs();
    expect(await countRows(db, sql`publications where id = ${a!.id} and state_detail = 'held:partner_paused'`)).toBe(1);
    const later = new Date(a!.at.getTime() + 4 * 86_400_000);
    await rescheduleScheduled(db, deps, partner, a!.id, { at: `${paris(later).slice(0, 10)}T11:00` });
    expect(await liveJobs(a!.id)).toBe(0);
    await db.execute(sql`update partners set publishing_paused_at = null where id = ${partner}`);
    expect(await releaseHeld(db, deps, { partnerId: partner })).toBeGreaterThanOrEqual(1);
    expect(await liveJobs(a!.id)).toBe(1);

    // A suspended partner's due post waits, held, and nothing is sent.
    const calls = hookCalls;
    await db.execute(sql`update partners set status = 'suspended', status_reason = 'test' where id = ${partner}`);
    now = new Date(later.getTime() + 86_400_000);
    await runDueJobs();
    expect(hookCalls).toBe(calls);
    expect(await countRows(db, sql`publications where id = ${a!.id} and state_detail = 'held:partner_suspended'`)).toBe(1);
    await db.execute(sql`update partners set status = 'active', status_reason = null where id = ${partner}`);

    // The account removed: what is scheduled on it is withdrawn, nothing left to go out.
    await removeAccount(db, partner, accountId);
    expect(await countRows(db, sql`publications where account_id = ${accountId} and state = 'scheduled'`)).toBe(0);
    for (const id of [second!.id, third!.id, fourth!.id]) expect(await liveJobs(id)).toBe(0);
  });

  it('announces again when the email failed, and sends nothing unannounced', async () => {
    const { db, partner, accountId } = await setUp('notice', 1);
    let failNext = true;
    const flaky = new CapturingMailer();
    const send = flaky.send.bind(flaky);
    flaky.send = async (message) => {
      if (failNext) {
        failNext = false;
        throw new Error('SMTP down');
      }
      await send(message);
    };
    const flakyHandlers = publishingHandlers(database.db, deps, flaky, quietLogger);
    await saveAutopilot(db, deps, partner, accountId, SETTINGS);
    now = new Date(now.getTime() + 2 * 60_000);
    const run = async () => {
      for (;;) {
        const [job] = await claimJobs(db, 'flaky-worker', [NOTICE_JOB], { limit: 1, leaseMs: 60_000, dueBy: new Date(now.getTime() + 3_600_000) });
        if (!job) return;
        const outcome = await flakyHandlers[job.kind]!(job, { signal: new AbortController().signal, extendLease: async () => true }).catch((error: unknown) => ({ kind: 'retry' as const, at: now, error: String(error) }));
        await finishJob(db, job, 'flaky-worker', outcome);
      }
    };
    await run();
    expect(flaky.sent).toHaveLength(1);
    expect((await scheduledOf(db, accountId))[0]!.notified).toBe(true);

    // A post whose notice never went out is not published: it is planned again, with a notice.
    await db.execute(sql`update publications set notified_at = null where account_id = ${accountId}`);
    const [slot] = await scheduledOf(db, accountId);
    now = new Date(slot!.at.getTime() + 1000);
    const calls = hookCalls;
    await runDueJobs([PUBLISH_JOB]);
    expect(hookCalls).toBe(calls);
    const [again] = await scheduledOf(db, accountId);
    expect(again!.at.getTime()).toBeGreaterThanOrEqual(now.getTime() + VETO);
  });
});
