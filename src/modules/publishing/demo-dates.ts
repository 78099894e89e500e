/**
 * Demo data only: posts and a publication moved back to the days they would have been written and
 * published on, so an empty database's demo reads like a programme that has been running.
 */
import { eq, sql } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { connectedAccounts, postTemplates, postVariants, publications } from '../../db/schema.js';
import { seal } from '../../lib/sealed.js';
import type { Publication } from './publications.js';

/** A post and its texts written on `at` (its texts keep the order they were written in). */
export async function backdateTemplate(db: Db, templateId: string, at: Date): Promise<void> {
  await db.update(postTemplates).set({ createdAt: at }).where(eq(postTemplates.id, templateId));
  await db.update(postVariants).set({ createdAt: sql`${at.toISOString()}::timestamptz + (${postVariants.createdAt} - now())` }).where(eq(postVariants.templateId, templateId));
}

/** The first publication of a post (the demo's partner has one account). */
export async function firstPublicationOf(db: Db, templateId: string): Promise<Publication | null> {
  const [publication] = await db.select().from(publications).where(eq(publications.templateId, templateId));
  return publication ?? null;
}

/** A publication prepared on `preparedAt`, approved and published on `outAt`. */
export async function backdatePublication(db: Db, publicationId: string, preparedAt: Date, outAt: Date): Promise<void> {
  await db.update(publications).set({ createdAt: preparedAt, approvedAt: outAt, publishedAt: outAt, updatedAt: outAt }).where(eq(publications.id, publicationId));
}

/**
 * The demo partner's automation webhook, to show the autopilot: its address is under `.invalid`, a
 * name that never resolves (RFC 2606), so nothing leaves the machine; when its scheduled posts come
 * due they fail as a dead webhook would, and two failures pause the account.
 */
export async function connectDemoWebhook(db: Db, config: Config, partnerId: string): Promise<string> {
  const [account] = await db
    .insert(connectedAccounts)
    .values({ partnerId, network: 'webhook', label: 'hooks.demo.invalid/plug-and-earn', endpoint: 'https://hooks.demo.invalid/plug-and-earn', credentialsSealed: seal({ secret: 'whsec_demo' }, config.credentialsKey) })
    .returning({ id: connectedAccounts.id });
  return account!.id;
}
