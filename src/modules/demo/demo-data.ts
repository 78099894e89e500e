/**
 * Demo data for a newcomer's empty database: campaigns, partners, 60 days of clicks and a few sales, every row
 * marked `is_demo` and every name saying « démo ». Never loaded when NODE_ENV=production.
 * Clicks are inserted in bulk, then the daily summary is rebuilt from them (the same code as
 * `stats rebuild`), so the demo follows the ledger's rules without replaying thousands of requests.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import type { Config, Locale } from '../../config.js';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import type { NetworkName } from '../../db/schema.js';
import { saveAutopilot } from '../publishing/autopilot/autopilot-settings.js';
import { backdatePublication, backdateTemplate, connectDemoWebhook, firstPublicationOf } from '../publishing/demo-dates.js';
import { centsToDecimalString } from '../../lib/money.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { createCampaign, setCampaignStatus, type Campaign } from '../campaigns/campaigns.js';
import { createPartners, partnerContacts, setPseudonym } from '../partners/partners.js';
import { rebuildDailyStats } from '../earnings/daily-stats.js';
import { partnerBalance } from '../earnings/balance.js';
import { confirmPayoutMethodChange, requestPayoutMethodChange } from '../withdrawals/payout-method.js';
import { requestWithdrawal, transitionWithdrawal } from '../withdrawals/withdrawals.js';
import { connectAssisted } from '../publishing/assisted-accounts.js';
import { approvePublication, confirmPublished, preparePublications } from '../publishing/publications.js';
import { setTemplateImage } from '../publishing/post-images.js';
import { addTemplateTexts, createTemplate } from '../publishing/templates.js';
import { clickIdFor } from '../clicks/click-id.js';
import { addAdjustment } from '../sales/adjustments.js';
import { recordRefund, recordSale } from '../sales/sales.js';
import { salesDeps } from '../sales/sales-deps.js';

const DEMO_ACTOR: Actor = { id: null, label: 'system (demo)' };

/** A demo post: written some days ago, its texts by language (and network: null for every one). */
interface DemoPost {
  daysAgo: number;
  texts: Array<{ locale: Locale; network: NetworkName | null; texts: string[] }>;
}

const DEMO_CAMPAIGNS: Array<{ name: string; brand?: string; targetUrl: string; rateCents: number; commissionPercent?: string; status: 'active' | 'ended'; posts: string[]; templates: DemoPost[] }> = [
  {
    name: 'Démo · Box bio du mois',
    brand: 'Box bio (démo)',
    targetUrl: 'https://example.com/box-bio',
    rateCents: 12,
    status: 'active',
    posts: ['Ma box bio du mois est arrivée 🌱 Tout est local et de saison : {link}', 'Envie de manger mieux sans y passer des heures ? Regarde ça : {link}'],
    templates: [
      {
        daysAgo: 12,
        texts: [
          { locale: 'fr', network: null, texts: ['Ma box bio du mois est arrivée 🌱 Tout est local et de saison : {link}', 'Des légumes de saison livrés chez moi, sans y penser. Je vous montre ce qu’il y avait dedans : {link}'] },
          { locale: 'en', network: null, texts: ['My organic box of the month is here 🌱 Everything is local and seasonal: {link}'] },
        ],
      },
      {
        daysAgo: 3,
        texts: [
          { locale: 'fr', network: null, texts: ['Envie de manger mieux sans y passer des heures ? Regarde ça : {link}'] },
          { locale: 'en', network: null, texts: ['Want to eat better without spending hours on it? Have a look: {link}'] },
        ],
      },
    ],
  },
  {
    name: 'Démo · Appli de méditation',
    brand: 'Appli Zen (démo)',
    targetUrl: 'https://example.com/meditation',
    rateCents: 8,
    status: 'active',
    posts: ['10 minutes par jour ont changé mes matins. Essai gratuit ici : {link}'],
    templates: [
      {
        daysAgo: 6,
        texts: [
          { locale: 'fr', network: null, texts: ['10 minutes par jour ont changé mes matins. Essai gratuit ici : {link}'] },
          { locale: 'fr', network: 'x', texts: ['10 min de méditation par jour = des matins plus calmes. Essai gratuit : {link} #méditation'] },
          { locale: 'en', network: null, texts: ['10 minutes a day changed my mornings. Free trial here: {link}'] },
        ],
      },
    ],
  },
  // Pays a share of the sales only: the earnings page's « Ventes » and the operator's sales have rows.
  {
    name: 'Démo · Thés d’ici',
    brand: 'Thés d’ici (démo)',
    targetUrl: 'https://example.com/thes',
    rateCents: 0,
    commissionPercent: '8',
    status: 'active',
    posts: ['Mon thé du matin vient d’un petit producteur, et ça se sent : {link}'],
    templates: [
      {
        daysAgo: 2,
        texts: [
          { locale: 'fr', network: null, texts: ['{Mon|Le} thé du matin vient d’un petit producteur, et ça se sent : {link}'] },
          { locale: 'en', network: null, texts: ['My morning tea comes from a small grower, and you can taste it: {link}'] },
        ],
      },
    ],
  },
  { name: 'Démo · Soldes d’hiver (terminée)', targetUrl: 'https://example.com/soldes', rateCents: 5, status: 'ended', posts: [], templates: [] },
];

const DEMO_PARTNERS = [
  ['lina.demo@example.com', 'Lina démo'],
  ['max.demo@example.com', null],
  ['sofia.demo@example.com', 'Sofia démo'],
  ['yanis.demo@example.com', null],
  ['a.demo@example.com', null],
  ['chloe.demo@example.com', 'Chloé démo'],
] as const;

/**
 * Partners who joined lately (the operators' overview counts this week's), with how long ago;
 * their clicks start when they joined.
 */
const DEMO_NEWCOMERS = [
  ['nora.demo@example.com', 2 * 3_600_000],
  ['theo.demo@example.com', 3 * 86_400_000],
] as const;

/** True when nothing has been created yet: no partner and no campaign. */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  const [row] = await queryRows<{ n: number }>(db, sql`select (select count(*) from partners) + (select count(*) from campaigns) as n`);
  return Number(row?.n ?? 0) === 0;
}

/** A deterministic pseudo-random sequence, so the demo looks the same on every machine. */
function sequence(seed: string): () => number {
  let counter = 0;
  return () => createHash('sha256').update(`${seed}:${counter++}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * With the settings (`config`), the first demo partner also gets a withdrawal history — one paid
 * with its reference, one rejected with its reason — and a confirmed payout method, so the
 * earnings page shows every step.
 */
export async function loadDemoData(db: Db, now = new Date(), config?: Config): Promise<{ campaigns: number; partners: number; clicks: number }> {
  return db.transaction(async (tx) => {
    // Through the same services as an operator and partners, so demo rows obey the same rules.
    const peopleIds = await createPartners(tx, DEMO_PARTNERS.map(([email]) => ({ email, isDemo: true, createdAt: new Date(now.getTime() - 70 * 86_400_000) })));
    const newcomerIds = await createPartners(tx, DEMO_NEWCOMERS.map(([email, ago]) => ({ email, isDemo: true, createdAt: new Date(now.getTime() - ago) })));
    const people = [...peopleIds.map((id) => ({ id, joined: new Date(0) })), ...newcomerIds.map((id, index) => ({ id, joined: new Date(now.getTime() - DEMO_NEWCOMERS[index]![1]) }))];
    // Demo pseudonyms obey the partners' own rules, so saving one's settings unchanged succeeds.
    for (const [index, [, pseudonym]] of DEMO_PARTNERS.entries()) if (pseudonym) await setPseudonym(tx, peopleIds[index]!, pseudonym);
    const created = [];
    for (const demo of DEMO_CAMPAIGNS) {
      const campaign = await createCampaign(tx, { name: demo.name, brand: demo.brand, targetUrl: demo.targetUrl, ratePerClickEur: centsToDecimalString(demo.rateCents), commissionPercent: demo.commissionPercent, posts: demo.posts }, demo.rateCents, DEMO_ACTOR, { isDemo: true });
      if (demo.status !== campaign.status) await setCampaignStatus(tx, campaign.id, demo.status, DEMO_ACTOR);
      created.push(campaign);
    }
    // Posts, and the first partner's publications (one already out, whose link gets clicks below).
    const published = config ? await demoPosts(tx, config, created, peopleIds[0]!, now) : null;
    const links = await queryRows<{ code: string; partner_id: string; campaign_id: string; rate_cents: number; status: string }>(
      tx,
      sql`select l.code, l.partner_id, l.campaign_id, c.rate_cents, c.status from tracked_links l join campaigns c on c.id = l.campaign_id where l.purpose = 'main'`,
    );
    const random = sequence('plug-and-earn-demo');
    const rows: Array<{ at: Date; partner: string; campaign: string; code: string; verdict: string; amount: number }> = [];
    people.forEach((partner, rank) => {
      const popularity = 6 / (rank + 1); // a few stars and a long tail
      for (const link of links.filter((l) => l.partner_id === partner.id)) {
        for (let day = 59; day >= 0; day--) {
          const clicks = Math.floor(random() * popularity * 3);
          for (let i = 0; i < clicks; i++) {
            const at = new Date(now.getTime() - day * 86_400_000 - Math.floor(random() * 80_000_000) % (day === 0 ? 3_600_000 : 86_400_000));
            if (at < partner.joined) continue;
            const roll = random();
            const ended = link.status !== 'active' && day < 30;
            const verdict = ended ? 'inactive' : roll < 0.08 ? 'bot' : roll < 0.14 ? 'duplicate' : 'valid';
            rows.push({ at, partner: partner.id, campaign: link.campaign_id, code: link.code, verdict, amount: verdict === 'valid' ? link.rate_cents : 0 });
          }
        }
      }
    });
    if (published) {
      for (let day = published.daysAgo - 1; day >= 0; day--) {
        const clicks = 1 + Math.floor(random() * 5);
        for (let i = 0; i < clicks; i++) {
          const at = new Date(now.getTime() - day * 86_400_000 - Math.floor(random() * (day === 0 ? 3_600_000 : 86_400_000)));
          const verdict = random() < 0.1 ? 'duplicate' : 'valid';
          rows.push({ at, partner: peopleIds[0]!, campaign: published.campaignId, code: published.code, verdict, amount: verdict === 'valid' ? published.rateCents : 0 });
        }
      }
    }
    for (let i = 0; i < rows.length; i += 2000) {
      const batch = rows.slice(i, i + 2000);
      await tx.execute(sql`insert into metric_events (kind, occurred_at, partner_id, campaign_id, link_code, verdict, amount_cents)
        select 'click', at, partner, campaign, code, verdict, amount
        from unnest(${`{${batch.map((r) => `"${r.at.toISOString()}"`).join(',')}}`}::timestamptz[],
                    ${`{${batch.map((r) => r.partner).join(',')}}`}::uuid[],
                    ${`{${batch.map((r) => r.campaign).join(',')}}`}::uuid[],
                    ${`{${batch.map((r) => r.code).join(',')}}`}::text[],
                    ${`{${batch.map((r) => r.verdict).join(',')}}`}::text[],
                    ${`{${batch.map((r) => r.amount).join(',')}}`}::int[]) as t(at, partner, campaign, code, verdict, amount)`);
    }
    await writeAudit(tx, { actorId: DEMO_ACTOR.id, actorLabel: DEMO_ACTOR.label, action: 'demo_data_loaded', params: { campaigns: created.length, partners: people.length, clicks: rows.length } });
    await rebuildDailyStats(tx);
    if (config) await demoWithdrawals(tx, config, peopleIds[0]!, now);
    if (config) await demoWaitingRequests(tx, config, peopleIds.slice(1, 4), now);
    const sharing = created.find((campaign) => campaign.commissionBp > 0);
    if (config && sharing) await demoSales(tx, config, sharing.id, peopleIds[0]!, now);
    return { campaigns: created.length, partners: people.length, clicks: rows.length };
  });
}

/**
 * Requests that wait for the operator (the overview's « à examiner » and « à payer »): half of
 * what each partner has available, in whole euros, when that reaches the threshold; the first
 * one approved.
 */
async function demoWaitingRequests(db: Db, config: Config, partnerIds: string[], now: Date): Promise<void> {
  const method = config.payoutMethods.includes('paypal') ? 'paypal' : 'bank';
  for (const [index, partnerId] of partnerIds.entries()) {
    const { availableCents } = await partnerBalance(db, partnerId, { fallbackEpcCents: 0 });
    const half = Math.floor(availableCents / 200) * 100;
    if (half < config.payoutMinCents) continue;
    const [contact] = (await partnerContacts(db, [partnerId])).values();
    const details = method === 'paypal' ? { details: contact!.email } : { details: 'FR76 3000 6000 0112 3456 7890 189', holderName: 'Démo' };
    const asked = new Date(now.getTime() - (index + 1) * 7 * 3_600_000);
    const request = await requestWithdrawal(db, config, partnerId, { amount: centsToDecimalString(half), method, ...details }, null, asked);
    if (index === 0) await transitionWithdrawal(db, request.withdrawal.id, 'approve', DEMO_ACTOR, { now: new Date(asked.getTime() + 3_600_000) });
  }
}

/**
 * Sales of the campaign paying a share, through the same service as the conversion API, each with
 * the click id of one of the first partner's valid clicks (the sale two hours after it): the older
 * ones confirmed, the recent ones pending, one refunded in part during its hold, one refunded after
 * confirmation (a negative adjustment); one sale without a click and one after a bot's click,
 * which earn nothing; and an operator's bonus with its reason.
 */
async function demoSales(db: Db, config: Config, campaignId: string, partnerId: string, now: Date): Promise<void> {
  const deps = { ...salesDeps(config), clock: () => now };
  const clicks = await queryRows<{ id: number; occurred_at: Date | string }>(
    db,
    sql`select id, occurred_at from metric_events where partner_id = ${partnerId} and campaign_id = ${campaignId} and verdict = 'valid' order by occurred_at desc`,
  );
  const amounts = ['42.90', '18.50', '64.00', '27.30', '35.00', '12.90', '89.00'];
  // Spread over the clicks: the newest, then older and older ones.
  const picked = amounts.map((amount, index) => ({ amount, click: clicks[Math.floor((index * clicks.length) / amounts.length)] })).filter((one) => one.click);
  const orders: string[] = [];
  for (const [index, { amount, click }] of picked.entries()) {
    const soldAt = new Date(Math.min(new Date(click!.occurred_at).getTime() + 2 * 3_600_000, now.getTime()));
    const orderId = `DEMO-${1041 + index}`;
    await recordSale(db, deps, campaignId, index % 3 === 2 ? 'stripe' : 'api', { orderId, amount, currency: 'EUR', clickId: clickIdFor(config, Number(click!.id)), soldAt: soldAt.toISOString() });
    orders.push(orderId);
  }
  if (orders[1]) await recordRefund(db, deps, campaignId, { orderId: orders[1], refundId: 'DEMO-R1', amount: '6.50', currency: 'EUR' });
  // The oldest sale, long confirmed, refunded: its commission comes back as a negative adjustment.
  if (orders.length > 4) await recordRefund(db, deps, campaignId, { orderId: orders[orders.length - 1]!, refundId: 'DEMO-R2', amount: '89.00', currency: 'EUR' });
  await recordSale(db, deps, campaignId, 'csv', { orderId: 'DEMO-1100', amount: '24.00', currency: 'EUR', soldAt: new Date(now.getTime() - 5 * 86_400_000).toISOString() });
  const [bot] = await queryRows<{ id: number }>(db, sql`select id from metric_events where campaign_id = ${campaignId} and verdict = 'bot' order by occurred_at desc limit 1`);
  if (bot) await recordSale(db, deps, campaignId, 'api', { orderId: 'DEMO-1101', amount: '31.00', currency: 'EUR', clickId: clickIdFor(config, Number(bot.id)) });
  await addAdjustment(db, partnerId, { amount: '5', reason: 'Bonus de bienvenue sur la campagne Thés d’ici (démo)' }, DEMO_ACTOR);
}

/** Through the same services as the partner and an operator, with dates in the past. */
async function demoWithdrawals(db: Db, config: Config, partnerId: string, now: Date): Promise<void> {
  const daysAgo = (days: number, hours = 0) => new Date(now.getTime() - days * 86_400_000 - hours * 3_600_000);
  const { availableCents } = await partnerBalance(db, partnerId, { fallbackEpcCents: 0 });
  // Two requests of a quarter of the balance each, when that reaches the threshold.
  const quarter = Math.floor(availableCents / 400) * 100;
  if (quarter < config.payoutMinCents) return;
  const [first, second] = [config.payoutMethods[0]!, config.payoutMethods[config.payoutMethods.length - 1]!];
  const to = (method: string) => (method === 'bank' ? { method, details: 'FR76 3000 6000 0112 3456 7890 189', holderName: 'Lina Démo' } : { method, details: 'lina.demo@example.com' });
  const paid = await requestWithdrawal(db, config, partnerId, { amount: centsToDecimalString(quarter), ...to(first) }, null, daysAgo(24, 3));
  await transitionWithdrawal(db, paid.withdrawal.id, 'approve', DEMO_ACTOR, { now: daysAgo(23, 5) });
  await transitionWithdrawal(db, paid.withdrawal.id, 'pay', DEMO_ACTOR, { reference: 'VIR-DEMO-0042', now: daysAgo(21, 2) });
  const rejected = await requestWithdrawal(db, config, partnerId, { amount: centsToDecimalString(quarter), ...to(second) }, null, daysAgo(9, 6));
  await transitionWithdrawal(db, rejected.withdrawal.id, 'reject', DEMO_ACTOR, { reason: 'Compte introuvable : vérifie tes coordonnées, puis refais une demande.', now: daysAgo(8, 1) });
  const { token } = await requestPayoutMethodChange(db, config, partnerId, to(first), daysAgo(7));
  await confirmPayoutMethodChange(db, token, daysAgo(7, -1));
}

/** The demo post's picture: a box of vegetables on a wooden table, drawn as an SVG and made a JPEG. */
function demoPicture(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900">
<rect width="1200" height="900" fill="#c8a27a"/>${[0, 1, 2, 3, 4, 5].map((i) => `<rect y="${i * 150}" width="1200" height="6" fill="#a9825a"/>`).join('')}
<rect x="250" y="330" width="700" height="420" rx="18" fill="#8d5a2b"/><rect x="250" y="330" width="700" height="70" fill="#a86b35"/>
${[0, 1, 2, 3].map((i) => `<polygon points="${330 + i * 90},300 ${370 + i * 90},300 ${350 + i * 90},520" fill="#f08a24"/><path d="M${350 + i * 90} 300 l-20 -70 M${350 + i * 90} 300 l0 -80 M${350 + i * 90} 300 l20 -70" stroke="#3f8f3a" stroke-width="10"/>`).join('')}
${[0, 1, 2].map((i) => `<circle cx="${720 + i * 70}" cy="${330 + (i % 2) * 30}" r="34" fill="#d1335b"/><path d="M${720 + i * 70} 296 l-10 -50 M${720 + i * 70} 296 l12 -50" stroke="#3f8f3a" stroke-width="8"/>`).join('')}
<ellipse cx="600" cy="330" rx="110" ry="85" fill="#f2b134"/><rect x="590" y="230" width="20" height="30" fill="#6b4a2a"/>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/**
 * Each campaign's posts, written some days ago, through the operator's services; the first partner
 * shares by hand on X (an assisted account holds no credential), so their publications wait for
 * review, and the oldest one is out with its address. Returns that one's link, for its clicks.
 */
async function demoPosts(db: Db, config: Config, campaigns: Campaign[], partnerId: string, now: Date): Promise<{ code: string; campaignId: string; rateCents: number; daysAgo: number } | null> {
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
  const written: Array<{ id: string; daysAgo: number }> = [];
  for (const [index, demo] of DEMO_CAMPAIGNS.entries()) {
    for (const post of demo.templates) {
      const [first, ...more] = post.texts;
      const template = await createTemplate(db, config, campaigns[index]!.id, { ...first!, texts: first!.texts.join('\n---\n') }, DEMO_ACTOR);
      for (const texts of more) await addTemplateTexts(db, config, template.id, { ...texts, texts: texts.texts.join('\n---\n') }, DEMO_ACTOR);
      // Written on their day, so the campaign's page lists them as an operator would have.
      await backdateTemplate(db, template.id, daysAgo(post.daysAgo));
      written.push({ id: template.id, daysAgo: post.daysAgo });
    }
  }
  // The first post with a picture drawn here (no image file in the repository).
  if (written[0]) await setTemplateImage(db, written[0].id, { image: await demoPicture(), description: 'Une box de légumes de saison : carottes, radis et courge sur une table en bois', caption: 'Livrée chez toi chaque semaine' }, DEMO_ACTOR);
  await connectAssisted(db, partnerId, { network: 'x', handle: '@lina_demo' });
  await preparePublications(db, config, partnerId);
  const oldest = written.reduce((a, b) => (b.daysAgo > a.daysAgo ? b : a), written[0]!);
  const publication = await firstPublicationOf(db, oldest.id);
  if (!publication) return null;
  const deps = { config, adapters: {} };
  await approvePublication(db, deps, partnerId, publication.id);
  await confirmPublished(db, partnerId, publication.id, { url: 'https://x.com/lina_demo/status/1862000000000000000' });
  const out = oldest.daysAgo - 2;
  await backdatePublication(db, publication.id, daysAgo(oldest.daysAgo), daysAgo(out));
  // An automation webhook with autopublish on: its posts scheduled ahead, to cancel, edit or move.
  const hook = await connectDemoWebhook(db, config, partnerId);
  await preparePublications(db, config, partnerId);
  await saveAutopilot(db, { ...deps, clock: () => now }, partnerId, hook, { enabled: 'on', dailyCap: '2', startHour: '10', endHour: '20' });
  const campaign = campaigns.find((one) => one.id === publication.campaignId)!;
  return { code: publication.linkCode, campaignId: campaign.id, rateCents: campaign.rateCents, daysAgo: out };
}
