/**
 * The operator's side of the autopilot (issue 16), on both engines: which text of a post earns
 * (figures per post and per text, the best first), and what the autopilot brought a partner over 7
 * and 30 UTC days, exact to the cent, from its publications' own links only; the operator's pauses
 * of a campaign's or a partner's publishing, audited, refused twice, releasing what was held.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/client.js';
import { autopilotEarnings } from '../../src/modules/earnings/autopilot-earnings.js';
import { publishingAdapters } from '../../src/modules/publishing/adapters.js';
import { pausePublishing, publishingCounts, resumePublishing } from '../../src/modules/publishing/publishing-pauses.js';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { listPublications, preparePublications, PUBLISH_JOB, type PublishingDeps } from '../../src/modules/publishing/publications.js';
import { campaignTemplates, createTemplate } from '../../src/modules/publishing/templates.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, countRows, linkCode, operator, refusal } from '../support/fixtures.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const DAY = 86_400_000;
const BOT = 'facebookexternalhit/1.1';

describe.each(ENGINES)('the autopilot’s figures for operators and partners, on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => database?.close());

  /** A campaign with one post of `texts`, a partner with `accounts` accounts shared by hand, their publications prepared. */
  async function setUp(name: string, texts: string, accounts: string[]) {
    const db = database.db;
    const campaign = await addCampaign(db, '0.37', `Box ${name}`);
    const partner = await addPartner(db, `${name}-${engine}@example.com`);
    await createTemplate(db, config, campaign.id, { locale: 'fr', texts }, operator);
    for (const network of accounts) await connectAssisted(db, partner, { network, handle: `@${name}` });
    await preparePublications(db, config, partner);
    const publications = await listPublications(db, config, partner, ['pending_review']);
    return { db, campaign, partner, publications };
  }

  /** Marks a publication out, by the autopilot or not, at `at`. */
  const publish = (db: Db, id: string, options: { autopilot: boolean; at?: Date }) =>
    db.execute(sql`update publications set state = 'published', remote_url = 'https://x.example/status/1', autopilot = ${options.autopilot}, published_at = ${(options.at ?? new Date()).toISOString()}::timestamptz where id = ${id}`);

  it('gives each text of a post its publications, those out, the autopilot’s, clicks and euros, the best first', async () => {
    const { db, campaign, publications } = await setUp('texts', 'Premier texte : {link}\n---\nSecond texte : {link}\n---\nTroisième, jamais choisi : {link}', ['x', 'instagram', 'linkedin', 'facebook']);
    expect(publications).toHaveLength(4);
    const [template] = await campaignTemplates(db, campaign.id);
    const [first, second, third] = [...template!.variants].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    // Texts are spread: four publications over three texts.
    const of = (variantId: string) => publications.filter((publication) => publication.variantId === variantId);
    expect(of(first!.id).length + of(second!.id).length + of(third!.id).length).toBe(4);
    const [a1] = of(first!.id);
    const [b1, b2] = [...of(second!.id), ...of(third!.id)].filter(Boolean);
    // The second text earns more: two valid clicks on its autopilot publication.
    await publish(db, a1!.id, { autopilot: false });
    await publish(db, b1!.id, { autopilot: true });
    await click(db, a1!.linkCode);
    await click(db, a1!.linkCode, { userAgent: BOT });
    await click(db, b1!.linkCode);
    await click(db, b1!.linkCode);
    await click(db, b1!.linkCode, { userAgent: BOT });
    if (b2) await publish(db, b2.id, { autopilot: true });

    const [after] = await campaignTemplates(db, campaign.id);
    const winner = after!.variants[0]!;
    expect(winner.id).toBe(b1!.variantId);
    expect(winner).toMatchObject({ clicks: 3, validClicks: 2, earnedCents: 74 });
    expect(winner.autopilot).toBe(b2 && b2.variantId === b1!.variantId ? 2 : 1);
    expect(after!.variants[1]).toMatchObject({ id: first!.id, publications: of(first!.id).length, published: 1, autopilot: 0, clicks: 2, validClicks: 1, earnedCents: 37 });
    // The post's figures are its texts' sums.
    const sum = (key: 'publications' | 'published' | 'autopilot' | 'clicks' | 'validClicks' | 'earnedCents') => after!.variants.reduce((total, variant) => total + variant[key], 0);
    expect(after).toMatchObject({ publications: 4, published: b2 ? 3 : 2, autopilot: b2 ? 2 : 1, clicks: 5, validClicks: 3, earnedCents: 111 });
    for (const key of ['publications', 'published', 'autopilot', 'clicks', 'validClicks', 'earnedCents'] as const) expect(sum(key)).toBe(after![key]);
    // Equal texts keep the order they were written in.
    const unearned = after!.variants.filter((variant) => variant.earnedCents === 0 && variant.validClicks === 0 && variant.published === 0);
    expect(unearned.map((variant) => variant.createdAt.getTime())).toEqual([...unearned.map((variant) => variant.createdAt.getTime())].sort((x, y) => x - y));
  });

  it('sums what the autopilot brought over 7 and 30 UTC days, from its own publications only, exact to the cent', async () => {
    const { db, partner, campaign, publications } = await setUp('earnings', 'Ma box : {link}', ['x', 'instagram', 'linkedin']);
    const [auto, older, byHand] = publications;
    const now = new Date();
    // Nothing yet: zero everywhere (the page then says how to turn it on).
    expect(await autopilotEarnings(db, partner, { now })).toEqual({ week: { publications: 0, validClicks: 0, earnedCents: 0 }, month: { publications: 0, validClicks: 0, earnedCents: 0 } });

    await publish(db, auto!.id, { autopilot: true, at: new Date(now.getTime() - 2 * DAY) });
    await publish(db, older!.id, { autopilot: true, at: new Date(now.getTime() - 12 * DAY) });
    await publish(db, byHand!.id, { autopilot: false, at: new Date(now.getTime() - DAY) });
    // Today and 3 days ago on the recent one; 10 and 40 days ago on the older one.
    await click(db, auto!.linkCode, { now });
    await click(db, auto!.linkCode, { now: new Date(now.getTime() - 3 * DAY) });
    await click(db, auto!.linkCode, { now, userAgent: BOT });
    await click(db, older!.linkCode, { now: new Date(now.getTime() - 10 * DAY) });
    await click(db, older!.linkCode, { now: new Date(now.getTime() - 40 * DAY) });
    // Not the autopilot's: the partner's own post and their main link.
    await click(db, byHand!.linkCode, { now });
    await click(db, await linkCode(db, partner, campaign.id), { now });

    expect(await autopilotEarnings(db, partner, { now })).toEqual({
      week: { publications: 1, validClicks: 2, earnedCents: 74 },
      month: { publications: 2, validClicks: 3, earnedCents: 111 },
    });
    // Another partner sees none of it.
    expect((await autopilotEarnings(db, await addPartner(db, `other-${engine}@example.com`), { now })).month).toEqual({ publications: 0, validClicks: 0, earnedCents: 0 });
  });

  const deps: PublishingDeps = { config, adapters: publishingAdapters(config.outboundPolicy) };
  const pausedAt = async (table: 'campaigns' | 'partners', id: string) => {
    const [row] = await queryRows<{ at: string | Date | null }>(database.db, sql`select publishing_paused_at as at from ${sql.identifier(table)} where id = ${id}`);
    return row!.at === null ? null : new Date(row!.at);
  };
  const audit = (action: string, subject: string) => countRows(database.db, sql`audit_log where action = ${action} and subject = ${subject}`);
  /** Holds an approved publication as the worker does when its campaign or partner is paused. */
  const hold = (id: string, why: string) => database.db.execute(sql`update publications set state = 'approved', approved_at = now(), state_detail = ${`held:${why}`} where id = ${id}`);
  const detailOf = async (id: string) => (await queryRows<{ state: string; state_detail: string | null }>(database.db, sql`select state, state_detail from publications where id = ${id}`))[0]!;

  it('pauses and resumes a campaign’s publishing once each, audited, releasing what was held', async () => {
    const { db, campaign, partner, publications } = await setUp('pause-campaign', 'En pause : {link}', ['x', 'instagram']);
    const [held, other] = publications;
    await db.execute(sql`update publications set state = 'approved', approved_at = now() where id = ${other!.id}`);
    const subject = `campaign:${campaign.id}`;

    const { pausedAt: since } = await pausePublishing(db, { campaignId: campaign.id }, operator);
    expect(since).toBeInstanceOf(Date);
    expect((await pausedAt('campaigns', campaign.id))?.getTime()).toBe(since.getTime());
    expect(await audit('campaign_publishing_paused', subject)).toBe(1);
    // Twice: a conflict, the first time kept, nothing audited again.
    expect(await refusal(pausePublishing(db, { campaignId: campaign.id }, operator))).toMatchObject({ code: 'publishing_paused', status: 409, messageKey: 'opAuto.error.campaignPaused' });
    expect((await pausedAt('campaigns', campaign.id))?.getTime()).toBe(since.getTime());
    expect(await audit('campaign_publishing_paused', subject)).toBe(1);

    await hold(held!.id, 'campaign_paused');
    expect(await publishingCounts(db, { campaignId: campaign.id })).toEqual({ waiting: 1, held: 1 });
    expect(await publishingCounts(db, { partnerId: partner })).toEqual({ waiting: 1, held: 1 });
    const jobsBefore = await countRows(db, sql`jobs where kind = ${PUBLISH_JOB} and payload->>'publicationId' = ${held!.id}`);

    expect(await resumePublishing(db, deps, { campaignId: campaign.id }, operator)).toEqual({ released: 1 });
    expect(await pausedAt('campaigns', campaign.id)).toBeNull();
    expect(await audit('campaign_publishing_resumed', subject)).toBe(1);
    expect(await detailOf(held!.id)).toEqual({ state: 'approved', state_detail: null });
    expect(await countRows(db, sql`jobs where kind = ${PUBLISH_JOB} and payload->>'publicationId' = ${held!.id}`)).toBe(jobsBefore + 1);
    // Not paused any more: resuming again is a conflict, nothing audited.
    expect(await refusal(resumePublishing(db, deps, { campaignId: campaign.id }, operator))).toMatchObject({ code: 'publishing_not_paused', status: 409, messageKey: 'opAuto.error.campaignNotPaused' });
    expect(await audit('campaign_publishing_resumed', subject)).toBe(1);
    // Unknown or malformed ids are not found.
    expect((await refusal(pausePublishing(db, { campaignId: '00000000-0000-0000-0000-000000000000' }, operator))).status).toBe(404);
    expect((await refusal(pausePublishing(db, { campaignId: 'nope' }, operator))).status).toBe(404);
  });

  it('pauses a partner’s publishing apart from the campaign’s: a publication held by both waits until both are resumed', async () => {
    const { db, campaign, partner, publications } = await setUp('pause-partner', 'Deux pauses : {link}', ['x']);
    const [publication] = publications;
    const subject = `partner:${partner}`;
    await pausePublishing(db, { partnerId: partner }, operator);
    await pausePublishing(db, { campaignId: campaign.id }, operator);
    expect(await audit('partner_publishing_paused', subject)).toBe(1);
    expect((await queryRows<{ partner_id: string | null }>(db, sql`select partner_id from audit_log where action = 'partner_publishing_paused' and subject = ${subject}`))[0]!.partner_id).toBe(partner);
    expect(await refusal(pausePublishing(db, { partnerId: partner }, operator))).toMatchObject({ code: 'publishing_paused', messageKey: 'opAuto.error.partnerPaused' });
    await hold(publication!.id, 'partner_paused');

    // The partner resumed, the campaign still paused: it stays held.
    expect(await resumePublishing(db, deps, { partnerId: partner }, operator)).toEqual({ released: 0 });
    expect(await pausedAt('partners', partner)).toBeNull();
    expect((await detailOf(publication!.id)).state_detail).toMatch(/^held:/);
    expect(await refusal(resumePublishing(db, deps, { partnerId: partner }, operator))).toMatchObject({ code: 'publishing_not_paused', messageKey: 'opAuto.error.partnerNotPaused' });
    expect(await resumePublishing(db, deps, { campaignId: campaign.id }, operator)).toEqual({ released: 1 });
    expect(await detailOf(publication!.id)).toEqual({ state: 'approved', state_detail: null });
    expect((await refusal(resumePublishing(db, deps, { partnerId: '00000000-0000-0000-0000-000000000000' }, operator))).status).toBe(404);
  });
});
