/**
 * Demo data only: posts and a publication moved back to the days they would have been written and
 * published on, so an empty database's demo reads like a programme that has been running.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { postTemplates, postVariants, publications } from '../../db/schema.js';
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
