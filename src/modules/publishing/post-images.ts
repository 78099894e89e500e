/**
 * A post's image (issue 16, « variations visuelles »): the operator gives a post (template) one
 * image with what it shows (the alt text's description) and an optional caption for the band; each
 * partner's publication carries its own variant of it (autopilot/image-variants.ts), made on the
 * server from the publication: the same publication always gets the same picture, two partners
 * different ones, with « Publicité » / "Ad" burned in and first in the alt text.
 *
 * Only Bluesky and Mastodon take an uploaded image through their API (IMAGE_NETWORKS); Telegram,
 * Discord and webhooks publish the text alone (see publicationImage).
 *
 * An image is checked whole before it is kept: what sharp cannot read, a format the table does not
 * take (SVG, TIFF, HEIC…), more than MAX_INPUT_BYTES or MAX_INPUT_PIXELS, less than MIN_INPUT_SIDE
 * a side, a file whose body does not decode (a variant is made once to be sure). Each refusal
 * names the field `image`, `description` or `caption` and changes nothing.
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import sharp from 'sharp';
import type { Locale } from '../../config.js';
import type { Db } from '../../db/client.js';
import { connectedAccounts, postImages, publications, type NetworkName } from '../../db/schema.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { getCampaign } from '../campaigns/campaigns.js';
import type { PublishImage } from './adapter.js';
import { altText as imageAltText, makeImageVariant, MAX_INPUT_BYTES, MAX_INPUT_PIXELS, MIN_INPUT_SIDE, NETWORK_IMAGE_LIMITS, type Disclosure, type ImageNetwork } from './autopilot/image-variants.js';
import { brandOf, getTemplate } from './templates.js';

export type PostImage = typeof postImages.$inferSelect;
/** What a page shows of a post's image, without its bytes. */
export type PostImageInfo = Omit<PostImage, 'data'> & { bytes: number };

/** The networks an image is uploaded to with the post. */
export const IMAGE_NETWORKS = ['bluesky', 'mastodon'] as const satisfies readonly ImageNetwork[];
export const takesImages = (network: string): network is ImageNetwork => (IMAGE_NETWORKS as readonly string[]).includes(network);

export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_CAPTION_LENGTH = 80;

/** The formats kept (migration 0020's check), by sharp's name for them. */
const MIME_OF: Record<string, PostImage['mime']> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

export interface TemplateImageInput {
  /** The file's bytes (a multipart upload); anything else is no file. */
  image?: unknown;
  description?: unknown;
  caption?: unknown;
}

export const disclosureFor = (locale: Locale): Disclosure => (locale === 'en' ? 'Ad' : 'Publicité');

/** A seed of 32 bits from a text (a publication's id): the same text, the same image. */
const seedOf = (text: string): number => createHash('sha256').update(text).digest().readUInt32BE(0);

/** The image's type and oriented size, or the refusal a person can act on. */
async function checkedImage(data: unknown): Promise<{ data: Buffer; mime: PostImage['mime']; width: number; height: number }> {
  if (!Buffer.isBuffer(data) || data.length === 0) throw new InputError('image', 'image.error.missing');
  const megabytes = Math.round(MAX_INPUT_BYTES / 1024 / 1024);
  if (data.length > MAX_INPUT_BYTES) throw new InputError('image', 'image.error.tooLarge', { max: megabytes });
  let metadata: sharp.Metadata;
  try {
    // Only the header is read here; the pixels are decoded once below, under limitInputPixels.
    metadata = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new InputError('image', 'image.error.notImage');
  }
  const mime = metadata.format === 'heif' ? (metadata.compression === 'av1' ? 'image/avif' : undefined) : MIME_OF[metadata.format ?? ''];
  if (!mime) throw new InputError('image', 'image.error.format', { format: (metadata.format === 'heif' ? 'HEIC' : (metadata.format ?? '?')).toUpperCase() });
  const { width, height } = metadata.autoOrient ?? { width: metadata.width ?? 0, height: metadata.height ?? 0 };
  if (!width || !height) throw new InputError('image', 'image.error.notImage');
  if (width * height > MAX_INPUT_PIXELS) throw new InputError('image', 'image.error.tooManyPixels', { megapixels: MAX_INPUT_PIXELS / 1_000_000, width, height });
  if (width < MIN_INPUT_SIDE || height < MIN_INPUT_SIDE) throw new InputError('image', 'image.error.tooSmall', { min: MIN_INPUT_SIDE, width, height });
  return { data, mime, width, height };
}

/** The description (required) and caption (optional), trimmed; the refusal names the field. */
function checkedTexts(input: TemplateImageInput): { description: string; caption: string | null } {
  const description = typeof input.description === 'string' ? input.description.trim() : '';
  if (description === '' || [...description].length > MAX_DESCRIPTION_LENGTH) throw new InputError('description', 'image.error.description', { max: MAX_DESCRIPTION_LENGTH });
  const caption = typeof input.caption === 'string' ? input.caption.trim() : '';
  if ([...caption].length > MAX_CAPTION_LENGTH) throw new InputError('caption', 'image.error.caption', { max: MAX_CAPTION_LENGTH });
  // PostgreSQL's length() counts code points, as [...text] does.
  return { description, caption: caption === '' ? null : caption };
}

/**
 * Gives a post its image, or replaces the one it had. Refused for a withdrawn post (nothing of it
 * is published any more) and for any bad input, with nothing changed.
 */
export async function setTemplateImage(db: Db, templateId: string, input: TemplateImageInput, actor: Actor): Promise<PostImageInfo> {
  const template = await getTemplate(db, templateId);
  if (template.status === 'withdrawn') throw new ConflictError('template_withdrawn', 'template.error.withdrawn');
  const image = await checkedImage(input.image);
  const texts = checkedTexts(input);
  const campaign = await getCampaign(db, template.campaignId);
  // One variant made now: a file whose header reads but whose body does not is refused here, not
  // in the worker at publishing time.
  try {
    await makeImageVariant(image.data, { seed: 0, disclosure: 'Publicité', brand: brandOf(campaign), caption: texts.caption ?? undefined, description: texts.description, network: 'bluesky' });
  } catch (error) {
    if (error instanceof InputError) throw new InputError('image', 'image.error.damaged');
    throw error;
  }
  return db.transaction(async (tx) => {
    const [before] = await tx.select({ templateId: postImages.templateId }).from(postImages).where(eq(postImages.templateId, templateId));
    const row = { templateId, data: image.data, mime: image.mime, width: image.width, height: image.height, description: texts.description, caption: texts.caption, createdAt: new Date() };
    const [saved] = await tx
      .insert(postImages)
      .values(row)
      .onConflictDoUpdate({ target: postImages.templateId, set: { data: row.data, mime: row.mime, width: row.width, height: row.height, description: row.description, caption: row.caption, createdAt: row.createdAt } })
      .returning({ templateId: postImages.templateId, createdAt: postImages.createdAt });
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'template_image_set', subject: `campaign:${template.campaignId}`, params: { name: campaign.name, replaced: before !== undefined, width: image.width, height: image.height, bytes: image.data.length } });
    return { templateId, mime: image.mime, width: image.width, height: image.height, description: texts.description, caption: texts.caption, createdAt: saved!.createdAt, bytes: image.data.length };
  });
}

/** Takes a post's image away: its publications not yet out go without one. */
export async function removeTemplateImage(db: Db, templateId: string, actor: Actor): Promise<void> {
  const template = await getTemplate(db, templateId);
  const campaign = await getCampaign(db, template.campaignId);
  await db.transaction(async (tx) => {
    const gone = await tx.delete(postImages).where(eq(postImages.templateId, templateId)).returning({ templateId: postImages.templateId });
    if (gone.length === 0) throw new ConflictError('no_image', 'image.error.none');
    await writeAudit(tx, { actorId: actor.id, actorLabel: actor.label, action: 'template_image_removed', subject: `campaign:${template.campaignId}`, params: { name: campaign.name } });
  });
}

/** A post's image with its bytes, or null. */
export async function getTemplateImage(db: Db, templateId: string): Promise<PostImage | null> {
  const [image] = await db.select().from(postImages).where(eq(postImages.templateId, templateId));
  return image ?? null;
}

/** What pages show of these posts' images (never their bytes), by post. */
export async function templateImages(db: Db, templateIds: readonly string[]): Promise<Map<string, PostImageInfo>> {
  if (templateIds.length === 0) return new Map();
  const { templateId, mime, width, height, description, caption, createdAt } = postImages;
  // octet_length(data): the size without reading the bytes out.
  const rows = await db.select({ templateId, mime, width, height, description, caption, createdAt, bytes: sql<number>`octet_length(${postImages.data})` }).from(postImages).where(inArray(postImages.templateId, [...templateIds]));
  return new Map(rows.map((row) => [row.templateId, { ...row, bytes: Number(row.bytes) }]));
}

/** What the back-office shows of a post's image: its original, or the variant a partner would get. */
export async function templatePreview(db: Db, templateId: string, which: 'original' | 'sample', locale: Locale): Promise<{ data: Buffer; mime: string }> {
  const image = await getTemplateImage(db, templateId);
  if (!image) throw new NotFoundError('image');
  if (which === 'original') {
    const data = await sharp(image.data, { limitInputPixels: MAX_INPUT_PIXELS }).rotate().resize(640, 640, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    return { data, mime: 'image/jpeg' };
  }
  const template = await getTemplate(db, templateId);
  const campaign = await getCampaign(db, template.campaignId);
  const variant = await makeImageVariant(image.data, { seed: seedOf(`sample:${templateId}`), disclosure: disclosureFor(locale), brand: brandOf(campaign), caption: image.caption ?? undefined, description: image.description, network: 'bluesky' });
  return { data: variant.data, mime: variant.mime };
}

/** What makes a publication's image: its id (the seed), post, language, brand. */
export interface ImagePublication {
  id: string;
  templateId: string;
  locale: Locale;
  brand: string;
}

const variantOptions = (publication: ImagePublication, image: Pick<PostImage, 'caption' | 'description'>, network: ImageNetwork) => ({
  seed: seedOf(publication.id),
  disclosure: disclosureFor(publication.locale),
  brand: publication.brand,
  caption: image.caption ?? undefined,
  description: image.description,
  network,
});

/**
 * The image a publication goes out with on `network`, or null: its post has none, or the network
 * takes no uploaded image. Telegram (sendPhoto), Discord (attachments) and webhooks could carry a
 * picture, but their adapters post text alone: one text call each is what their lookup-less
 * « unconfirmed » handling is built on, and none of them is asked for it yet.
 */
export async function publicationImage(db: Db, publication: ImagePublication, network: string): Promise<PublishImage | null> {
  if (!takesImages(network)) return null;
  const image = await getTemplateImage(db, publication.templateId);
  if (!image) return null;
  return makeImageVariant(image.data, variantOptions(publication, image, network));
}

/** The alt text of each publication's image, for those that have one on their network (no image is made). */
export async function publicationImageAlts(db: Db, list: ReadonlyArray<ImagePublication & { network: NetworkName }>): Promise<Map<string, string>> {
  const withImages = list.filter((publication) => takesImages(publication.network));
  const infos = await templateImages(db, [...new Set(withImages.map((publication) => publication.templateId))]);
  const alts = new Map<string, string>();
  for (const publication of withImages) {
    const info = infos.get(publication.templateId);
    if (info) alts.set(publication.id, imageAltText(variantOptions(publication, info, publication.network as ImageNetwork), NETWORK_IMAGE_LIMITS[publication.network as ImageNetwork].maxAlt));
  }
  return alts;
}

/**
 * A partner's own publication's image, as it goes out (their card shows it). Anyone else's
 * publication, one without an image, or on a network that takes none: not found.
 */
export async function partnerPublicationImage(db: Db, partnerId: string, publicationId: string): Promise<PublishImage> {
  if (!isUuid(publicationId)) throw new NotFoundError('publication');
  const [found] = await db
    .select({ id: publications.id, templateId: publications.templateId, locale: publications.locale, brand: publications.brand, network: connectedAccounts.network })
    .from(publications)
    .innerJoin(connectedAccounts, eq(connectedAccounts.id, publications.accountId))
    .where(and(eq(publications.id, publicationId), eq(publications.partnerId, partnerId)));
  const image = found ? await publicationImage(db, found, found.network) : null;
  if (!image) throw new NotFoundError('publication');
  return image;
}
