/**
 * The brand's posts: a campaign's templates, each with texts per locale and optionally per network
 * (that network's accounts get its own text rather than the general one). An operator writes them,
 * adds texts to them, and withdraws one: its publications not yet out disappear. A text is refused
 * when the post it makes (disclosure, brand, a partner's link) cannot fit a network it is for.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Config, Locale } from '../../config.js';
import { LOCALES } from '../../config.js';
import type { Db } from '../../db/client.js';
import { AUTOMATED_NETWORKS, NETWORKS, postTemplates, postVariants, publications, type NetworkName, type PublicationState } from '../../db/schema.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { getCampaign, splitPosts, type Campaign } from '../campaigns/campaigns.js';
import { linkTotals, sumTotals, type LinkTotals } from '../earnings/link-stats.js';
import { LINK_CODE_LENGTH, linkUrl } from '../campaigns/tracked-links.js';
import { cancelQueuedJobs } from '../jobs/job-queue.js';
import { combinationAt, longestPostLength, parseSpintax } from './autopilot/variation.js';
import { checkPost, composePost, NETWORK_LENGTH_RULES } from './post-text.js';
import { queuePreparation } from './publishing-worker.js';

export type PostTemplate = typeof postTemplates.$inferSelect;
export type PostVariant = typeof postVariants.$inferSelect;

export const MAX_VARIANT_LENGTH = 2000;
/** Texts added at once (variants of one locale and network). */
export const MAX_VARIANTS = 10;

export interface TemplateTextsInput {
  locale?: unknown;
  /** '' or absent: every network without a text of its own. */
  network?: unknown;
  /** Several texts separated by a line holding only `---` (as the campaign's ready posts). */
  texts?: unknown;
}

interface CleanTexts {
  locale: Locale;
  network: NetworkName | null;
  bodies: string[];
}

/** The brand a post names: the campaign's brand, else its name. */
export const brandOf = (campaign: Pick<Campaign, 'brand' | 'name'>): string => campaign.brand ?? campaign.name;

function cleanTexts(input: TemplateTextsInput, config: Config, campaign: Campaign): CleanTexts {
  if (typeof input.locale !== 'string' || !(LOCALES as readonly string[]).includes(input.locale)) throw new InputError('locale', 'template.error.locale');
  const network = input.network === undefined || input.network === '' ? null : input.network;
  if (network !== null && (typeof network !== 'string' || !(NETWORKS as readonly string[]).includes(network))) throw new InputError('network', 'template.error.network');
  const bodies = typeof input.texts === 'string' ? splitPosts(input.texts) : [];
  if (bodies.length === 0 || bodies.length > MAX_VARIANTS || bodies.some((body) => [...body].length > MAX_VARIANT_LENGTH)) {
    throw new InputError('texts', 'template.error.texts', { max: MAX_VARIANTS, length: MAX_VARIANT_LENGTH });
  }
  const clean = { locale: input.locale as Locale, network: network as NetworkName | null, bodies };
  // Checked with a link as long as every partner's, so the post fits wherever it goes.
  const link = linkUrl(config.baseUrl, 'x'.repeat(LINK_CODE_LENGTH));
  const networks = clean.network ? [clean.network] : AUTOMATED_NETWORKS.filter((name) => name !== 'webhook');
  for (const [index, body] of bodies.entries()) {
    // Alternatives ({Découvre|Essaie}) read first: a bad one is refused with where it is.
    const parsed = parseSpintax(body);
    const post = composePost(combinationAt(parsed, 0).text, { link, locale: clean.locale, brand: brandOf(campaign) });
    // The link must stay a link in every partner's text: `{link}x` would glue it to other characters.
    try {
      checkPost(post, { link, locale: clean.locale, brand: brandOf(campaign), rule: { kind: 'utf16', max: Number.MAX_SAFE_INTEGER } });
    } catch {
      throw new InputError('texts', 'template.error.linkGlued', { n: index + 1 });
    }
    for (const name of networks) {
      // The longest text its alternatives can make must fit.
      const rule = NETWORK_LENGTH_RULES[name];
      const length = longestPostLength(parsed, { link, locale: clean.locale, brand: brandOf(campaign), rule });
      if (length > rule.max) throw new InputError('texts', clean.network ? 'template.error.tooLong' : 'template.error.tooLongGeneral', { n: index + 1, network: name, length, max: rule.max });
    }
  }
  return clean;
}

/** Texts written at once keep the order they were typed in: a microsecond apart (now() is the transaction's). */
const inOrder = (index: number) => sql`now() + ${index} * interval '1 microsecond'`;

/** A new post for a campaign, with its first texts; partners' publications are prepared after. */
export async function createTemplate(db: Db, config: Config, campaignId: string, input: TemplateTextsInput, actor: Actor): Promise<PostTemplate> {
  const campaign = await getCampaign(db, campaignId);
  if (campaign.status === 'ended') throw new ConflictError('campaign_ended', 'template.error.ended');
  const clean = cleanTexts(input, config, campaign);
  return db.transaction(async (tx) => {
    const [template] = await tx.insert(postTemplates).values({ campaignId }).returning();
    await tx.insert(postVariants).values(clean.bodies.map((body, index) => ({ templateId: template!.id, locale: clean.locale, network: clean.network, body, createdAt: inOrder(index) })));
    await queuePreparation(tx, template!.id);
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'template_created', subject: `campaign:${campaignId}`, params: { name: campaign.name, texts: clean.bodies.length, locale: clean.locale, network: clean.network } });
    return template!;
  });
}

/** A post by its id, active or withdrawn; an unknown or malformed id is not found. */
export async function getTemplate(db: Db, templateId: string): Promise<PostTemplate> {
  if (!isUuid(templateId)) throw new NotFoundError('template');
  const [template] = await db.select().from(postTemplates).where(eq(postTemplates.id, templateId));
  if (!template) throw new NotFoundError('template');
  return template;
}

async function activeTemplate(db: Db, templateId: string): Promise<PostTemplate> {
  const template = await getTemplate(db, templateId);
  if (template.status === 'withdrawn') throw new ConflictError('template_withdrawn', 'template.error.withdrawn');
  return template;
}

/** More texts for a post (another locale, a network's own text, more variants). */
export async function addTemplateTexts(db: Db, config: Config, templateId: string, input: TemplateTextsInput, actor: Actor): Promise<PostTemplate> {
  const template = await activeTemplate(db, templateId);
  const campaign = await getCampaign(db, template.campaignId);
  const clean = cleanTexts(input, config, campaign);
  await db.transaction(async (tx) => {
    await tx.insert(postVariants).values(clean.bodies.map((body, index) => ({ templateId, locale: clean.locale, network: clean.network, body, createdAt: inOrder(index) })));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'template_texts_added', subject: `campaign:${template.campaignId}`, params: { name: campaign.name, texts: clean.bodies.length, locale: clean.locale, network: clean.network } });
  });
  return template;
}

/**
 * Withdraws a post: its publications waiting for review or for the worker are withdrawn, their
 * jobs cancelled (a job already claimed finds its publication withdrawn, under the same row lock,
 * and stops). Publications already out stay, with their proof.
 */
export async function withdrawTemplate(db: Db, templateId: string, actor: Actor): Promise<{ withdrawn: number }> {
  const template = await activeTemplate(db, templateId);
  const campaign = await getCampaign(db, template.campaignId);
  return db.transaction(async (tx) => {
    const [changed] = await tx.update(postTemplates).set({ status: 'withdrawn', withdrawnAt: new Date() }).where(and(eq(postTemplates.id, templateId), eq(postTemplates.status, 'active'))).returning();
    if (!changed) throw new ConflictError('template_withdrawn', 'template.error.withdrawn');
    const gone = await tx
      .update(publications)
      .set({ state: 'withdrawn', stateDetail: 'template_withdrawn', updatedAt: new Date() })
      .where(and(eq(publications.templateId, templateId), inArray(publications.state, ['pending_review', 'scheduled', 'approved'])))
      .returning({ id: publications.id });
    await cancelQueuedJobs(tx, gone.map((row) => `publication:${row.id}:`));
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'template_withdrawn', subject: `campaign:${template.campaignId}`, params: { name: campaign.name, publications: gone.length } });
    return { withdrawn: gone.length };
  });
}

/** What a post or one of its texts brought: its publications, those out, and their links' figures. */
export interface PublicationFigures extends LinkTotals {
  /** Publications prepared with it, whatever became of them. */
  publications: number;
  published: number;
  /** Of those published, how many the autopilot published. */
  autopilot: number;
}

export interface VariantSummary extends PostVariant, PublicationFigures {}

export interface TemplateSummary extends PostTemplate, PublicationFigures {
  /** Its texts, the one that earned most first (then most valid clicks, most published, first written). */
  variants: VariantSummary[];
  /** Publications by state. */
  states: Partial<Record<PublicationState, number>>;
}

type PublishedRow = { variantId: string; state: PublicationState; autopilot: boolean; linkCode: string };

function figuresOf(rows: PublishedRow[], totals: Map<string, LinkTotals>): PublicationFigures {
  const published = rows.filter((row) => row.state === 'published');
  return { publications: rows.length, published: published.length, autopilot: published.filter((row) => row.autopilot).length, ...sumTotals(rows.map((row) => totals.get(row.linkCode))) };
}

/**
 * The text that earned most first; a tie goes to valid clicks, then publications out. Texts still
 * tied keep the order they come in (the sort is stable): the order they were written in, to the
 * microsecond the database keeps and a Date does not.
 */
export function byEarnings(a: PublicationFigures, b: PublicationFigures): number {
  return b.earnedCents - a.earnedCents || b.validClicks - a.validClicks || b.published - a.published;
}

/**
 * A campaign's posts, newest first, with their texts, publications by state and what they earned,
 * in all and per text (a publication carries the text it was made from), so the operator sees which
 * text earns.
 */
export async function campaignTemplates(db: Db, campaignId: string): Promise<TemplateSummary[]> {
  const templates = await db.select().from(postTemplates).where(eq(postTemplates.campaignId, campaignId)).orderBy(sql`${postTemplates.createdAt} desc`, asc(postTemplates.id));
  if (templates.length === 0) return [];
  const ids = templates.map((template) => template.id);
  const variants = await db.select().from(postVariants).where(inArray(postVariants.templateId, ids)).orderBy(asc(postVariants.createdAt), asc(postVariants.id));
  const published = await db
    .select({ templateId: publications.templateId, variantId: publications.variantId, state: publications.state, autopilot: publications.autopilot, linkCode: publications.linkCode })
    .from(publications)
    .where(inArray(publications.templateId, ids));
  const totals = await linkTotals(db, published.map((row) => row.linkCode));
  return templates.map((template) => {
    const own = published.filter((row) => row.templateId === template.id);
    const states: Partial<Record<PublicationState, number>> = {};
    for (const row of own) states[row.state] = (states[row.state] ?? 0) + 1;
    const texts = variants
      .filter((variant) => variant.templateId === template.id)
      .map((variant) => ({ ...variant, ...figuresOf(own.filter((row) => row.variantId === variant.id), totals) }))
      .sort(byEarnings);
    return { ...template, variants: texts, states, ...figuresOf(own, totals) };
  });
}
