/**
 * The operator's pauses of publishing (issue 16): all of a campaign's, or all of a partner's, at
 * once — a bad post, say. Pausing sets the campaign's or the partner's `publishing_paused_at`
 * (through the module that owns the row); the publishing worker reads it before anything goes out
 * and holds what was queued (autopilot/holds.ts). Resuming clears it, then releases what was held
 * and has no other hold left. Each is audited in the same transaction as the change; pausing what is
 * paused, or resuming what is not, is a conflict and changes nothing.
 *
 * Clicks are not paused: links keep redirecting and paying, as the campaign's own status decides.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import type { Actor } from '../audit/actor.js';
import { isUuid } from '../../lib/ids.js';
import { writeAudit } from '../audit/audit-log.js';
import { setCampaignPublishingPause } from '../campaigns/campaigns.js';
import { setPartnerPublishingPause } from '../partners/partners.js';
import { HELD, releaseHeld } from './autopilot/holds.js';
import type { PublishingDeps } from './publications.js';

/** What a pause covers: one campaign's publications, or one partner's. */
export type PauseScope = { campaignId: string } | { partnerId: string };

export interface ScopeCounts {
  /** Approved or scheduled, not held: what would go out next. */
  waiting: number;
  /** Held by the worker (a pause, an account to resume or reconnect). */
  held: number;
}

/** What a pause would stop or a resume would release, as the confirmation says it. */
export async function publishingCounts(db: Db, scope: PauseScope): Promise<ScopeCounts> {
  if (!isUuid('campaignId' in scope ? scope.campaignId : scope.partnerId)) return { waiting: 0, held: 0 };
  const where = 'campaignId' in scope ? sql`campaign_id = ${scope.campaignId}` : sql`partner_id = ${scope.partnerId}`;
  const [row] = await queryRows<{ waiting: number; held: number }>(
    db,
    sql`select count(*) filter (where state_detail is null or state_detail not like ${`${HELD}%`})::int8 as waiting,
               count(*) filter (where state_detail like ${`${HELD}%`})::int8 as held
          from publications where ${where} and state in ('approved', 'scheduled')`,
  );
  return { waiting: Number(row?.waiting ?? 0), held: Number(row?.held ?? 0) };
}

async function setPause(db: Db, scope: PauseScope, paused: boolean, actor: Actor): Promise<Date | null> {
  return db.transaction(async (tx) => {
    // The owner's row first: it is checked and locked before anything is read.
    if ('campaignId' in scope) {
      const { after } = await setCampaignPublishingPause(tx, scope.campaignId, paused);
      const counts = await publishingCounts(tx, scope);
      await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: paused ? 'campaign_publishing_paused' : 'campaign_publishing_resumed', subject: `campaign:${after.id}`, params: { name: after.name, ...counts } });
      return after.publishingPausedAt;
    }
    const { after } = await setPartnerPublishingPause(tx, scope.partnerId, paused);
    const counts = await publishingCounts(tx, scope);
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: paused ? 'partner_publishing_paused' : 'partner_publishing_resumed', subject: `partner:${after.id}`, params: { email: after.email, ...counts } });
    return after.publishingPausedAt;
  });
}

/** Stops all publishing of the campaign or partner until resumed; returns since when. */
export async function pausePublishing(db: Db, scope: PauseScope, actor: Actor): Promise<{ pausedAt: Date }> {
  return { pausedAt: (await setPause(db, scope, true, actor))! };
}

/**
 * Lets the campaign's or partner's publishing go on: what was held goes out again — at its time if
 * still ahead, else in the autopilot's next slot, announced again — unless another hold remains (the
 * partner paused too, an account to resume). Returns how many were released.
 */
export async function resumePublishing(db: Db, deps: PublishingDeps, scope: PauseScope, actor: Actor): Promise<{ released: number }> {
  await setPause(db, scope, false, actor);
  return { released: await releaseHeld(db, deps, scope) };
}
