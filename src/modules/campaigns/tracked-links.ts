/**
 * Every partner has one tracked link per campaign, whichever of the two came first. Codes are 10
 * base62 characters (≈ 59 random bits): short to share, impossible to guess or enumerate.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { NotFoundError } from '../../lib/errors.js';
import { campaigns, trackedLinks } from '../../db/schema.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const LINK_CODE_LENGTH = 10;
export const LINK_CODE_FORMAT = /^[0-9A-Za-z]{8,32}$/;

export function newLinkCode(length = LINK_CODE_LENGTH): string {
  let code = '';
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling: 248 = 4 × 62, so every character is equally likely.
      if (byte < 248 && code.length < length) code += BASE62[byte % 62];
    }
  }
  return code;
}

/**
 * Creates the missing links for the given partner or campaign (or all pairs). Idempotent, and
 * safe to run concurrently: a pair or code that already exists is skipped, then filled on the
 * next pass.
 */
export async function ensureTrackedLinks(db: Db, scope: { partnerId?: string; campaignId?: string } = {}): Promise<number> {
  let created = 0;
  for (let pass = 0; pass < 5; pass++) {
    const missing = await queryRows<{ partner_id: string; campaign_id: string }>(
      db,
      sql`select p.id as partner_id, c.id as campaign_id
          from partners p cross join campaigns c
          where not exists (select 1 from tracked_links l where l.partner_id = p.id and l.campaign_id = c.id and l.purpose = 'main')
          ${scope.partnerId ? sql`and p.id = ${scope.partnerId}` : sql``}
          ${scope.campaignId ? sql`and c.id = ${scope.campaignId}` : sql``}`,
    );
    if (missing.length === 0) return created;
    const rows = missing.map((pair) => ({ code: newLinkCode(), partnerId: pair.partner_id, campaignId: pair.campaign_id }));
    for (let i = 0; i < rows.length; i += 1000) {
      const inserted = await db
        .insert(trackedLinks)
        .values(rows.slice(i, i + 1000))
        .onConflictDoNothing()
        .returning({ code: trackedLinks.code });
      created += inserted.length;
    }
  }
  throw new Error('Could not create tracked links after 5 passes');
}

export interface PartnerLink {
  code: string;
  campaignId: string;
  campaignName: string;
  campaignStatus: 'active' | 'paused' | 'ended';
  rateCents: number;
  /** What a sale pays (campaign-pay.ts says it in words). */
  commissionBp: number;
  commissionFixedCents: number;
  attributionDays: number;
  holdingDays: number;
  posts: string[];
  isDemo: boolean;
}

/** The partner's links, newest campaign first; creates any that are missing. */
export async function partnerLinks(db: Db, partnerId: string, options: { activeOnly?: boolean } = {}): Promise<PartnerLink[]> {
  await ensureTrackedLinks(db, { partnerId });
  return db
    .select({
      code: trackedLinks.code,
      campaignId: campaigns.id,
      campaignName: campaigns.name,
      campaignStatus: campaigns.status,
      rateCents: campaigns.rateCents,
      commissionBp: campaigns.commissionBp,
      commissionFixedCents: campaigns.commissionFixedCents,
      attributionDays: campaigns.attributionDays,
      holdingDays: campaigns.holdingDays,
      posts: campaigns.posts,
      isDemo: campaigns.isDemo,
    })
    .from(trackedLinks)
    .innerJoin(campaigns, eq(campaigns.id, trackedLinks.campaignId))
    .where(and(eq(trackedLinks.partnerId, partnerId), eq(trackedLinks.purpose, 'main'), options.activeOnly ? eq(campaigns.status, 'active') : undefined))
    .orderBy(sql`${campaigns.createdAt} desc`, asc(campaigns.name));
}

/**
 * A publication's own link (its sub-id): redirected and counted like the partner's main link, and
 * its clicks known apart. Created in the caller's transaction, with the publication that names it.
 */
export async function createPublicationLink(db: Db, partnerId: string, campaignId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [row] = await db.insert(trackedLinks).values({ code: newLinkCode(), partnerId, campaignId, purpose: 'publication' }).onConflictDoNothing().returning({ code: trackedLinks.code });
    if (row) return row.code;
  }
  throw new Error('Could not draw a free link code after 5 tries');
}

/**
 * One of the partner's own links by its code. Somebody else's link is not found, exactly as an
 * unknown code is, so nobody learns which codes exist.
 */
export async function ownLink(db: Db, partnerId: string, code: string): Promise<{ code: string; campaignName: string }> {
  if (!LINK_CODE_FORMAT.test(code)) throw new NotFoundError('link');
  const [row] = await db
    .select({ code: trackedLinks.code, campaignName: campaigns.name })
    .from(trackedLinks)
    .innerJoin(campaigns, eq(campaigns.id, trackedLinks.campaignId))
    .where(and(eq(trackedLinks.code, code), eq(trackedLinks.partnerId, partnerId)));
  if (!row) throw new NotFoundError('link');
  return row;
}

export function linkUrl(baseUrl: URL, code: string): string {
  return new URL(`/r/${code}`, baseUrl).href;
}
