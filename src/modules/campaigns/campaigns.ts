/**
 * Campaigns: a target URL, what they pay (per valid click in cents, per sale: a share in basis
 * points and/or a fixed amount), their sales' terms (attribution window, holding period, the click
 * id's parameter), ready-to-post texts, a status. A campaign pays something, per click or per sale.
 * The same functions serve the back-office, the JSON API and the CLI.
 */
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { campaigns, CAMPAIGN_STATUSES, type CampaignStatus } from '../../db/schema.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { parseEurosToCents } from '../../lib/money.js';
import { parsePercentToBp } from '../sales/sale-terms.js';
import { writeAudit, type AuditParams } from '../audit/audit-log.js';
import { ensureTrackedLinks } from './tracked-links.js';
import type { Actor } from '../audit/actor.js';
import { canMove } from './campaign-states.js';
import { isUuid } from '../../lib/ids.js';

export type Campaign = typeof campaigns.$inferSelect;

/** Highest rate an operator may set per click: 100 €, far above any real programme. */
/** The highest rate per click, in whole euros (shown in the message) and in cents. */
const MAX_RATE_EUROS = 100;
export const MAX_RATE_CENTS = MAX_RATE_EUROS * 100;
export const MAX_POSTS = 10;
export const MAX_POST_LENGTH = 2000;
/** The brand named in posts' disclosure (« Publicité · <brand> »), in characters. */
export const MAX_BRAND_LENGTH = 60;

export interface CampaignInput {
  name?: unknown;
  targetUrl?: unknown;
  /** Euros as a decimal string ("0.12", "0,12") or a JSON number (0.12). */
  ratePerClickEur?: unknown;
  posts?: unknown;
  /** The brand posts name; '' or null: the campaign's name. */
  brand?: unknown;
  /** A share of each sale, in percent ("8", "12,5"): 0 to 100, two decimals at most; '' = none. */
  commissionPercent?: unknown;
  /** A fixed amount per sale, in euros ("5", "2,50"); '' = none. */
  commissionFixedEur?: unknown;
  /** A sale earns when its click is at most this many days older (1–365; default 30). */
  attributionDays?: unknown;
  /** A commission is pending this many days after the sale (0–365; default 30). */
  holdingDays?: unknown;
  /** The query parameter carrying the click id to the shop (default pe_click). */
  clickParam?: unknown;
}

interface CleanCampaign {
  name: string;
  targetUrl: string;
  rateCents: number;
  posts: string[];
  brand: string | null;
  commissionBp: number;
  commissionFixedCents: number;
  attributionDays: number;
  holdingDays: number;
  clickParam: string;
}

/** The highest fixed amount per sale: 10 000 € (the database holds the same bound). */
const MAX_FIXED_EUROS = 10_000;
export const MAX_FIXED_CENTS = MAX_FIXED_EUROS * 100;
export const CLICK_PARAM_FORMAT = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
export const SALE_TERM_DEFAULTS = { attributionDays: 30, holdingDays: 30, clickParam: 'pe_click' } as const;

const given = (value: unknown) => value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');

export function cleanCampaignInput(input: CampaignInput, defaultRateCents: number, partial = false): Partial<CleanCampaign> {
  const out: Partial<CleanCampaign> = {};
  if (input.name !== undefined || !partial) {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length < 1 || name.length > 120) throw new InputError('name', 'campaign.error.name');
    out.name = name;
  }
  if (input.targetUrl !== undefined || !partial) {
    out.targetUrl = cleanTargetUrl(input.targetUrl);
  }
  if (input.ratePerClickEur !== undefined && input.ratePerClickEur !== '') {
    out.rateCents = cleanRate(input.ratePerClickEur);
  } else if (!partial) {
    out.rateCents = defaultRateCents;
  }
  if (input.posts !== undefined || !partial) {
    out.posts = cleanPosts(input.posts);
  }
  if (input.brand !== undefined || !partial) {
    out.brand = cleanBrand(input.brand);
  }
  // What a sale pays: empty is nothing (a campaign may pay per click only).
  if (input.commissionPercent !== undefined || !partial) out.commissionBp = cleanPercent(input.commissionPercent);
  if (input.commissionFixedEur !== undefined || !partial) out.commissionFixedCents = cleanFixed(input.commissionFixedEur);
  // The sales' terms: empty is the default when creating, unchanged when editing.
  if (given(input.attributionDays)) out.attributionDays = cleanDays(input.attributionDays, 'attributionDays', 1);
  else if (!partial) out.attributionDays = SALE_TERM_DEFAULTS.attributionDays;
  if (given(input.holdingDays)) out.holdingDays = cleanDays(input.holdingDays, 'holdingDays', 0);
  else if (!partial) out.holdingDays = SALE_TERM_DEFAULTS.holdingDays;
  if (given(input.clickParam)) out.clickParam = cleanClickParam(input.clickParam);
  else if (!partial) out.clickParam = SALE_TERM_DEFAULTS.clickParam;
  return out;
}

function cleanPercent(value: unknown): number {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return parsePercentToBp(typeof text === 'string' ? text.replace(/\s*%$/, '') : text, 'commissionPercent');
}

function cleanFixed(value: unknown): number {
  if (!given(value)) return 0;
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value : '';
  const parsed = parseEurosToCents(text);
  if (!parsed.ok || parsed.cents > MAX_FIXED_CENTS) throw new InputError('commissionFixedEur', 'rev.error.fixed', { max: MAX_FIXED_EUROS });
  return parsed.cents;
}

function cleanDays(value: unknown, field: 'attributionDays' | 'holdingDays', min: number): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const days = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(days >= min && days <= 365)) throw new InputError(field, field === 'attributionDays' ? 'rev.error.attributionDays' : 'rev.error.holdingDays');
  return days;
}

function cleanClickParam(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!CLICK_PARAM_FORMAT.test(text)) throw new InputError('clickParam', 'rev.error.clickParam');
  return text;
}

/** A campaign pays per valid click, per sale, or both: never nothing. */
function assertPays(terms: Pick<CleanCampaign, 'rateCents' | 'commissionBp' | 'commissionFixedCents'>): void {
  if (terms.rateCents === 0 && terms.commissionBp === 0 && terms.commissionFixedCents === 0) throw new InputError('ratePerClickEur', 'rev.error.paysNothing');
}

function cleanBrand(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const brand = typeof value === 'string' ? value.trim() : null;
  if (brand === null || [...brand].length > MAX_BRAND_LENGTH) throw new InputError('brand', 'campaign.error.brand', { max: MAX_BRAND_LENGTH });
  return brand === '' ? null : brand;
}

function cleanTargetUrl(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('targetUrl', 'campaign.error.url');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || text.length > 2048 || url.username || url.password) {
    throw new InputError('targetUrl', 'campaign.error.url');
  }
  return url.href;
}

function cleanRate(value: unknown): number {
  // A JSON number is read through its shortest decimal text (0.12 → "0.12"), never multiplied as a float.
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value : '';
  const parsed = parseEurosToCents(text);
  if (!parsed.ok || parsed.cents > MAX_RATE_CENTS) throw new InputError('ratePerClickEur', 'campaign.error.rate', { max: MAX_RATE_EUROS });
  return parsed.cents;
}

function cleanPosts(value: unknown): string[] {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : typeof value === 'string' ? splitPosts(value) : null;
  if (!list || list.length > MAX_POSTS) throw new InputError('posts', 'campaign.error.posts', { max: MAX_POSTS, length: MAX_POST_LENGTH });
  const posts = list.map((post) => (typeof post === 'string' ? post.trim() : null));
  if (posts.some((post) => post === null || post.length > MAX_POST_LENGTH)) {
    throw new InputError('posts', 'campaign.error.posts', { max: MAX_POSTS, length: MAX_POST_LENGTH });
  }
  return (posts as string[]).filter((post) => post !== '');
}

/** Posts typed in one text area are separated by a line holding only `---`. */
export function splitPosts(text: string): string[] {
  return text.split(/^\s*---\s*$/m).map((post) => post.trim()).filter(Boolean);
}

export async function createCampaign(db: Db, input: CampaignInput, defaultRateCents: number, actor: Actor, options: { isDemo?: boolean } = {}): Promise<Campaign> {
  const clean = cleanCampaignInput(input, defaultRateCents) as CleanCampaign;
  assertPays(clean);
  return db.transaction(async (tx) => {
    const [campaign] = await tx.insert(campaigns).values({ ...clean, isDemo: options.isDemo ?? false }).returning();
    await ensureTrackedLinks(tx, { campaignId: campaign!.id });
    await writeAudit(tx, {
      actorId: actor.id,
      actorLabel: actor.label,
      action: 'campaign_created',
      subject: `campaign:${campaign!.id}`,
      toState: campaign!.status,
      params: { name: clean.name, rateCents: clean.rateCents, commissionBp: clean.commissionBp, commissionFixedCents: clean.commissionFixedCents },
    });
    return campaign!;
  });
}


const SALE_TERMS = ['commissionBp', 'commissionFixedCents', 'attributionDays', 'holdingDays', 'clickParam'] as const;

function assertCampaignId(id: string): void {
  if (!isUuid(id)) throw new NotFoundError('campaign');
}

export async function updateCampaign(db: Db, id: string, input: CampaignInput, actor: Actor): Promise<Campaign> {
  assertCampaignId(id);
  const clean = cleanCampaignInput(input, 0, true);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
    if (!before) throw new NotFoundError('campaign');
    if (Object.keys(clean).length === 0) return before;
    assertPays({ rateCents: clean.rateCents ?? before.rateCents, commissionBp: clean.commissionBp ?? before.commissionBp, commissionFixedCents: clean.commissionFixedCents ?? before.commissionFixedCents });
    const [after] = await tx.update(campaigns).set({ ...clean, updatedAt: sql`now()` }).where(eq(campaigns.id, id)).returning();
    const params: AuditParams = { fields: Object.keys(clean), ...(clean.rateCents !== undefined ? { rateFromCents: before.rateCents, rateToCents: clean.rateCents } : {}) };
    // Each sales' term that changed, from and to (sales recorded before keep theirs).
    for (const term of SALE_TERMS) {
      if (clean[term] !== undefined && clean[term] !== before[term]) Object.assign(params, { [`${term}From`]: before[term], [`${term}To`]: clean[term] });
    }
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'campaign_updated', subject: `campaign:${id}`, params });
    return after!;
  });
}


/** A move allowed by campaign-states.ts; anything else is a 409 that changes nothing. */
export async function setCampaignStatus(db: Db, id: string, status: string, actor: Actor): Promise<Campaign> {
  if (!(CAMPAIGN_STATUSES as readonly string[]).includes(status)) throw new InputError('status', 'campaign.error.status');
  const to = status as CampaignStatus;
  assertCampaignId(id);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
    if (!before) throw new NotFoundError('campaign');
    if (!canMove(before.status, to)) {
      throw new ConflictError('campaign_transition', 'campaign.error.transition', { from: before.status, to });
    }
    const [after] = await tx.update(campaigns).set({ status: to, updatedAt: sql`now()` }).where(eq(campaigns.id, id)).returning();
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'campaign_status', subject: `campaign:${id}`, fromState: before.status, toState: to, params: { name: before.name } });
    return after!;
  });
}

/**
 * Stops (`paused`) or resumes all publishing of a campaign: sets or clears `publishing_paused_at`,
 * which the publishing worker reads before anything goes out. Pausing a paused campaign, or resuming
 * one that is not, is a conflict and changes nothing. Pass the transaction that audits it
 * (publishing/publishing-pauses.ts); the row is locked until it ends.
 */
export async function setCampaignPublishingPause(db: Db, id: string, paused: boolean): Promise<{ before: Campaign; after: Campaign }> {
  assertCampaignId(id);
  const [before] = await db.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
  if (!before) throw new NotFoundError('campaign');
  if (paused && before.publishingPausedAt) throw new ConflictError('publishing_paused', 'opAuto.error.campaignPaused');
  if (!paused && !before.publishingPausedAt) throw new ConflictError('publishing_not_paused', 'opAuto.error.campaignNotPaused');
  const [after] = await db.update(campaigns).set({ publishingPausedAt: paused ? sql`now()` : null, updatedAt: sql`now()` }).where(eq(campaigns.id, id)).returning();
  return { before, after: after! };
}

export async function listCampaigns(db: Db): Promise<Campaign[]> {
  return db.select().from(campaigns).orderBy(asc(sql`case ${campaigns.status} when 'active' then 0 when 'paused' then 1 else 2 end`), desc(campaigns.createdAt));
}

/** What the active campaigns pay (the landing page says it), best paid per click first; at most `limit`. */
export async function activeCampaignPays(db: Db, limit = 6): Promise<Array<{ name: string; rateCents: number; commissionBp: number; commissionFixedCents: number }>> {
  return db
    .select({ name: campaigns.name, rateCents: campaigns.rateCents, commissionBp: campaigns.commissionBp, commissionFixedCents: campaigns.commissionFixedCents })
    .from(campaigns)
    .where(eq(campaigns.status, 'active'))
    .orderBy(desc(campaigns.rateCents), desc(campaigns.commissionBp), desc(campaigns.commissionFixedCents), asc(campaigns.name))
    .limit(limit);
}

/** Campaigns' names by id (the audit log names what changed); unknown ids are left out. */
export async function campaignNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const valid = [...new Set(ids)].filter(isUuid);
  if (valid.length === 0) return new Map();
  const rows = await db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(inArray(campaigns.id, valid));
  return new Map(rows.map((row) => [row.id, row.name]));
}

export async function getCampaign(db: Db, id: string): Promise<Campaign> {
  assertCampaignId(id);
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  if (!campaign) throw new NotFoundError('campaign');
  return campaign;
}

/** Stores a campaign's sealed conversion API key (sales/conversion-secret.ts makes it); pass its transaction. */
export async function setConversionSecret(db: Db, id: string, sealed: string): Promise<void> {
  assertCampaignId(id);
  const [changed] = await db.update(campaigns).set({ conversionSecretSealed: sealed, updatedAt: new Date() }).where(eq(campaigns.id, id)).returning({ id: campaigns.id });
  if (!changed) throw new NotFoundError('campaign');
}

/** A campaign's Stripe webhook settings as stored (sales/stripe-webhook.ts reads them; null: no such campaign). */
export async function stripeSettingsOf(db: Db, id: string, options: { lock?: boolean } = {}): Promise<{ id: string; name: string; clickParam: string; sealed: string | null; account: string | null } | null> {
  if (!isUuid(id)) return null;
  const query = db.select({ id: campaigns.id, name: campaigns.name, clickParam: campaigns.clickParam, sealed: campaigns.stripeWebhookSecretSealed, account: campaigns.stripeAccount }).from(campaigns).where(eq(campaigns.id, id));
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** Stores a campaign's sealed Stripe signing secret and account; pass the transaction that read them locked. */
export async function setStripeSettings(db: Db, id: string, sealed: string, account: string | null): Promise<void> {
  await db.update(campaigns).set({ stripeWebhookSecretSealed: sealed, stripeAccount: account, updatedAt: new Date() }).where(eq(campaigns.id, id));
}
