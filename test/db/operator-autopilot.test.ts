/**
 * The operator's side of the autopilot (issue 16), on both engines: which text of a post earns
 * (figures per post and per text, the best first), and what the autopilot brought a partner over 7
 * and 30 UTC days, exact to the cent, from its publications' own links only.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { autopilotEarnings } from '../../src/modules/earnings/autopilot-earnings.js';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { listPublications, preparePublications } from '../../src/modules/publishing/publications.js';
import { campaignTemplates, createTemplate } from '../../src/modules/publishing/templates.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, click, linkCode, operator } from '../support/fixtures.js';
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
});
