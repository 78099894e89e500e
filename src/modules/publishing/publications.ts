/**
 * Publications: one per post (template) and account of a partner, with its own link (sub-id) and
 * its final text. This module prepares them, and carries the partner's decisions: approve (with a
 * light edit), decline, and for what the worker cannot settle alone — a post shared by hand
 * (assisted networks) or an outcome nobody could confirm — say it is out (with its address) or
 * publish it again.
 *
 * Every change is made under the publication's row lock and from a state that allows it, so two
 * approvals at once make one publication and one job; the worker (publish-job.ts) takes the same
 * lock before calling the network.
 */
import { and, asc, desc, eq, inArray, sql, TransactionRollbackError } from 'drizzle-orm';
import type { Config, Locale } from '../../config.js';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { ASSISTED_NETWORKS, postTemplates, postVariants, publications, type NetworkName, type PublicationState } from '../../db/schema.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { newTid } from '../../lib/tid.js';
import { createPublicationLink, linkUrl } from '../campaigns/tracked-links.js';
import { linkTotals, type LinkTotals } from '../earnings/link-stats.js';
import { cancelQueuedJobs, enqueueJob } from '../jobs/job-queue.js';
import { partnerContacts } from '../partners/partners.js';
import { accountCredentials, listAccounts, type ConnectedAccount } from './accounts.js';
import type { AdapterRegistry } from './adapters.js';
import { partnerAutopilots } from './autopilot/autopilot-settings.js';
import { schedulePartner } from './autopilot/scheduler.js';
import { chooseCombination, chooseVariant as pickVariant, combinationAt, parseSpintax, type ParsedSpintax } from './autopilot/variation.js';
import { checkPost, composePost, NETWORK_LENGTH_RULES, type LengthRule } from './post-text.js';

export type Publication = typeof publications.$inferSelect;

/**
 * The link a publication carries, as it was prepared (the text keeps it whole, checked after every
 * edit): taken from the text, so a later change of BASE_URL neither breaks a waiting text's check
 * nor makes the worker look up a link the post does not have — which would post it twice.
 */
export function publicationLink(publication: Pick<Publication, 'text' | 'linkCode'>, baseUrl: URL): string {
  const escaped = publication.linkCode.replace(/[^0-9A-Za-z]/g, '');
  const found = new RegExp(`https?://[^\\s]*?/r/${escaped}(?![0-9A-Za-z])`).exec(publication.text);
  return found ? found[0] : linkUrl(baseUrl, publication.linkCode);
}

export const PUBLISH_JOB = 'publication.publish';
/** Attempts of one approval's job: lookups and rate-limit waits included. */
export const PUBLISH_ATTEMPTS = 10;

export const isAssisted = (network: NetworkName): boolean => (ASSISTED_NETWORKS as readonly string[]).includes(network);

/** What publishing needs besides the database: the settings and the networks' adapters. */
export interface PublishingDeps {
  config: Config;
  adapters: AdapterRegistry;
  /** Called after a job was queued, so this process's worker looks now rather than at its next poll. */
  wakeWorker?: () => void;
  /** The time now (tests move it to see a scheduled publication go out); the system's clock when absent. */
  clock?: () => Date;
}

export const nowFor = (deps: Pick<PublishingDeps, 'clock'>): Date => deps.clock?.() ?? new Date();

interface MissingPair {
  template_id: string;
  campaign_id: string;
  brand: string;
  account_id: string;
  network: NetworkName;
}

/**
 * Prepares the partner's missing publications: for each active post of an active campaign and each
 * account they have not removed, one publication, waiting for review. Idempotent and safe to run
 * concurrently (one publication per post and account, whatever runs at once). Returns how many
 * were made.
 */
export async function preparePublications(db: Db, config: Config, partnerId: string): Promise<number> {
  const missing = await queryRows<MissingPair>(
    db,
    sql`select t.id as template_id, t.campaign_id, coalesce(c.brand, c.name) as brand, a.id as account_id, a.network
          from post_templates t
          join campaigns c on c.id = t.campaign_id and c.status = 'active'
          join connected_accounts a on a.partner_id = ${partnerId} and a.state <> 'disconnected'
          join partners p on p.id = a.partner_id and p.status = 'active'
         where t.status = 'active'
           and not exists (select 1 from publications x where x.template_id = t.id and x.account_id = a.id)
         order by t.created_at, a.created_at`,
  );
  if (missing.length === 0) return 0;
  const contact = (await partnerContacts(db, [partnerId])).get(partnerId);
  const locale: Locale = contact?.locale ?? config.defaultLocale;
  let made = 0;
  for (const pair of missing) {
    const created = await db
      .transaction(async (tx) => {
        // One preparation at a time per post, so each sees the others' choices of text.
        await tx.select({ id: postTemplates.id }).from(postTemplates).where(eq(postTemplates.id, pair.template_id)).for('update');
        const chosen = await chooseVariant(tx, pair.template_id, partnerId, locale, pair.network);
        if (!chosen) tx.rollback();
        const { variant, body, combination } = chosen!;
        const code = await createPublicationLink(tx, partnerId, pair.campaign_id);
        const text = composePost(body, { link: linkUrl(config.baseUrl, code), locale: variant.locale, brand: pair.brand });
        const [row] = await tx
          .insert(publications)
          .values({ partnerId, accountId: pair.account_id, templateId: pair.template_id, variantId: variant.id, campaignId: pair.campaign_id, linkCode: code, idempotencyKey: newTid(), locale: variant.locale, brand: pair.brand, text, combination })
          .onConflictDoNothing()
          .returning({ id: publications.id });
        // Prepared meanwhile by another request: this link is not needed.
        if (!row) tx.rollback();
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof TransactionRollbackError) return false;
        throw error;
      });
    if (created) made++;
  }
  return made;
}

/** The partner's missing publications prepared, then those of their autopublish accounts scheduled. */
export async function prepareAndSchedule(db: Db, deps: PublishingDeps, partnerId: string): Promise<number> {
  const made = await preparePublications(db, deps.config, partnerId);
  await schedulePartner(db, deps, partnerId);
  return made;
}

/**
 * The text a partner gets: in their language if the post has one (else the other), the account's
 * network's own text if there is one (else the general one), and among those the one fewest
 * publications of the post use so far and not the partner's previous one (variation.ts
 * chooseVariant); then, if the text has alternatives ({Découvre|Essaie}), the combination fewest
 * of its publications got. Partners do not all post the same words.
 */
async function chooseVariant(db: Db, templateId: string, partnerId: string, locale: Locale, network: NetworkName): Promise<{ variant: typeof postVariants.$inferSelect; body: string; combination: string | null } | null> {
  const variants = await db.select().from(postVariants).where(eq(postVariants.templateId, templateId)).orderBy(asc(postVariants.createdAt), asc(postVariants.id));
  const inLocale = variants.filter((variant) => variant.locale === locale);
  const pool = inLocale.length > 0 ? inLocale : variants;
  const own = pool.filter((variant) => variant.network === network);
  const candidates = own.length > 0 ? own : pool.filter((variant) => variant.network === null);
  if (candidates.length === 0) return null;
  const made = await db
    .select({ variantId: publications.variantId, partnerId: publications.partnerId, combination: publications.combination })
    .from(publications)
    .where(eq(publications.templateId, templateId))
    .orderBy(desc(publications.createdAt));
  const usage = new Map<string, number>();
  for (const row of made) usage.set(row.variantId, (usage.get(row.variantId) ?? 0) + 1);
  // The partner's own earlier texts of this post (their other accounts), newest first: never the same twice in a row.
  const history = made.filter((row) => row.partnerId === partnerId).map((row) => row.variantId);
  const chosenId = pickVariant(candidates.map((variant) => variant.id), usage, history, Math.random);
  const variant = candidates.find((candidate) => candidate.id === chosenId)!;
  let parsed: ParsedSpintax;
  try {
    parsed = parseSpintax(variant.body);
  } catch {
    // Written before alternatives existed, with a brace of its own: the text as it is.
    return { variant, body: variant.body, combination: null };
  }
  if (parsed.combinations === 1) return { variant, body: combinationAt(parsed, 0).text, combination: null };
  const used = made.filter((row) => row.variantId === variant.id && row.combination !== null).map((row) => row.combination!);
  const combination = chooseCombination(parsed, used, Math.random);
  return { variant, body: combination.text, combination: combination.key };
}

export interface PublicationView extends Publication, LinkTotals {
  account: Pick<ConnectedAccount, 'id' | 'network' | 'label' | 'state'>;
  campaignName: string;
  link: string;
}

/** The partner's publications in the given states, newest first, with their account and figures. */
export async function listPublications(db: Db, config: Config, partnerId: string, states: readonly PublicationState[], options: { limit?: number } = {}): Promise<PublicationView[]> {
  const rows = await queryRows<{ id: string; network: NetworkName; label: string; account_state: ConnectedAccount['state']; campaign_name: string }>(
    db,
    sql`select p.id, a.network, a.label, a.state as account_state, c.name as campaign_name
          from publications p join connected_accounts a on a.id = p.account_id join campaigns c on c.id = p.campaign_id
         where p.partner_id = ${partnerId} and p.state in (${sql.join(states.map((state) => sql`${state}`), sql`, `)})
           -- Posts of a paused campaign wait out of sight until it is resumed.
           and (p.state <> 'pending_review' or c.status = 'active')
         order by p.updated_at desc, p.created_at desc
         limit ${options.limit ?? 100}`,
  );
  if (rows.length === 0) return [];
  const found = await db
    .select()
    .from(publications)
    .where(inArray(publications.id, rows.map((row) => row.id)))
    .orderBy(desc(publications.updatedAt), desc(publications.createdAt));
  const extra = new Map(rows.map((row) => [row.id, row]));
  const totals = await linkTotals(db, found.map((publication) => publication.linkCode));
  return found.map((publication) => {
    const more = extra.get(publication.id)!;
    return {
      ...publication,
      account: { id: publication.accountId, network: more.network, label: more.label, state: more.account_state },
      campaignName: more.campaign_name,
      link: publicationLink(publication, config.baseUrl),
      ...(totals.get(publication.linkCode) ?? { clicks: 0, validClicks: 0, earnedCents: 0 }),
    };
  });
}

export interface Locked {
  publication: Publication;
  account: { id: string; network: NetworkName; state: ConnectedAccount['state'] };
  campaignActive: boolean;
}

/** The partner's own publication under its row lock; anyone else's is not found, as an unknown id. */
export async function lockOwn(tx: Db, partnerId: string, id: string): Promise<Locked> {
  if (!isUuid(id)) throw new NotFoundError('publication');
  const [publication] = await tx.select().from(publications).where(and(eq(publications.id, id), eq(publications.partnerId, partnerId))).for('update');
  if (!publication) throw new NotFoundError('publication');
  const [extra] = await queryRows<{ network: NetworkName; state: ConnectedAccount['state']; campaign_status: string }>(
    tx,
    sql`select a.network, a.state, c.status as campaign_status from connected_accounts a, campaigns c where a.id = ${publication.accountId} and c.id = ${publication.campaignId}`,
  );
  return { publication, account: { id: publication.accountId, network: extra!.network, state: extra!.state }, campaignActive: extra!.campaign_status === 'active' };
}

/** How the account's network counts (an instance's own limit when the account says it). */
export async function accountLengthRule(db: Db, deps: PublishingDeps, account: { id: string; network: NetworkName }): Promise<LengthRule> {
  const adapter = deps.adapters[account.network];
  if (!adapter) return NETWORK_LENGTH_RULES[account.network];
  const credentials = await accountCredentials<unknown>(db, deps.config, account.id);
  return credentials ? adapter.lengthRule(credentials) : NETWORK_LENGTH_RULES[account.network];
}

/** The final text after an edit (or the prepared one): disclosure, brand, link and limit checked. */
export async function finalText(db: Db, deps: PublishingDeps, locked: Locked, edited: unknown): Promise<{ text: string; edited: boolean }> {
  const { publication } = locked;
  if (edited !== undefined && (typeof edited !== 'string' || edited.length > 10_000)) throw new InputError('text', 'post.error.tooLong', { length: typeof edited === 'string' ? edited.length : 0, max: 10_000 });
  const text = typeof edited === 'string' ? edited.replace(/\r\n?/g, '\n') : publication.text;
  const rule = await accountLengthRule(db, deps, locked.account);
  const final = checkPost(text, { link: publicationLink(publication, deps.config.baseUrl), locale: publication.locale, brand: publication.brand, rule });
  return { text: final, edited: publication.edited || final !== publication.text };
}

/** Publishing needs the account usable, and a campaign whose clicks still pay. */
function assertAccountUsable(locked: Locked): void {
  if (!locked.campaignActive) throw new ConflictError('campaign_inactive', 'publication.error.campaignInactive');
  if (locked.account.state === 'disconnected') throw new ConflictError('account_removed', 'publication.error.accountRemoved');
  if (locked.account.state === 'needs_reconnect') throw new ConflictError('account_needs_reconnect', 'publication.error.reconnect');
  if (locked.account.state === 'paused') throw new ConflictError('account_paused', 'publication.error.accountPaused');
}

/** Queues the publishing of an approval (one job per approval, by its time). */
async function queuePublish(tx: Db, publication: Pick<Publication, 'id'>, approvedAt: Date): Promise<void> {
  await enqueueJob(tx, PUBLISH_JOB, { publicationId: publication.id }, { dedupeKey: `publication:${publication.id}:${approvedAt.getTime()}`, maxAttempts: PUBLISH_ATTEMPTS });
}

/**
 * The partner approves (with their light edit, checked): the publication goes to the worker, or,
 * on a network shared by hand, waits for the partner to share it and paste its address.
 */
export async function approvePublication(db: Db, deps: PublishingDeps, partnerId: string, id: string, input: { text?: unknown } = {}): Promise<Publication & { handShared: boolean }> {
  const approved = await db.transaction(async (tx) => {
    const locked = await lockOwn(tx, partnerId, id);
    if (locked.publication.state !== 'pending_review') throw new ConflictError('publication_state', 'publication.error.notPending', { state: locked.publication.state });
    assertAccountUsable(locked);
    const { text, edited } = await finalText(tx, deps, locked, input.text);
    const approvedAt = new Date();
    const [after] = await tx.update(publications).set({ state: 'approved', text, edited, approvedAt, stateDetail: null, updatedAt: approvedAt }).where(eq(publications.id, id)).returning();
    const handShared = isAssisted(locked.account.network);
    if (!handShared) await queuePublish(tx, after!, approvedAt);
    return { ...after!, handShared };
  });
  deps.wakeWorker?.();
  return approved;
}

export async function declinePublication(db: Db, partnerId: string, id: string): Promise<Publication> {
  return db.transaction(async (tx) => {
    const locked = await lockOwn(tx, partnerId, id);
    if (locked.publication.state !== 'pending_review') throw new ConflictError('publication_state', 'publication.error.notPending', { state: locked.publication.state });
    const [after] = await tx.update(publications).set({ state: 'declined', updatedAt: new Date() }).where(eq(publications.id, id)).returning();
    return after!;
  });
}

/** Where a post of each hand-shared network lives, so a pasted address is really one of its posts. */
const POST_HOSTS: Record<NetworkName, readonly string[]> = {
  x: ['x.com', 'twitter.com'],
  instagram: ['instagram.com'],
  tiktok: ['tiktok.com'],
  linkedin: ['linkedin.com'],
  facebook: ['facebook.com', 'fb.com'],
  bluesky: ['bsky.app'],
  mastodon: [],
  telegram: ['t.me'],
  discord: ['discord.com'],
  webhook: [],
};

function cleanPostUrl(value: unknown, network: NetworkName): string {
  const text = typeof value === 'string' ? value.trim() : '';
  let url: URL | null;
  try {
    url = text.length <= 2000 ? new URL(text) : null;
  } catch {
    url = null;
  }
  const hosts = POST_HOSTS[network];
  const hostOk = (host: string) => hosts.length === 0 || hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
  if (!url || url.protocol !== 'https:' || url.pathname.length < 2 || !hostOk(url.hostname)) throw new InputError('url', 'publication.error.url', { hosts: hosts.join(', ') || 'https://' });
  return url.href;
}

/**
 * The partner says the post is out: a hand-shared post once approved, or an unconfirmed one they
 * found on the network. Its address is kept as the proof.
 */
export async function confirmPublished(db: Db, partnerId: string, id: string, input: { url?: unknown }): Promise<Publication> {
  return db.transaction(async (tx) => {
    const locked = await lockOwn(tx, partnerId, id);
    const { state } = locked.publication;
    const allowed = state === 'unconfirmed' || (state === 'approved' && isAssisted(locked.account.network));
    if (!allowed) throw new ConflictError('publication_state', 'publication.error.notWaiting', { state });
    const url = cleanPostUrl(input.url, locked.account.network);
    const now = new Date();
    const [after] = await tx.update(publications).set({ state: 'published', remoteUrl: url, publishedAt: now, stateDetail: state === 'unconfirmed' ? 'confirmed_by_partner' : 'shared_by_partner', updatedAt: now }).where(eq(publications.id, id)).returning();
    return after!;
  });
}

/**
 * Publish again: an unconfirmed publication the partner checked is not out, or a failed one (its
 * account reconnected, say). A new approval: a new job, the same idempotency key, so a network
 * that did receive it after all answers with the first post.
 */
export async function publishAgain(db: Db, deps: PublishingDeps, partnerId: string, id: string): Promise<Publication> {
  const again = await db.transaction(async (tx) => {
    const locked = await lockOwn(tx, partnerId, id);
    const { state } = locked.publication;
    if (state !== 'unconfirmed' && state !== 'failed') throw new ConflictError('publication_state', 'publication.error.notWaiting', { state });
    if (isAssisted(locked.account.network)) throw new ConflictError('publication_state', 'publication.error.notWaiting', { state });
    assertAccountUsable(locked);
    // The text is checked again: the account's limit may have changed.
    const { text } = await finalText(tx, deps, locked, undefined);
    const approvedAt = new Date();
    const [after] = await tx.update(publications).set({ state: 'approved', text, approvedAt, stateDetail: null, updatedAt: approvedAt }).where(eq(publications.id, id)).returning();
    await queuePublish(tx, after!, approvedAt);
    return after!;
  });
  deps.wakeWorker?.();
  return again;
}

/** An account removed: its publications not yet claimed by a worker disappear (pass the removal's transaction). */
export async function withdrawAccountPublications(tx: Db, accountId: string): Promise<number> {
  const gone = await tx
    .update(publications)
    .set({ state: 'withdrawn', stateDetail: 'account_removed', updatedAt: new Date() })
    .where(and(eq(publications.accountId, accountId), inArray(publications.state, ['pending_review', 'scheduled', 'approved'])))
    .returning({ id: publications.id });
  await cancelQueuedJobs(tx, gone.map((row) => `publication:${row.id}:`));
  return gone.length;
}

/** How many publications wait for the partner's review (the portal's and the digest's count; paused campaigns' left out). */
export async function pendingCount(db: Db, partnerId: string): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`select count(*)::integer as count from publications p join campaigns c on c.id = p.campaign_id
         where p.partner_id = ${partnerId} and p.state = 'pending_review' and c.status = 'active'`,
  );
  return Number(row?.count ?? 0);
}

/** Everything the partner's posts page shows, their missing publications prepared first. */
export async function partnerPosts(db: Db, deps: PublishingDeps, partnerId: string) {
  const accounts = await listAccounts(db, partnerId);
  if (accounts.length > 0) await prepareAndSchedule(db, deps, partnerId);
  const list = (states: readonly PublicationState[], limit?: number) => listPublications(db, deps.config, partnerId, states, { limit });
  const rules = new Map<string, LengthRule>();
  for (const account of accounts) rules.set(account.id, await accountLengthRule(db, deps, account));
  // What waits for the partner or the worker in one read; what is over, the latest of each.
  const waiting = await list(['pending_review', 'scheduled', 'approved', 'publishing', 'unconfirmed']);
  const handShared = (publication: PublicationView) => publication.state === 'approved' && isAssisted(publication.account.network);
  const ruleOf = (publication: PublicationView) => rules.get(publication.accountId) ?? NETWORK_LENGTH_RULES[publication.account.network];
  const autopilots = await partnerAutopilots(db, partnerId);
  const zoneOf = (publication: PublicationView) => autopilots.get(publication.accountId)?.settings.timeZone ?? 'Europe/Paris';
  return {
    hasAccounts: accounts.length > 0,
    pending: waiting.filter((publication) => publication.state === 'pending_review').map((publication) => ({ ...publication, rule: ruleOf(publication) })),
    scheduled: waiting
      .filter((publication) => publication.state === 'scheduled')
      .sort((a, b) => a.scheduledAt!.getTime() - b.scheduledAt!.getTime())
      .map((publication) => ({ ...publication, rule: ruleOf(publication), timeZone: zoneOf(publication) })),
    toShare: waiting.filter(handShared),
    inProgress: waiting.filter((publication) => (publication.state === 'approved' || publication.state === 'publishing') && !handShared(publication)),
    toCheck: waiting.filter((publication) => publication.state === 'unconfirmed'),
    failed: await list(['failed'], 20),
    published: await list(['published'], 20),
  };
}

export interface LastPublication {
  state: PublicationState;
  at: Date;
  remoteUrl: string | null;
}

/** Each account's latest publication that left the review queue (the portal shows its result). */
export async function lastPublications(db: Db, partnerId: string): Promise<Map<string, LastPublication>> {
  const rows = await queryRows<{ account_id: string; state: PublicationState; at: Date | string; remote_url: string | null }>(
    db,
    sql`select distinct on (account_id) account_id, state, coalesce(published_at, updated_at) as at, remote_url
          from publications
         where partner_id = ${partnerId} and state not in ('pending_review', 'scheduled', 'declined', 'withdrawn')
         order by account_id, updated_at desc`,
  );
  return new Map(rows.map((row) => [row.account_id, { state: row.state, at: new Date(row.at), remoteUrl: row.remote_url }]));
}

/** What the portal shows of publishing: posts waiting (prepared first) and each account's last publication. */
export async function portalPublishing(db: Db, deps: PublishingDeps, partnerId: string): Promise<{ waiting: number; last: Map<string, LastPublication> }> {
  await prepareAndSchedule(db, deps, partnerId);
  return { waiting: await pendingCount(db, partnerId), last: await lastPublications(db, partnerId) };
}
