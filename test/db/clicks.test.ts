import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '../../src/db/client.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { deleteExpiredRows } from '../../src/housekeeping.js';
import { setCampaignStatus, updateCampaign } from '../../src/modules/campaigns/campaigns.js';
import { findBatchReceipt, recordClicks, type RecordedClick } from '../../src/modules/clicks/click-recorder.js';
import { utcDay } from '../../src/modules/clicks/click-rules.js';
import { BatchOutcomeUnknown, ClickWriter } from '../../src/modules/clicks/click-writer.js';
import { visitorDayKey } from '../../src/modules/clicks/visitor-keys.js';
import { partnerBalance } from '../../src/modules/earnings/balance.js';
import { rebuildDailyStats, verifyDailyStats } from '../../src/modules/earnings/daily-stats.js';
import { setPartnerStatus } from '../../src/modules/partners/partners.js';
import { openDatabase } from '../../src/db/client.js';
import { createTestDatabase, ENGINES, quietLogger, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, BROWSER_UA, click, defaultClickSettings, eventRows, linkCode, operator, countRows } from '../support/fixtures.js';

const DAY = 86_400_000;

/** The ledger rows of a partner's clicks, in order: what each click's answer must name. */
async function ledger(db: Db, partnerId: string) {
  return queryRows<{ id: number; verdict: string; amount_cents: number; link_code: string }>(
    db,
    sql`select id, verdict, amount_cents, link_code from metric_events where partner_id = ${partnerId} order by id`,
  );
}

/** A click's answer as the ledger holds it. */
const asStored = (r: RecordedClick) => ({ id: r.eventId, verdict: r.verdict, amount_cents: r.amountCents });

/**
 * A database handle whose click-batch calls commit and then fail, as when the connection drops
 * before the answer arrives; the receipt lookup that follows works or fails as asked.
 */
function answerLost(db: Db, options: { receiptReadable: boolean }): { db: Db; failures: () => number } {
  const dialect = new PgDialect();
  let failures = 0;
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property !== 'execute') return Reflect.get(target, property, target) as unknown;
      return async (query: SQL) => {
        const text = dialect.sqlToQuery(query).sql;
        if (text.includes('click_batch_outcome_with_ids(') && !options.receiptReadable) throw new Error('Connection terminated unexpectedly');
        const result = await target.execute(query);
        if (text.includes('record_click_batch_with_ids(')) {
          failures++;
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      };
    },
  });
  return { db: proxy, failures: () => failures };
}

/**
 * Runs `work` in a transaction and keeps it open, its locks held, until `end` is called: resolves
 * once `work` is done, with what it returned and a promise of the transaction's end.
 */
async function heldOpen<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<{ result: T; end: (outcome: 'commit' | 'rollback') => Promise<void> }> {
  let finish!: (outcome: 'commit' | 'rollback') => void;
  const ended = new Promise<'commit' | 'rollback'>((resolve) => (finish = resolve));
  let done!: (result: T) => void;
  const worked = new Promise<T>((resolve) => (done = resolve));
  const transaction = db
    .transaction(async (tx) => {
      done(await work(tx as unknown as Db));
      if ((await ended) === 'rollback') tx.rollback();
    })
    .catch((error: unknown) => {
      // drizzle rolls back by throwing; anything else is a real failure.
      if (!(error instanceof Error && /rollback/i.test(error.message))) throw error;
    });
  const result = await Promise.race([worked, transaction.then(() => Promise.reject(new Error('the transaction ended before its work')))]);
  return {
    result,
    end: async (outcome) => {
      finish(outcome);
      await transaction;
    },
  };
}

describe.each(ENGINES)('the click ledger on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    if (database) expect(await verifyDailyStats(database.db)).toEqual([]);
    await database?.close();
  });

  it('pays a valid click the campaign rate and stores no raw address', async () => {
    const db = database.db;
    const partner = await addPartner(db, `valid-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.12');
    const code = await linkCode(db, partner, campaign.id);
    expect(code).toMatch(/^[0-9A-Za-z]{10}$/);
    const recorded = await click(db, code, { address: '203.0.113.77' });
    expect(recorded).toEqual({ verdict: 'valid', amountCents: 12, eventId: expect.any(Number) });
    expect((await ledger(db, partner)).map((r) => r.id)).toEqual([recorded.eventId]);
    const [event] = await eventRows(db, partner);
    expect(event).toMatchObject({ verdict: 'valid', amount_cents: 12, link_code: code });
    expect(event!.visitor_hash).toMatch(/^[\w-]{22}$/);
    const everything = JSON.stringify(await queryRows(db, sql`select * from metric_events`)) + JSON.stringify(await queryRows(db, sql`select * from click_dedupe`));
    expect(everything).not.toContain('203.0.113.77');
  });

  it('refuses bots, link previews and empty user agents (bot)', async () => {
    const db = database.db;
    const partner = await addPartner(db, `bots-${engine}@example.com`);
    const campaign = await addCampaign(db);
    const code = await linkCode(db, partner, campaign.id);
    for (const ua of ['', '   ', 'Googlebot/2.1 (+http://www.google.com/bot.html)', 'facebookexternalhit/1.1', 'Slackbot-LinkExpanding 1.0', 'Twitterbot/1.0', 'curl/8.5.0', 'WhatsApp/2.23.20.0']) {
      expect((await click(db, code, { userAgent: ua })).verdict, ua).toBe('bot');
    }
    expect((await partnerBalance(db, partner, { fallbackEpcCents: 12 })).notCounted.bot).toBe(8);
  });

  it('records a load that is no navigation (an <img>, a fetch()) unpaid, without taking the visitor’s slot or a place under the cap', async () => {
    const db = database.db;
    const partner = await addPartner(db, `embeds-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.30');
    const code = await linkCode(db, partner, campaign.id);
    const rules = { ...defaultClickSettings, maxPaidClicksPerDay: 2 };
    const visitor = { address: '198.51.100.40', userAgent: BROWSER_UA, rules };
    // The same visitor's browser loads the link from an <img> three times, then follows it.
    for (let i = 0; i < 3; i++) expect(await click(db, code, { ...visitor, notNavigation: true })).toMatchObject({ verdict: 'not_navigation', amountCents: 0 });
    expect(await click(db, code, visitor)).toMatchObject({ verdict: 'valid', amountCents: 30 });
    expect((await click(db, code, { ...visitor, address: '198.51.100.41' })).verdict).toBe('valid');
    // Bots first, in the rules' order; past the cap, still not_navigation rather than over_cap.
    expect((await click(db, code, { ...visitor, userAgent: 'Googlebot/2.1', notNavigation: true })).verdict).toBe('bot');
    expect((await click(db, code, { ...visitor, address: '198.51.100.42', notNavigation: true })).verdict).toBe('not_navigation');
    const balance = await partnerBalance(db, partner, { fallbackEpcCents: 12 });
    expect(balance).toMatchObject({ earnedCents: 60, validClicks90d: 2 });
    expect(balance.notCounted).toMatchObject({ not_navigation: 4, bot: 1, over_cap: 0, duplicate: 0 });
    const [summary] = await queryRows<{ not_navigation: number }>(db, sql`select not_navigation from partner_daily_stats where partner_id = ${partner}`);
    expect(summary!.not_navigation).toBe(4);
    expect((await eventRows(db, partner)).filter((e) => e.verdict === 'not_navigation')).toHaveLength(4);
  });

  it('counts the same visitor on the same link once per window (duplicate)', async () => {
    const db = database.db;
    const partner = await addPartner(db, `dupes-${engine}@example.com`);
    const [a, b] = [await addCampaign(db), await addCampaign(db)];
    const codeA = await linkCode(db, partner, a.id);
    const codeB = await linkCode(db, partner, b.id);
    const visitor = { address: '198.51.100.1', userAgent: BROWSER_UA };
    const t0 = new Date('2026-03-01T10:00:00Z');
    expect((await click(db, codeA, { ...visitor, now: t0 })).verdict).toBe('valid');
    expect((await click(db, codeA, { ...visitor, now: new Date(t0.getTime() + 3600_000) })).verdict).toBe('duplicate');
    expect((await click(db, codeA, { ...visitor, now: new Date(t0.getTime() + 23.9 * 3600_000) })).verdict).toBe('duplicate');
    // Another link, another user agent, another address: new visitors.
    expect((await click(db, codeB, { ...visitor, now: t0 })).verdict).toBe('valid');
    expect((await click(db, codeA, { address: '198.51.100.1', userAgent: `${BROWSER_UA} Other`, now: t0 })).verdict).toBe('valid');
    expect((await click(db, codeA, { address: '198.51.100.2', userAgent: BROWSER_UA, now: t0 })).verdict).toBe('valid');
    // The window is over: counted again.
    expect((await click(db, codeA, { ...visitor, now: new Date(t0.getTime() + 24 * 3600_000) })).verdict).toBe('valid');
  });

  it('never pays a partner for their own click (self)', async () => {
    const db = database.db;
    const partner = await addPartner(db, `self-${engine}@example.com`);
    const other = await addPartner(db, `other-${engine}@example.com`);
    const campaign = await addCampaign(db);
    const code = await linkCode(db, partner, campaign.id);
    expect(await click(db, code, { signedIn: partner })).toMatchObject({ verdict: 'self', amountCents: 0 });
    expect((await click(db, code, { signedIn: other })).verdict).toBe('valid');
  });

  it('stops paying beyond the daily cap (over_cap) and pays again the next day', async () => {
    const db = database.db;
    const partner = await addPartner(db, `cap-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.10');
    const code = await linkCode(db, partner, campaign.id);
    const rules = { ...defaultClickSettings, maxPaidClicksPerDay: 3 };
    const day1 = new Date('2026-04-10T23:00:00Z');
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push((await click(db, code, { now: day1, rules })).verdict);
    expect(verdicts).toEqual(['valid', 'valid', 'valid', 'over_cap', 'over_cap']);
    expect((await click(db, code, { now: new Date('2026-04-11T00:30:00Z'), rules })).verdict).toBe('valid');
    const balance = await partnerBalance(db, partner, { fallbackEpcCents: 12, now: new Date('2026-04-11T12:00:00Z') });
    expect(balance.earnedCents).toBe(40);
    expect(balance.notCounted.over_cap).toBe(2);
  });

  it('redirects but does not pay for paused or ended campaigns (inactive) and suspended partners', async () => {
    const db = database.db;
    const partner = await addPartner(db, `inactive-${engine}@example.com`);
    const campaign = await addCampaign(db);
    const code = await linkCode(db, partner, campaign.id);
    await setCampaignStatus(db, campaign.id, 'paused', operator);
    expect((await click(db, code)).verdict).toBe('inactive');
    await setCampaignStatus(db, campaign.id, 'active', operator);
    expect((await click(db, code)).verdict).toBe('valid');
    await setPartnerStatus(db, partner, 'suspended', operator, 'fraud check');
    expect((await click(db, code)).verdict).toBe('suspended');
    await setPartnerStatus(db, partner, 'active', operator);
    await setCampaignStatus(db, campaign.id, 'ended', operator);
    expect((await click(db, code)).verdict).toBe('inactive');
  });

  it('keeps each click at the rate of its moment when the rate changes', async () => {
    const db = database.db;
    const partner = await addPartner(db, `rates-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.12');
    const code = await linkCode(db, partner, campaign.id);
    await click(db, code);
    await updateCampaign(db, campaign.id, { ratePerClickEur: '0.30' }, operator);
    await click(db, code);
    await updateCampaign(db, campaign.id, { ratePerClickEur: 0.05 }, operator);
    await click(db, code);
    expect((await eventRows(db, partner)).map((e) => e.amount_cents)).toEqual([12, 30, 5]);
    expect((await partnerBalance(db, partner, { fallbackEpcCents: 12 })).earnedCents).toBe(47);
  });

  it('counts a click 200 days old exactly like one from today, over all time', async () => {
    const db = database.db;
    const partner = await addPartner(db, `old-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.12');
    const code = await linkCode(db, partner, campaign.id);
    const now = new Date();
    await click(db, code, { now: new Date(now.getTime() - 200 * DAY) });
    await click(db, code, { now: new Date(now.getTime() - 100 * DAY) });
    await click(db, code, { now: new Date(now.getTime() - 89 * DAY) });
    await click(db, code, { now });
    const balance = await partnerBalance(db, partner, { fallbackEpcCents: 99, now });
    expect(balance.earnedCents).toBe(48);
    expect(balance.validClicks90d).toBe(2);
    expect(balance.earned90dCents).toBe(24);
    expect(balance.epcCents90d).toBe(12);
    expect(balance.availableCents).toBe(48);

    // Pending and paid money, all time: earned = available + pending + paid.
    await db.execute(sql`insert into withdraw_requests (partner_id, amount_cents, method, details_encrypted, details_masked, status, reason)
      values (${partner}, 10, 'paypal', 'x', 'x', 'requested', null), (${partner}, 5, 'paypal', 'x', 'x', 'approved', null), (${partner}, 3, 'paypal', 'x', 'x', 'rejected', 'no')`);
    const [paidRequest] = await queryRows<{ id: string }>(db, sql`insert into withdraw_requests (partner_id, amount_cents, method, details_encrypted, details_masked, status, reference)
      values (${partner}, 20, 'bank', 'x', 'x', 'paid', 'REF-1') returning id`);
    await db.execute(sql`insert into payouts (withdraw_request_id, partner_id, amount_cents, method, reference) values (${paidRequest!.id}, ${partner}, 20, 'bank', 'REF-1')`);
    const after = await partnerBalance(db, partner, { fallbackEpcCents: 99, now });
    expect(after).toMatchObject({ earnedCents: 48, pendingCents: 15, paidCents: 20, availableCents: 13 });
    expect(after.earnedCents).toBe(after.availableCents + after.pendingCents + after.paidCents);
  });

  it('gives the fallback EPC when there is no valid click in 90 days', async () => {
    const partner = await addPartner(database.db, `quiet-${engine}@example.com`);
    expect((await partnerBalance(database.db, partner, { fallbackEpcCents: 12 })).epcCents90d).toBe(12);
  });

  it('applies every rule inside one batch exactly as one click at a time', async () => {
    const db = database.db;
    const partner = await addPartner(db, `batch-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.25');
    const code = await linkCode(db, partner, campaign.id);
    const now = new Date('2026-05-05T08:00:00Z');
    const base = { code, partnerId: partner, signedInPartnerId: null, notNavigation: false, now };
    const rules = { ...defaultClickSettings, maxPaidClicksPerDay: 3 };
    const results = await recordClicks(db, [
      { ...base, address: '10.1.0.1', userAgent: BROWSER_UA },
      { ...base, address: '10.1.0.1', userAgent: BROWSER_UA }, // same visitor, same batch
      { ...base, address: '10.1.0.2', userAgent: 'Googlebot/2.1' },
      { ...base, address: '10.1.0.3', userAgent: BROWSER_UA, signedInPartnerId: partner },
      { ...base, address: '10.1.0.4', userAgent: BROWSER_UA },
      { ...base, address: '10.1.0.5', userAgent: BROWSER_UA },
      { ...base, address: '10.1.0.6', userAgent: BROWSER_UA }, // beyond the cap of 3
      { ...base, address: '10.1.0.7', userAgent: BROWSER_UA, notNavigation: true },
    ], rules);
    expect(results.map((r) => r.verdict)).toEqual(['valid', 'duplicate', 'bot', 'self', 'valid', 'valid', 'over_cap', 'not_navigation']);
    expect(results.map((r) => r.amountCents)).toEqual([25, 0, 0, 0, 25, 25, 0, 0]);
    // Every click, counted or not, is answered with its own row of the ledger.
    expect((await ledger(db, partner)).map(({ id, verdict, amount_cents }) => ({ id, verdict, amount_cents }))).toEqual(results.map(asStored));
    expect((await recordClicks(db, [{ ...base, address: '10.1.0.1', userAgent: BROWSER_UA }], rules))[0]!.verdict).toBe('duplicate');
  });

  it('answers each click with the id of its own row in the ledger, batched among other links’ clicks', async () => {
    const db = database.db;
    const [alice, bob] = [await addPartner(db, `ids-a-${engine}@example.com`), await addPartner(db, `ids-b-${engine}@example.com`)];
    const campaign = await addCampaign(db, '0.15');
    const [codeA, codeB] = [await linkCode(db, alice, campaign.id), await linkCode(db, bob, campaign.id)];
    const writer = new ClickWriter(db, defaultClickSettings);
    const clicks = Array.from({ length: 40 }, (_, i) => {
      const [code, partnerId] = i % 3 === 0 ? [codeB, bob] : [codeA, alice];
      // Bots, repeat visitors and loads that are no navigation among them: each gets its id too.
      return { code, partnerId, address: `10.9.0.${i % 7}`, userAgent: i % 5 === 4 ? 'Googlebot/2.1' : BROWSER_UA, signedInPartnerId: null, notNavigation: i % 11 === 10, now: new Date() };
    });
    const results = await Promise.all(clicks.map((c) => writer.record(c)));
    await writer.drain();
    expect(writer.stats.largestBatch).toBeGreaterThan(1);
    expect(new Set(results.map((r) => r.verdict))).toEqual(new Set(['valid', 'bot', 'duplicate', 'not_navigation']));
    expect(new Set(results.map((r) => r.eventId)).size).toBe(clicks.length);
    const rows = new Map([...(await ledger(db, alice)), ...(await ledger(db, bob))].map((r) => [r.id, r]));
    expect(rows.size).toBe(clicks.length);
    results.forEach((result, i) => {
      expect(rows.get(result.eventId), `click ${i}`).toEqual({ id: result.eventId, verdict: result.verdict, amount_cents: result.amountCents, link_code: clicks[i]!.code });
    });
  });

  it('commits concurrent clicks in few transactions through the writer, each exactly once', async () => {
    const db = database.db;
    const partner = await addPartner(db, `writer-${engine}@example.com`);
    const campaign = await addCampaign(db, '0.12');
    const code = await linkCode(db, partner, campaign.id);
    const writer = new ClickWriter(db, defaultClickSettings);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => writer.record({ code, partnerId: partner, address: `10.2.${i >> 8}.${i & 255}`, userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now: new Date() })),
    );
    expect(results.filter((r) => r.verdict === 'valid')).toHaveLength(200);
    expect(writer.stats.clicks).toBe(200);
    expect(writer.stats.batches).toBeLessThan(200);
    expect(writer.stats.largestBatch).toBeGreaterThan(1);
    expect(await eventRows(db, partner)).toHaveLength(200);
    await writer.drain();
  });

  it.each([false, true])('answers each click with its own verdict, the next batch sent first when asked (deferred: %s)', async (deferred) => {
    const partner = await addPartner(database.db, `deferred-${deferred}-${engine}@example.com`);
    const code = await linkCode(database.db, partner, (await addCampaign(database.db, '0.12')).id);
    const events: string[] = [];
    const dialect = new PgDialect();
    let sent = 0;
    // Records each batch sent; while the first is on its way, five more clicks queue behind it.
    const watched = new Proxy(database.db, {
      get(target, property) {
        if (property !== 'execute') return Reflect.get(target, property, target) as unknown;
        return (query: SQL) => {
          if (dialect.sqlToQuery(query).sql.includes('record_click_batch_with_ids(')) {
            events.push(`sent ${++sent}`);
            if (sent === 1) second.push(...[5, 6, 7, 8, 9].map((i) => answered(i)));
          }
          return target.execute(query);
        };
      },
    });
    const writer = new ClickWriter(watched, defaultClickSettings, { answerAfterSendingNext: deferred });
    // The fourth click of each batch is a bot's.
    const click = (i: number) => ({ code, partnerId: partner, address: `10.5.${Number(deferred)}.${i}`, userAgent: i % 5 === 3 ? 'curl/8.5.0' : BROWSER_UA, signedInPartnerId: null, notNavigation: false, now: new Date() });
    const answered = (i: number) => writer.record(click(i)).then((result) => (events.push(`answered ${i}`), result.verdict));
    const second: Array<Promise<string>> = [];
    const first = [0, 1, 2, 3, 4].map((i) => answered(i));
    const verdicts = [...(await Promise.all(first)), ...(await Promise.all(second))];
    await writer.drain();
    expect(verdicts).toEqual(['valid', 'valid', 'valid', 'bot', 'valid', 'valid', 'valid', 'valid', 'bot', 'valid']);
    const firstAnswers = [0, 1, 2, 3, 4].map((i) => `answered ${i}`);
    const secondAnswers = [5, 6, 7, 8, 9].map((i) => `answered ${i}`);
    expect(events).toEqual(deferred ? ['sent 1', 'sent 2', ...firstAnswers, ...secondAnswers] : ['sent 1', ...firstAnswers, 'sent 2', ...secondAnswers]);
    expect(await eventRows(database.db, partner)).toHaveLength(10);
  });

  it('never writes a batch twice when its answer is lost after it committed', async () => {
    const partner = await addPartner(database.db, `lost-answer-${engine}@example.com`);
    const code = await linkCode(database.db, partner, (await addCampaign(database.db, '0.12')).id);
    const click = (i: number) => ({ code, partnerId: partner, address: `10.3.0.${i}`, userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now: new Date() });

    // The batch commits, then the connection "drops" before its answer is read.
    const lossy = answerLost(database.db, { receiptReadable: true });
    const writer = new ClickWriter(lossy.db, defaultClickSettings);
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => writer.record(click(i))));
    expect(lossy.failures()).toBe(1);
    expect(results.map((r) => r.verdict)).toEqual(Array(5).fill('valid'));
    // The receipt answers the ids of the rows the lost batch wrote, as its answer would have.
    expect((await ledger(database.db, partner)).map(({ id, verdict, amount_cents }) => ({ id, verdict, amount_cents }))).toEqual(results.map(asStored));

    // Same, and the receipt cannot be read either: nothing is written again, the clicks are refused.
    const blind = answerLost(database.db, { receiptReadable: false });
    const blindWriter = new ClickWriter(blind.db, defaultClickSettings);
    const outcomes = await Promise.allSettled([5, 6, 7].map((i) => blindWriter.record(click(i))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(BatchOutcomeUnknown);
    expect(await eventRows(database.db, partner)).toHaveLength(8);

    // A batch sent again under the same id fails on its receipt and changes nothing.
    const batchId = randomUUID();
    await recordClicks(database.db, [click(9)], defaultClickSettings, batchId);
    await expect(recordClicks(database.db, [click(10)], defaultClickSettings, batchId)).rejects.toThrow();
    expect(await eventRows(database.db, partner)).toHaveLength(9);

    // Looked up before it ever ran (its connection dropped with the query still on the way): not
    // landed, and it can no longer land.
    const late = randomUUID();
    expect(await findBatchReceipt(database.db, late)).toBeNull();
    await expect(recordClicks(database.db, [click(11)], defaultClickSettings, late)).rejects.toThrow();
    expect(await eventRows(database.db, partner)).toHaveLength(9);
    expect(await verifyDailyStats(database.db)).toEqual([]);
  });

  it('keeps batch receipts for a day: housekeeping deletes older ones', async () => {
    const partner = await addPartner(database.db, `receipts-${engine}@example.com`);
    const code = await linkCode(database.db, partner, (await addCampaign(database.db)).id);
    const [old, recent] = [randomUUID(), randomUUID()];
    for (const [id, i] of [[old, 1], [recent, 2]] as const) {
      await recordClicks(database.db, [{ code, partnerId: partner, address: `10.4.0.${i}`, userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now: new Date() }], defaultClickSettings, id);
    }
    await database.db.execute(sql`update click_batches set written_at = now() - interval '25 hours' where id = ${old}::uuid`);
    await deleteExpiredRows(database.db, 24);
    const left = await queryRows<{ id: string }>(database.db, sql`select id from click_batches where id in (${old}::uuid, ${recent}::uuid)`);
    expect(left.map((r) => r.id)).toEqual([recent]);
    expect(await eventRows(database.db, partner)).toHaveLength(2);
  });

  it('reaches every row of a click batch by key, even by a plan made when the tables were small', async () => {
    const partner = await addPartner(database.db, `by-key-${engine}@example.com`);
    const code = await linkCode(database.db, partner, (await addCampaign(database.db)).id);
    const tables = ['click_batches', 'click_dedupe', 'metric_events', 'partner_daily_stats', 'tracked_links', 'partners'];
    // One transaction is one connection: its plans, cached by the first batches, are those reused
    // once the tables have grown; the scan counters are this transaction's own.
    const wholeReads = await database.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      for (let i = 0; i < 8; i++) {
        // Statistics taken while the tables are small, as on a new installation or after a purge.
        if (i === 6) await db.execute(sql.raw(`analyze ${tables.join(', ')}`));
        await recordClicks(db, [{ code, partnerId: partner, address: `10.5.0.${i}`, userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now: new Date() }], defaultClickSettings);
      }
      // A day's receipts of other batches, dated so that they are told apart and removed below.
      await db.execute(sql`insert into click_batches (id, verdicts, amounts, written_at) select gen_random_uuid(), '{valid}', '{12}', '2000-01-01' from generate_series(1, 20000)`);
      const before = await queryRows<Record<string, number>>(db, sql.raw(`select ${tables.map((t) => `pg_stat_get_xact_numscans('${t}'::regclass)::integer as ${t}`).join(', ')}`));
      await recordClicks(db, [{ code, partnerId: partner, address: '10.5.1.1', userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now: new Date() }], defaultClickSettings);
      const after = await queryRows<Record<string, number>>(db, sql.raw(`select ${tables.map((t) => `pg_stat_get_xact_numscans('${t}'::regclass)::integer as ${t}`).join(', ')}`));
      await db.execute(sql`delete from click_batches where written_at = '2000-01-01'`);
      return Object.fromEntries(tables.map((t) => [t, Number(after[0]![t]) - Number(before[0]![t])]));
    });
    expect(wholeReads).toEqual(Object.fromEntries(tables.map((t) => [t, 0])));
  });

  it('still records the clicks of an instance of the previous version during an upgrade (bot flags)', async () => {
    const partner = await addPartner(database.db, `upgrade-${engine}@example.com`);
    const code = await linkCode(database.db, partner, (await addCampaign(database.db, '0.20')).id);
    const now = new Date().toISOString();
    const rows = await queryRows<{ click_verdict: string; click_amount_cents: number }>(
      database.db,
      sql`select * from record_click_batch(${randomUUID()}::uuid, ${`{${code},${code}}`}::text[], ${`{"${now}","${now}"}`}::timestamptz[],
            '{true,false}'::boolean[], '{NULL,NULL}'::uuid[], '{k1,k2}'::text[], '{h1,h2}'::text[], 24, 500)`,
    );
    expect(rows).toEqual([{ click_verdict: 'bot', click_amount_cents: 0 }, { click_verdict: 'valid', click_amount_cents: 20 }]);
  });

  it('still answers an instance of the previous version as before the click ids: batch and receipt, without the ids', async () => {
    const partner = await addPartner(database.db, `previous-${engine}@example.com`);
    const code = await linkCode(database.db, partner, (await addCampaign(database.db, '0.20')).id);
    const now = new Date().toISOString();
    const batchId = randomUUID();
    const rows = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select * from record_click_batch(${batchId}::uuid, ${`{${code},${code}}`}::text[], ${`{"${now}","${now}"}`}::timestamptz[],
            '{not_navigation,NULL}'::text[], '{NULL,NULL}'::uuid[], '{k1,k2}'::text[], '{h1,h2}'::text[], 24, 500)`,
    );
    expect(rows).toEqual([{ click_verdict: 'not_navigation', click_amount_cents: 0 }, { click_verdict: 'valid', click_amount_cents: 20 }]);
    expect(await queryRows(database.db, sql`select * from click_batch_outcome(${batchId}::uuid)`)).toEqual([{ landed: true, verdicts: ['not_navigation', 'valid'], amounts: [0, 20] }]);
    // Written through today's function: its receipt holds the rows' ids, which this version reads.
    const stored = await ledger(database.db, partner);
    expect((await findBatchReceipt(database.db, batchId))?.map((r) => r.eventId)).toEqual(stored.map((r) => r.id));
    expect(await queryRows(database.db, sql`select * from click_batch_outcome(${randomUUID()}::uuid)`)).toEqual([{ landed: false, verdicts: null, amounts: null }]);
  });

  it('detects a summary that disagrees with the ledger, and rebuilds it', async () => {
    const db = database.db;
    expect(await verifyDailyStats(db)).toEqual([]);
    await db.execute(sql`update partner_daily_stats set valid_clicks = valid_clicks + 1 where ctid = (select ctid from partner_daily_stats limit 1)`);
    expect(await verifyDailyStats(db)).toHaveLength(1);
    await rebuildDailyStats(db);
    expect(await verifyDailyStats(db)).toEqual([]);
  });
});

describe('click batches racing on real PostgreSQL', () => {
  it('upgrades a database in use: an instance of the previous version keeps recording clicks while another migrates', async () => {
    // A database at migration 0012, as the previous version left it, with its clicks.
    const database = await createTestDatabase('postgres', { migrate: false });
    try {
      const previous = readMigrations().filter((m) => m.version <= '0012');
      await migrate(database, previous, []);
      const db = database.db;
      const [partner] = await queryRows<{ id: string }>(db, sql`insert into partners (email) values ('upgrade@example.com') returning id`);
      const [campaign] = await queryRows<{ id: string }>(db, sql`insert into campaigns (name, target_url, rate_cents) values ('Avant', 'https://brand.example/', 10) returning id`);
      await db.execute(sql`insert into tracked_links (code, partner_id, campaign_id) values ('upgrade001', ${partner!.id}, ${campaign!.id})`);
      // The previous version's call: a bot flag per click.
      let sent = 0;
      const oldInstanceBatch = async () => {
        const n = ++sent;
        const at = new Date().toISOString();
        return queryRows<{ click_verdict: string }>(
          db,
          sql`select click_verdict from record_click_batch(${randomUUID()}::uuid, '{upgrade001,upgrade001}'::text[], ${`{"${at}","${at}"}`}::timestamptz[],
                '{false,true}'::boolean[], '{NULL,NULL}'::uuid[], ${`{a${n},b${n}}`}::text[], '{h1,h2}'::text[], 24, 500)`,
        );
      };
      await oldInstanceBatch();
      let stop = false;
      const failures: unknown[] = [];
      const verdicts: string[] = [];
      const clicking = (async () => {
        while (!stop) {
          try {
            verdicts.push(...(await oldInstanceBatch()).map((r) => r.click_verdict));
          } catch (error) {
            failures.push(error);
          }
        }
      })();
      const applied = await migrate(database);
      stop = true;
      await clicking;
      expect(applied).toEqual(readMigrations().filter((m) => m.version > '0012').map((m) => m.version));
      expect(failures).toEqual([]);
      expect(verdicts.length).toBeGreaterThan(0);
      expect(new Set(verdicts)).toEqual(new Set(['valid', 'bot']));
      const events = { n: await countRows(db, sql`metric_events`) };
      expect(events!.n).toBe(2 * sent);
      expect(await verifyDailyStats(db)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('never deadlock, whatever mix of refused and paid clicks two batches hold', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const db = database.db;
      const campaign = await addCampaign(db);
      const [p1, p2] = [await addPartner(db, 'cross-1@example.com'), await addPartner(db, 'cross-2@example.com')];
      const [c1, c2] = [await linkCode(db, p1, campaign.id), await linkCode(db, p2, campaign.id)];
      const now = new Date();
      const base = { signedInPartnerId: null, notNavigation: false, now };
      for (let round = 0; round < 40; round++) {
        const results = await Promise.all([
          recordClicks(db, [{ ...base, code: c1, partnerId: p1, address: `a${round}`, userAgent: 'Googlebot/2.1' }, { ...base, code: c2, partnerId: p2, address: `b${round}`, userAgent: BROWSER_UA }], defaultClickSettings),
          recordClicks(db, [{ ...base, code: c1, partnerId: p1, address: `c${round}`, userAgent: BROWSER_UA }, { ...base, code: c2, partnerId: p2, address: `d${round}`, userAgent: 'Googlebot/2.1' }], defaultClickSettings),
        ]);
        expect(results.flat().map((r) => r.verdict).sort()).toEqual(['bot', 'bot', 'valid', 'valid']);
      }
      expect(await verifyDailyStats(db)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('turns a batch’s last clicks over_cap when a concurrent batch took the day’s paid places first', async () => {
    // The second batch judges its clicks against the committed count (0), writes them, then waits
    // for the partner-day row that the first batch holds; its upsert returns the true total.
    const database = await createTestDatabase('postgres');
    try {
      const db = database.db;
      const partner = await addPartner(db, 'crossing@example.com');
      const campaign = await addCampaign(db, '0.12');
      const code = await linkCode(db, partner, campaign.id);
      const rules = { ...defaultClickSettings, maxPaidClicksPerDay: 10 };
      const now = new Date();
      await visitorDayKey(db, utcDay(now));
      const batch = (size: number, prefix: string) =>
        Array.from({ length: size }, (_, i) => ({ code, partnerId: partner, address: `${prefix}${i}`, userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now }));

      const first = await heldOpen(db, (tx) => recordClicks(tx, batch(8, 'first-'), rules));
      const second = recordClicks(db, batch(5, 'second-'), rules);
      const waiting = sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      await expect.poll(async () => (await queryRows<{ n: number }>(db, waiting))[0]!.n, { timeout: 30_000 }).toBe(1);
      await first.end('commit');

      expect(first.result.map((r) => r.verdict)).toEqual(Array(8).fill('valid'));
      const late = await second;
      expect(late.map(({ verdict, amountCents }) => ({ verdict, amountCents }))).toEqual([
        { verdict: 'valid', amountCents: 12 },
        { verdict: 'valid', amountCents: 12 },
        { verdict: 'over_cap', amountCents: 0 },
        { verdict: 'over_cap', amountCents: 0 },
        { verdict: 'over_cap', amountCents: 0 },
      ]);
      const events = await eventRows(db, partner);
      expect(events.map((e) => [e.verdict, e.amount_cents])).toEqual([...Array(10).fill(['valid', 12]), ...Array(3).fill(['over_cap', 0])]);
      // The clicks turned over_cap keep their rows, and their ids name them as they now stand.
      const rows = new Map((await ledger(db, partner)).map((r) => [r.id, { id: r.id, verdict: r.verdict, amount_cents: r.amount_cents }]));
      expect([...first.result, ...late].map((r) => rows.get(r.eventId))).toEqual([...first.result, ...late].map(asStored));
      const [day] = await queryRows<{ valid_clicks: number; earned_cents: number; over_cap: number }>(
        db,
        sql`select valid_clicks, earned_cents, over_cap from partner_daily_stats where partner_id = ${partner}`,
      );
      expect(day).toEqual({ valid_clicks: 10, earned_cents: 120, over_cap: 3 });
      expect(await verifyDailyStats(db)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('reads a batch’s receipt only once the batch has ended, committed or rolled back', async () => {
    // A dropped connection does not stop the backend: the batch may commit after the app gave up
    // on its answer. The lookup waits for it instead of concluding it never landed.
    const database = await createTestDatabase('postgres');
    try {
      const db = database.db;
      const partner = await addPartner(db, 'receipt-wait@example.com');
      const code = await linkCode(db, partner, (await addCampaign(db, '0.12')).id);
      const now = new Date();
      await visitorDayKey(db, utcDay(now));
      for (const outcome of ['commit', 'rollback'] as const) {
        const batchId = randomUUID();
        const click = { code, partnerId: partner, address: `10.5.0.${outcome.length}`, userAgent: BROWSER_UA, signedInPartnerId: null, notNavigation: false, now };
        const batch = await heldOpen(db, (tx) => recordClicks(tx, [click], defaultClickSettings, batchId));
        let found: RecordedClick[] | null | undefined;
        const lookup = findBatchReceipt(db, batchId).then((receipt) => (found = receipt));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(found, outcome).toBeUndefined();
        await batch.end(outcome);
        await lookup;
        expect(found, outcome).toEqual(outcome === 'commit' ? batch.result : null);
        if (outcome === 'commit') expect(batch.result).toEqual([{ verdict: 'valid', amountCents: 12, eventId: expect.any(Number) }]);
      }
    } finally {
      await database.close();
    }
  });

  it('enforces the daily cap whatever the server’s DateStyle', async () => {
    const database = await createTestDatabase('postgres');
    try {
      await database.db.execute(sql.raw(`alter database ${new URL(database.url!).pathname.slice(1)} set datestyle = 'SQL, DMY'`));
      const fresh = await openDatabase({ databaseUrl: database.url!, dataDir: null, logger: quietLogger });
      try {
        const [style] = await queryRows<{ DateStyle: string }>(fresh.db, sql`show datestyle`);
        expect(Object.values(style!)[0]).toBe('SQL, DMY');
        const partner = await addPartner(fresh.db, 'dmy@example.com');
        const code = await linkCode(fresh.db, partner, (await addCampaign(fresh.db)).id);
        const rules = { ...defaultClickSettings, maxPaidClicksPerDay: 1 };
        const verdicts = [];
        for (let i = 0; i < 3; i++) verdicts.push((await click(fresh.db, code, { rules })).verdict);
        expect(verdicts).toEqual(['valid', 'over_cap', 'over_cap']);
      } finally {
        await fresh.close();
      }
    } finally {
      await database.close();
    }
  });
});

describe('concurrent clicks on real PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => database?.close());

  it('never pays more than the cap, and counts one visitor once, however many clicks race', async () => {
    const db = database.db;
    const partner = await addPartner(db, 'race@example.com');
    const campaign = await addCampaign(db, '0.12');
    const code = await linkCode(db, partner, campaign.id);
    const rules = { ...defaultClickSettings, maxPaidClicksPerDay: 10 };
    const now = new Date();
    const crowd = await Promise.all(Array.from({ length: 40 }, (_, i) => click(db, code, { address: `10.9.0.${i}`, now, rules })));
    expect(crowd.filter((c) => c.verdict === 'valid')).toHaveLength(10);
    expect(crowd.filter((c) => c.verdict === 'over_cap')).toHaveLength(30);

    const other = await addPartner(db, 'race-2@example.com');
    const otherCode = await linkCode(db, other, campaign.id);
    const same = await Promise.all(Array.from({ length: 15 }, () => click(db, otherCode, { address: '10.9.9.9', now, rules })));
    expect(same.filter((c) => c.verdict === 'valid')).toHaveLength(1);
    expect(same.filter((c) => c.verdict === 'duplicate')).toHaveLength(14);

    const balance = await partnerBalance(db, partner, { fallbackEpcCents: 12 });
    expect(balance.earnedCents).toBe(120);
    expect(await verifyDailyStats(db)).toEqual([]);
  });
});
