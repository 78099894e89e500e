/**
 * Posts and publications on both engines: templates refused when they cannot fit; one publication
 * per post and account, prepared once however many prepare at once, with its own link and the
 * disclosure; the partner's approval (edits checked, someone else's publication not found, two
 * approvals at once making one job); the publishing job against a local Mastodon instance and a
 * webhook — published once with its proof, a lost answer found again, an unknown outcome left
 * unconfirmed, rate limits waited out, a revoked token flagging the account; a post withdrawn or an
 * account removed while queued; hand-shared posts confirmed by their address; clicks per
 * publication; nothing left between states when a job ends without settling its publication.
 */
import { createServer, type Server } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '../../src/db/client.js';
import { setCampaignStatus, updateCampaign } from '../../src/modules/campaigns/campaigns.js';
import { linkUrl } from '../../src/modules/campaigns/tracked-links.js';
import { linkTotals, partnerLinkStats } from '../../src/modules/earnings/link-stats.js';
import { claimJobs, finishJob } from '../../src/modules/jobs/job-queue.js';
import { type JobHandler } from '../../src/modules/jobs/worker.js';
import { accountCredentials, connectWebhook, finishMastodonConnection, listAccounts, removeAccount, startMastodonConnection } from '../../src/modules/publishing/accounts.js';
import { publishingAdapters } from '../../src/modules/publishing/adapters.js';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { mastodonClient } from '../../src/modules/publishing/mastodon-adapter.js';
import { approvePublication, confirmPublished, declinePublication, listPublications, partnerPosts, preparePublications, publishAgain, PUBLISH_JOB, type PublishingDeps } from '../../src/modules/publishing/publications.js';
import { DIGEST_JOB, PREPARE_JOB, publishingHandlers, settleAbandonedPublications } from '../../src/modules/publishing/publishing-worker.js';
import { createTemplate, campaignTemplates, withdrawTemplate } from '../../src/modules/publishing/templates.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, countRows, linkCode, operator, refusal } from '../support/fixtures.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

const config = testConfig({ PUBLISHING_ALLOW_LOOPBACK: 'true' });
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };

describe.each(ENGINES)('publications on %s', (engine) => {
  let database: TestDatabase;
  let instance: FakeMastodon;
  let hook: Server;
  let hookUrl: string;
  /** What the webhook receiver does with the next calls. */
  let hookAnswer: 'ok' | 'hang' = 'ok';
  const hookCalls: unknown[] = [];
  const mailer = new CapturingMailer();
  const deps: PublishingDeps = { config, adapters: publishingAdapters(local, { timeoutMs: 1_500 }) };
  const log = { error: () => undefined };
  let handlers: Record<string, JobHandler>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    instance = await startFakeMastodon();
    hook = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => (raw += chunk));
      request.on('end', () => {
        hookCalls.push(JSON.parse(raw));
        if (hookAnswer === 'ok') response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"hook-1"}');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/pe`;
    handlers = publishingHandlers(database.db, deps, mailer, log);
  });
  afterAll(async () => {
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
    await instance?.close();
    await database?.close();
  });

  async function connectMastodon(db: Db, partnerId: string): Promise<string> {
    const client = mastodonClient(local, { timeoutMs: 5_000 });
    const { authorizeUrl } = await startMastodonConnection(db, config, partnerId, { instance: instance.origin }, client, local);
    const back = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    const account = await finishMastodonConnection(db, config, partnerId, { state: back.searchParams.get('state'), code: back.searchParams.get('code') }, client);
    return account.id;
  }

  /** Runs due jobs of the given kinds as a worker would, until none is due; returns how many ran. */
  async function runDueJobs(kinds: string[] = [PUBLISH_JOB]): Promise<number> {
    let ran = 0;
    for (;;) {
      const [job] = await claimJobs(database.db, 'test-worker', kinds, { limit: 1, leaseMs: 60_000 });
      if (!job) return ran;
      const outcome = await handlers[job.kind]!(job, { signal: new AbortController().signal, extendLease: async () => true });
      await finishJob(database.db, job, 'test-worker', outcome);
      ran++;
    }
  }
  /** Makes queued jobs due now (a retry waits; the test does not). */
  const makeDue = () => database.db.execute(sql`update jobs set run_at = now() where status = 'queued'`);

  async function setUp(name: string) {
    const db = database.db;
    // Each test with its own posts: the earlier tests' are withdrawn.
    await db.execute(sql`update post_templates set status = 'withdrawn', withdrawn_at = now() where status = 'active'`);
    await db.execute(sql`update jobs set status = 'cancelled', finished_at = now() where status = 'queued'`);
    const campaign = await addCampaign(db, '0.50', `Box bio ${name}`);
    const partner = await addPartner(db, `${name}-${engine}@example.com`);
    return { db, campaign, partner };
  }

  it('refuses a post that cannot fit where it goes, with the network named, and writes nothing', async () => {
    const { db, campaign } = await setUp('refused');
    const long = 'Découvre notre box '.repeat(16);
    const general = await refusal(createTemplate(db, config, campaign.id, { locale: 'fr', texts: long }, operator));
    expect(general).toMatchObject({ field: 'texts', messageKey: 'template.error.tooLongGeneral', params: expect.objectContaining({ network: 'bluesky', max: 300 }) });
    expect((await refusal(createTemplate(db, config, campaign.id, { locale: 'de', texts: 'Hallo' }, operator))).field).toBe('locale');
    expect((await refusal(createTemplate(db, config, campaign.id, { locale: 'fr', network: 'myspace', texts: 'Salut' }, operator))).field).toBe('network');
    expect((await refusal(createTemplate(db, config, campaign.id, { locale: 'fr', texts: '  \n---\n ' }, operator))).field).toBe('texts');
    expect((await refusal(createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box : {link}bio' }, operator))).messageKey).toBe('template.error.linkGlued');
    expect(await countRows(db, sql`post_templates where campaign_id = ${campaign.id}`)).toBe(0);
    // The same text is fine for Mastodon alone.
    await createTemplate(db, config, campaign.id, { locale: 'fr', network: 'mastodon', texts: long }, operator);
    expect(await countRows(db, sql`post_variants v join post_templates t on t.id = v.template_id where t.campaign_id = ${campaign.id}`)).toBe(1);
  });

  it('prepares one publication per post and account, once, with its own link and the disclosure first', async () => {
    const { db, campaign, partner } = await setUp('prepare');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio du mois : {link} #bio\n---\nJe teste la box bio {link}' }, operator);
    await createTemplate(db, config, campaign.id, { locale: 'en', texts: 'My organic box: {link}' }, operator);
    const mastodon = await connectMastodon(db, partner);
    await connectWebhook(db, config, partner, { url: hookUrl }, local);
    // Four preparations at once make each publication once.
    const made = await Promise.all([1, 2, 3, 4].map(() => preparePublications(db, config, partner)));
    expect(made.reduce((a, b) => a + b, 0)).toBe(4);
    expect(await preparePublications(db, config, partner)).toBe(0);
    const publications = await listPublications(db, config, partner, ['pending_review']);
    expect(publications).toHaveLength(4);
    const main = linkUrl(config.baseUrl, await linkCode(db, partner, campaign.id));
    for (const publication of publications) {
      // The post's own language: a post written only in English reaches a French partner in English.
      expect(publication.text.startsWith(`${publication.locale === 'fr' ? 'Publicité' : 'Ad'} · ${campaign.name}\n`)).toBe(true);
      expect(publication.text).toContain(publication.link);
      expect(publication.link).not.toBe(main);
      expect(publication.idempotencyKey).toMatch(/^[2-7a-j][2-7a-z]{12}$/);
    }
    expect(new Set(publications.map((publication) => publication.link)).size).toBe(4);
    // A French partner gets the French text of a post that has one; its two accounts got its two variants.
    const french = publications.filter((publication) => publication.locale === 'fr');
    expect(french).toHaveLength(2);
    expect(new Set(french.map((publication) => publication.variantId)).size).toBe(2);
    expect(publications.filter((publication) => publication.accountId === mastodon)).toHaveLength(2);
    // The partner's main link stays one per campaign.
    expect(await countRows(db, sql`tracked_links where partner_id = ${partner} and campaign_id = ${campaign.id} and purpose = 'main'`)).toBe(1);
  });

  it('approves only the partner’s own publication, with edits that keep the disclosure, link and limit, once', async () => {
    const { db, campaign, partner } = await setUp('approve');
    const other = await addPartner(db, `someone-${engine}@example.com`);
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    await connectMastodon(db, partner);
    await preparePublications(db, config, partner);
    const [publication] = await listPublications(db, config, partner, ['pending_review']);
    const id = publication!.id;

    expect((await refusal(approvePublication(db, deps, other, id))).code).toBe('not_found');
    expect((await refusal(approvePublication(db, deps, partner, id, { text: publication!.text.replace('Publicité · ', '') }))).messageKey).toBe('post.error.disclosure');
    expect((await refusal(approvePublication(db, deps, partner, id, { text: publication!.text.replace(publication!.link, 'https://ailleurs.example') }))).messageKey).toBe('post.error.link');
    expect((await refusal(approvePublication(db, deps, partner, id, { text: `${publication!.text} ${'é'.repeat(480)}` }))).messageKey).toBe('post.error.tooLong');
    expect((await listPublications(db, config, partner, ['pending_review']))[0]!.text).toBe(publication!.text);

    const edited = publication!.text.replace('Ma box bio', 'Ma super box bio');
    const results = await Promise.allSettled([1, 2, 3].map(() => approvePublication(db, deps, partner, id, { text: edited })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'publication_state' });
    expect(await countRows(db, sql`jobs where kind = ${PUBLISH_JOB} and payload->>'publicationId' = ${id}`)).toBe(1);
    const [approved] = await listPublications(db, config, partner, ['approved']);
    expect(approved).toMatchObject({ text: edited, edited: true });
    expect((await refusal(declinePublication(db, partner, id))).code).toBe('publication_state');
  });

  it('publishes on Mastodon once, keeps the proof, and counts the publication’s clicks apart', async () => {
    const { db, campaign, partner } = await setUp('publish');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    await connectMastodon(db, partner);
    await preparePublications(db, config, partner);
    const [publication] = await listPublications(db, config, partner, ['pending_review']);
    const before = instance.statuses.length;
    // Renamed after it was prepared: the prepared disclosure stays valid.
    await updateCampaign(db, campaign.id, { brand: 'Box bio & Cie' }, operator);
    await approvePublication(db, deps, partner, publication!.id);
    expect(await runDueJobs()).toBe(1);
    const [published] = await listPublications(db, config, partner, ['published']);
    expect(published).toMatchObject({ id: publication!.id, attempts: 1, remoteUrl: expect.stringMatching(/\/@lina\/\d+$/), remoteId: expect.any(String) });
    expect(published!.publishedAt).toBeInstanceOf(Date);
    expect(instance.statuses.slice(before)).toHaveLength(1);
    expect(instance.statuses.at(-1)!.text).toBe(publication!.text);

    // A visitor follows the publication's link: the click counts for the partner, and for it.
    await click(db, publication!.linkCode);
    await click(db, publication!.linkCode, { userAgent: 'facebookexternalhit/1.1' });
    const totals = (await linkTotals(db, [publication!.linkCode])).get(publication!.linkCode);
    expect(totals).toEqual({ clicks: 2, validClicks: 1, earnedCents: 50 });
    expect((await listPublications(db, config, partner, ['published']))[0]).toMatchObject({ clicks: 2, validClicks: 1, earnedCents: 50 });
    expect((await campaignTemplates(db, campaign.id))[0]).toMatchObject({ clicks: 2, validClicks: 1, earnedCents: 50, states: { published: 1 } });
    // The partner's earnings include it (their links' figures are per link; the main one has none).
    expect((await partnerLinkStats(db, partner)).byLink.get(await linkCode(db, partner, campaign.id))?.periods.month.clicks ?? 0).toBe(0);
  });

  it('finds a post whose answer was lost instead of posting it again', async () => {
    const { db, campaign, partner } = await setUp('lost');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    await connectMastodon(db, partner);
    await preparePublications(db, config, partner);
    const [publication] = await listPublications(db, config, partner, ['pending_review']);
    await approvePublication(db, deps, partner, publication!.id);
    instance.loseNextAnswer = true;
    // Without the instance's idempotency, only our lookup keeps it single.
    instance.honourIdempotency = false;
    try {
      const before = instance.statuses.length;
      await runDueJobs();
      expect((await listPublications(db, config, partner, ['publishing']))[0]).toMatchObject({ id: publication!.id, attempts: 1 });
      await makeDue();
      await runDueJobs();
      expect((await listPublications(db, config, partner, ['published']))[0]).toMatchObject({ id: publication!.id, remoteId: instance.statuses.at(-1)!.id });
      expect(instance.statuses.slice(before)).toHaveLength(1);
    } finally {
      instance.honourIdempotency = true;
    }
  });

  it('leaves an unknown webhook outcome unconfirmed for the partner, who can confirm it or publish again', async () => {
    const { db, campaign, partner } = await setUp('unknown');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    await connectWebhook(db, config, partner, { url: hookUrl }, local);
    await preparePublications(db, config, partner);
    const [publication] = await listPublications(db, config, partner, ['pending_review']);
    await approvePublication(db, deps, partner, publication!.id);
    hookAnswer = 'hang';
    try {
      await runDueJobs();
    } finally {
      hookAnswer = 'ok';
    }
    await makeDue();
    await runDueJobs();
    // The webhook cannot be asked: never sent again blindly.
    const calls = hookCalls.filter((call) => (call as { publicationId?: string }).publicationId === publication!.id);
    expect(calls).toHaveLength(1);
    expect((await listPublications(db, config, partner, ['unconfirmed']))[0]!.id).toBe(publication!.id);
    expect((await refusal(confirmPublished(db, partner, publication!.id, { url: 'javascript:alert(1)' }))).field).toBe('url');
    await publishAgain(db, deps, partner, publication!.id);
    await runDueJobs();
    expect((await listPublications(db, config, partner, ['published']))[0]).toMatchObject({ id: publication!.id, remoteId: 'hook-1' });
  });

  it('waits out a rate limit, and flags the account when its token is refused (the partner is emailed)', async () => {
    const { db, campaign, partner } = await setUp('limits');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    const account = await connectMastodon(db, partner);
    await preparePublications(db, config, partner);
    const [publication] = await listPublications(db, config, partner, ['pending_review']);
    await approvePublication(db, deps, partner, publication!.id);
    instance.remainingStatuses = 0;
    try {
      await runDueJobs();
    } finally {
      instance.remainingStatuses = null;
    }
    expect((await listPublications(db, config, partner, ['approved']))[0]).toMatchObject({ stateDetail: 'rate_limited' });
    const [job] = await queryRows<{ run_at: Date | string }>(db, sql`select run_at from jobs where payload->>'publicationId' = ${publication!.id} and status = 'queued'`);
    expect(new Date(job!.run_at).getTime()).toBeGreaterThan(Date.now() + 20 * 60_000);

    instance.revokeTokens();
    await makeDue();
    await runDueJobs();
    expect((await listPublications(db, config, partner, ['failed']))[0]).toMatchObject({ stateDetail: 'credentials_refused' });
    expect((await listAccounts(db, partner)).find((a) => a.id === account)).toMatchObject({ state: 'needs_reconnect' });
    expect(await accountCredentials(db, config, account)).toBeNull();
    await expect.poll(() => mailer.sent.filter((mail) => mail.to === `limits-${engine}@example.com`).length).toBe(1);
    expect(mailer.sent.find((mail) => mail.to === `limits-${engine}@example.com`)!.subject).toContain('Reconnecte');
    // Not retried for ever: publishing again waits for the account to be reconnected.
    expect((await refusal(publishAgain(db, deps, partner, publication!.id))).code).toBe('account_needs_reconnect');
  });

  it('withdraws a post’s waiting publications and an account’s queued ones; what went out stays', async () => {
    const { db, campaign, partner } = await setUp('withdraw');
    const template = await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    await connectWebhook(db, config, partner, { url: hookUrl }, local);
    const second = await connectWebhook(db, config, partner, { url: `${hookUrl}/2` }, local);
    await preparePublications(db, config, partner);
    const [first, other] = await listPublications(db, config, partner, ['pending_review']);
    await approvePublication(db, deps, partner, first!.id);
    await runDueJobs();
    await approvePublication(db, deps, partner, other!.id);
    // Removed while its publication is queued: withdrawn, its job cancelled, nothing sent.
    const queuedAccount = other!.accountId;
    await removeAccount(db, partner, queuedAccount);
    const calls = hookCalls.length;
    expect(await runDueJobs()).toBe(0);
    expect(hookCalls.length).toBe(calls);
    expect((await listPublications(db, config, partner, ['withdrawn'])).map((p) => p.id)).toEqual([other!.id]);

    const template2 = await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Deuxième post : {link}' }, operator);
    await preparePublications(db, config, partner);
    expect(await withdrawTemplate(db, template2.id, operator)).toEqual({ withdrawn: 1 });
    expect(await withdrawTemplate(db, template.id, operator)).toEqual({ withdrawn: 0 });
    expect((await listPublications(db, config, partner, ['published'])).map((p) => p.id)).toEqual([first!.id]);
    expect((await refusal(withdrawTemplate(db, template.id, operator))).code).toBe('template_withdrawn');
    void second;
  });

  it('holds the posts of a paused campaign: hidden, not approved, and not published if paused after approval', async () => {
    const { db, campaign, partner } = await setUp('paused');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    await connectWebhook(db, config, partner, { url: hookUrl }, local);
    await connectWebhook(db, config, partner, { url: `${hookUrl}/p` }, local);
    await preparePublications(db, config, partner);
    const [first, second] = await listPublications(db, config, partner, ['pending_review']);
    await approvePublication(db, deps, partner, first!.id);
    await setCampaignStatus(db, campaign.id, 'paused', operator);
    expect(await listPublications(db, config, partner, ['pending_review'])).toEqual([]);
    expect((await refusal(approvePublication(db, deps, partner, second!.id))).code).toBe('campaign_inactive');
    const calls = hookCalls.length;
    await runDueJobs();
    expect(hookCalls.length).toBe(calls);
    expect((await listPublications(db, config, partner, ['failed']))[0]).toMatchObject({ id: first!.id, stateDetail: 'campaign_inactive' });
    await setCampaignStatus(db, campaign.id, 'active', operator);
    await publishAgain(db, deps, partner, first!.id);
    await runDueJobs();
    expect((await listPublications(db, config, partner, ['published']))[0]!.id).toBe(first!.id);
  });

  it('lets the partner share by hand on X and confirm with the post’s address', async () => {
    const { db, campaign, partner } = await setUp('assisted');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}' }, operator);
    expect((await refusal(connectAssisted(db, partner, { network: 'x', handle: 'lina bio' }))).field).toBe('handle');
    expect((await refusal(connectAssisted(db, partner, { network: 'myspace', handle: 'lina' }))).field).toBe('network');
    await connectAssisted(db, partner, { network: 'x', handle: '@lina_bio' });
    const posts = await partnerPosts(db, deps, partner);
    expect(posts.pending).toHaveLength(1);
    expect(posts.pending[0]!.rule).toEqual({ kind: 'code-points-short-links', max: 280, urlLength: 23 });
    const approved = await approvePublication(db, deps, partner, posts.pending[0]!.id);
    expect(approved.handShared).toBe(true);
    expect(await countRows(db, sql`jobs where payload->>'publicationId' = ${approved.id}`)).toBe(0);
    expect((await partnerPosts(db, deps, partner)).toShare).toHaveLength(1);
    expect((await refusal(confirmPublished(db, partner, approved.id, { url: 'https://evil.example/status/1' }))).field).toBe('url');
    await confirmPublished(db, partner, approved.id, { url: 'https://x.com/lina_bio/status/1860000000000000000' });
    expect((await listPublications(db, config, partner, ['published']))[0]).toMatchObject({ remoteUrl: 'https://x.com/lina_bio/status/1860000000000000000', stateDetail: 'shared_by_partner' });
  });

  it('prepares everyone’s publications when a post is written, with one digest a day at most', async () => {
    const { db, campaign, partner } = await setUp('digest');
    await connectWebhook(db, config, partner, { url: hookUrl }, local);
    await db.execute(sql`update jobs set status = 'done', finished_at = now() where kind in (${PREPARE_JOB}, ${DIGEST_JOB})`);
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Premier : {link}' }, operator);
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Second : {link}' }, operator);
    await runDueJobs([PREPARE_JOB]);
    expect(await countRows(db, sql`publications where partner_id = ${partner} and state = 'pending_review'`)).toBe(2);
    expect(await countRows(db, sql`jobs where kind = ${DIGEST_JOB} and payload->>'partnerId' = ${partner}`)).toBe(1);
    await makeDue();
    await runDueJobs([DIGEST_JOB]);
    const digests = mailer.sent.filter((mail) => mail.to === `digest-${engine}@example.com`);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.subject).toBe('2 posts t’attendent sur Plug & Earn');
    expect(digests[0]!.text).toContain('/partner/posts');
  });

  it('leaves no publication between states when its job ended without it', async () => {
    const { db, campaign, partner } = await setUp('abandoned');
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts: 'Ma box bio : {link}\n---\nUn autre : {link}' }, operator);
    await connectWebhook(db, config, partner, { url: hookUrl }, local);
    await connectWebhook(db, config, partner, { url: `${hookUrl}/b` }, local);
    await preparePublications(db, config, partner);
    const [a, b] = await listPublications(db, config, partner, ['pending_review']);
    await approvePublication(db, deps, partner, a!.id);
    await approvePublication(db, deps, partner, b!.id);
    // a's worker died mid-call on its last attempt; b's job was never run: the queue failed both.
    await db.execute(sql`update publications set state = 'publishing' where id = ${a!.id}`);
    await db.execute(sql`update jobs set status = 'failed', finished_at = now() where payload->>'publicationId' in (${a!.id}, ${b!.id})`);
    // (Earlier tests' publications whose jobs were cancelled are settled too.)
    expect(await settleAbandonedPublications(db, new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(2);
    expect((await listPublications(db, config, partner, ['unconfirmed'])).map((p) => p.id)).toEqual([a!.id]);
    expect((await listPublications(db, config, partner, ['failed'])).map((p) => p.id)).toEqual([b!.id]);
  });
});
