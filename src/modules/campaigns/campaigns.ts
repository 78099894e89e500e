/**
 * Campaigns: a target URL, a rate per valid click in cents, ready-to-post texts, a status.
 * The same functions serve the back-office, the JSON API and the CLI.
 */
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { campaigns, CAMPAIGN_STATUSES, type CampaignStatus } from '../../db/schema.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { parseEurosToCents } from '../../lib/money.js';
import { writeAudit } from '../audit/audit-log.js';
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
}

interface CleanCampaign {
  name: string;
  targetUrl: string;
  rateCents: number;
  posts: string[];
  brand: string | null;
}

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
  return out;
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
  return db.transaction(async (tx) => {
    const [campaign] = await tx.insert(campaigns).values({ ...clean, isDemo: options.isDemo ?? false }).returning();
    await ensureTrackedLinks(tx, { campaignId: campaign!.id });
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'campaign_created', subject: `campaign:${campaign!.id}`, toState: campaign!.status, params: { name: clean.name, rateCents: clean.rateCents } });
    return campaign!;
  });
}


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
    const [after] = await tx.update(campaigns).set({ ...clean, updatedAt: sql`now()` }).where(eq(campaigns.id, id)).returning();
    const params = { fields: Object.keys(clean), ...(clean.rateCents !== undefined ? { rateFromCents: before.rateCents, rateToCents: clean.rateCents } : {}) };
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
