/**
 * A post's image on both engines: its bytes kept exactly (bytea, every byte value), replaced and
 * removed with an audit entry; every bad file or text refused with its field and nothing kept; each
 * publication's image made from the publication alone (the same bytes every time, another
 * partner's different, « Publicité » or "Ad" by its language, none on a network that takes no
 * image); a partner reads only their own; the worker's job posts it to Mastodon, attached with its
 * alt text.
 */
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { connectedAccounts, postImages, publications } from '../../src/db/schema.js';
import { perceptualHash, hammingDistance } from '../../src/modules/publishing/autopilot/image-variants.js';
import { getTemplateImage, partnerPublicationImage, publicationImage, publicationImageAlts, removeTemplateImage, setTemplateImage, templateImages } from '../../src/modules/publishing/post-images.js';
import { claimJobs, finishJob } from '../../src/modules/jobs/job-queue.js';
import { finishMastodonConnection, startMastodonConnection } from '../../src/modules/publishing/accounts.js';
import { publishingAdapters } from '../../src/modules/publishing/adapters.js';
import { mastodonClient } from '../../src/modules/publishing/mastodon-adapter.js';
import { approvePublication, preparePublications, PUBLISH_JOB, type PublishingDeps } from '../../src/modules/publishing/publications.js';
import { publishingHandlers } from '../../src/modules/publishing/publishing-worker.js';
import { createTemplate, withdrawTemplate } from '../../src/modules/publishing/templates.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addCampaign, addPartner, countRows, operator, refusal } from '../support/fixtures.js';
import { brandPicture } from '../support/images.js';
import { startFakeMastodon } from '../support/mastodon-server.js';
import { CapturingMailer, testConfig } from '../support/test-app.js';

const config = testConfig({ PUBLISHING_ALLOW_LOOPBACK: 'true' });
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };

describe.each(ENGINES)('post images on %s', (engine) => {
  let database: TestDatabase;
  let picture: Buffer;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    picture = await brandPicture(800, 600, 'jpeg');
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  const newPost = async (name = 'Campagne image') => {
    const campaign = await addCampaign(database.db, '0.10', name);
    return createTemplate(database.db, config, campaign.id, { locale: 'fr', texts: 'Découvre la collection : {link}' }, operator);
  };
  const imageRows = () => countRows(database.db, sql`post_images`);

  it('keeps every byte value through bytea, both ways', async () => {
    const post = await newPost();
    const every = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
    // A leading « \x » in the data itself must not be taken for PostgreSQL's hex prefix.
    const tricky = Buffer.concat([Buffer.from('\\x00ff', 'latin1'), every]);
    await database.db.insert(postImages).values({ templateId: post.id, data: tricky, mime: 'image/png', width: 1, height: 1, description: 'bytes' });
    const [row] = await database.db.select().from(postImages).where(eq(postImages.templateId, post.id));
    expect(Buffer.isBuffer(row!.data)).toBe(true);
    expect(row!.data.equals(tricky)).toBe(true);
    const [length] = await queryRows<{ n: number }>(database.db, sql`select octet_length(data)::int as n from post_images where template_id = ${post.id}`);
    expect(length!.n).toBe(tricky.length);
    await database.db.delete(postImages).where(eq(postImages.templateId, post.id));
  });

  it('gives a post its image, replaces it and removes it, each audited', async () => {
    const post = await newPost();
    const info = await setTemplateImage(database.db, post.id, { image: picture, description: '  Une lampe de chevet en laiton  ', caption: '' }, operator);
    expect(info).toMatchObject({ templateId: post.id, mime: 'image/jpeg', width: 800, height: 600, description: 'Une lampe de chevet en laiton', caption: null, bytes: picture.length });
    const stored = (await getTemplateImage(database.db, post.id))!;
    expect(stored.data.equals(picture)).toBe(true);
    expect((await templateImages(database.db, [post.id])).get(post.id)).toMatchObject({ bytes: picture.length, width: 800 });

    const png = await brandPicture(400, 500, 'png');
    await setTemplateImage(database.db, post.id, { image: png, description: 'Une autre vue', caption: 'Été 2026' }, operator);
    const replaced = (await getTemplateImage(database.db, post.id))!;
    expect(replaced).toMatchObject({ mime: 'image/png', width: 400, height: 500, caption: 'Été 2026' });
    expect(replaced.data.equals(png)).toBe(true);

    await removeTemplateImage(database.db, post.id, operator);
    expect(await getTemplateImage(database.db, post.id)).toBeNull();
    expect(await refusal(removeTemplateImage(database.db, post.id, operator))).toMatchObject({ status: 409, messageKey: 'image.error.none' });

    const audit = await queryRows<{ action: string; params: { replaced?: boolean } }>(database.db, sql`select action, params from audit_log where action like 'template_image%' order by id`);
    expect(audit.map((entry) => [entry.action, entry.params.replaced ?? null])).toEqual([
      ['template_image_set', false],
      ['template_image_set', true],
      ['template_image_removed', null],
    ]);
  });

  it('refuses each bad file or text with its field and keeps nothing', async () => {
    const post = await newPost();
    const before = await imageRows();
    const good = { image: picture, description: 'Une lampe' };
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ description: 'Une lampe' }, 'image', 'image.error.missing'],
      [{ ...good, image: 'not a file' }, 'image', 'image.error.missing'],
      [{ ...good, image: Buffer.alloc(0) }, 'image', 'image.error.missing'],
      [{ ...good, image: Buffer.from('%PDF-1.4 not a picture') }, 'image', 'image.error.notImage'],
      [{ ...good, image: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400"/></svg>') }, 'image', 'image.error.format'],
      [{ ...good, image: await brandPicture(400, 400, 'tiff') }, 'image', 'image.error.format'],
      [{ ...good, image: await brandPicture(150, 400, 'png') }, 'image', 'image.error.tooSmall'],
      [{ ...good, image: Buffer.concat([picture, Buffer.alloc(21 * 1024 * 1024)]) }, 'image', 'image.error.tooLarge'],
      [{ ...good, image: picture.subarray(0, Math.round(picture.length / 2)) }, 'image', 'image.error.damaged'],
      [{ image: picture }, 'description', 'image.error.description'],
      [{ image: picture, description: '   ' }, 'description', 'image.error.description'],
      [{ image: picture, description: 'x'.repeat(1001) }, 'description', 'image.error.description'],
      [{ ...good, caption: 'x'.repeat(81) }, 'caption', 'image.error.caption'],
    ];
    for (const [input, field, key] of cases) {
      const error = await refusal(setTemplateImage(database.db, post.id, input, operator));
      expect({ field: error.field, key: error.messageKey, status: error.status }).toEqual({ field, key, status: 400 });
    }
    // A picture of more than 40 megapixels: refused from its header, never decoded.
    const huge = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#888' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(await refusal(setTemplateImage(database.db, post.id, { ...good, image: huge }, operator))).toMatchObject({ field: 'image', messageKey: 'image.error.tooManyPixels' });
    expect(await imageRows()).toBe(before);

    await withdrawTemplate(database.db, post.id, operator);
    expect(await refusal(setTemplateImage(database.db, post.id, good, operator))).toMatchObject({ status: 409, messageKey: 'template.error.withdrawn' });
    expect(await refusal(setTemplateImage(database.db, '00000000-0000-4000-8000-000000000000', good, operator))).toMatchObject({ status: 404 });
    expect(await imageRows()).toBe(before);
  });

  it('makes each publication its own image: the same every time, another partner’s different, in its language', async () => {
    const post = await newPost('Maison Lumière');
    await setTemplateImage(database.db, post.id, { image: picture, description: 'Une lampe de chevet', caption: 'Collection été' }, operator);
    const lina = await addPartner(database.db, 'lina-img@example.com');
    const omar = await addPartner(database.db, 'omar-img@example.com');
    for (const [partnerId, network] of [[lina, 'bluesky'], [lina, 'telegram'], [omar, 'mastodon']] as const) {
      await database.db.insert(connectedAccounts).values({ partnerId, network, label: `${network} account`, credentialsSealed: 'sealed' });
    }
    await preparePublications(database.db, config, lina);
    await preparePublications(database.db, config, omar);
    const mine = await database.db.select().from(publications).where(eq(publications.templateId, post.id));
    const networkOf = new Map((await database.db.select().from(connectedAccounts)).map((account) => [account.id, account.network]));
    const linaBluesky = mine.find((p) => p.partnerId === lina && networkOf.get(p.accountId) === 'bluesky')!;
    const linaTelegram = mine.find((p) => p.partnerId === lina && networkOf.get(p.accountId) === 'telegram')!;
    const omarMastodon = mine.find((p) => p.partnerId === omar)!;

    const first = (await publicationImage(database.db, linaBluesky, 'bluesky'))!;
    const again = (await publicationImage(database.db, linaBluesky, 'bluesky'))!;
    expect(first.data.equals(again.data)).toBe(true);
    expect(first.mime).toBe('image/jpeg');
    expect(first.data.length).toBeLessThanOrEqual(1_000_000);
    expect(first.alt).toBe('Publicité · Maison Lumière — Une lampe de chevet');
    expect((await sharp(first.data).metadata()).width).toBe(first.width);

    // Another publication of the same post: another crop, frame and colours.
    const other = (await publicationImage(database.db, { ...linaBluesky, id: omarMastodon.id }, 'bluesky'))!;
    expect(other.data.equals(first.data)).toBe(false);
    expect(hammingDistance(await perceptualHash(first.data), await perceptualHash(other.data))).toBeGreaterThan(0);

    const english = (await publicationImage(database.db, { ...omarMastodon, locale: 'en' }, 'mastodon'))!;
    expect(english.alt).toBe('Ad · Maison Lumière — Une lampe de chevet');
    // No image on a network that takes none, nor for a post without one.
    expect(await publicationImage(database.db, linaTelegram, 'telegram')).toBeNull();
    const bare = await newPost();
    expect(await publicationImage(database.db, { ...linaBluesky, templateId: bare.id }, 'bluesky')).toBeNull();

    const alts = await publicationImageAlts(database.db, [
      { ...linaBluesky, network: 'bluesky' },
      { ...linaTelegram, network: 'telegram' },
    ]);
    expect([...alts]).toEqual([[linaBluesky.id, first.alt]]);

    // A partner reads their own publication's image, the one that goes out; nobody else's.
    const read = await partnerPublicationImage(database.db, lina, linaBluesky.id);
    expect(read.data.equals(first.data)).toBe(true);
    expect(await refusal(partnerPublicationImage(database.db, omar, linaBluesky.id))).toMatchObject({ status: 404 });
    expect(await refusal(partnerPublicationImage(database.db, lina, linaTelegram.id))).toMatchObject({ status: 404 });
    expect(await refusal(partnerPublicationImage(database.db, lina, 'not-an-id'))).toMatchObject({ status: 404 });
  }, 60_000);

  it('is posted by the worker to Mastodon with its alt text, the image the partner saw', async () => {
    const instance = await startFakeMastodon();
    try {
      const db = database.db;
      const post = await newPost('Maison Lumière');
      await setTemplateImage(db, post.id, { image: picture, description: 'Une lampe de chevet' }, operator);
      const partner = await addPartner(db, 'worker-img@example.com');
      const client = mastodonClient(local, { timeoutMs: 5_000 });
      const { authorizeUrl } = await startMastodonConnection(db, config, partner, { instance: instance.origin }, client, local);
      const back = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
      await finishMastodonConnection(db, config, partner, { state: back.searchParams.get('state'), code: back.searchParams.get('code') }, client);
      await preparePublications(db, config, partner);
      const [publication] = await db.select().from(publications).where(and(eq(publications.partnerId, partner), eq(publications.templateId, post.id)));
      const deps: PublishingDeps = { config, adapters: publishingAdapters(local, { timeoutMs: 5_000 }) };
      await approvePublication(db, deps, partner, publication!.id);
      const handlers = publishingHandlers(db, deps, new CapturingMailer(), { error: () => undefined });
      for (;;) {
        const [job] = await claimJobs(db, 'test-worker', [PUBLISH_JOB], { limit: 1, leaseMs: 60_000 });
        if (!job) break;
        await finishJob(db, job, 'test-worker', await handlers[job.kind]!(job, { signal: new AbortController().signal, extendLease: async () => true }));
      }
      const [after] = await db.select().from(publications).where(eq(publications.id, publication!.id));
      expect(after!.state).toBe('published');
      const seen = await partnerPublicationImage(db, partner, publication!.id);
      const [status] = instance.statuses;
      expect(status!.media_attachments).toHaveLength(1);
      expect(status!.media_attachments[0]!.description).toBe(seen.alt);
      expect(seen.alt.startsWith('Publicité · Maison Lumière — Une lampe de chevet')).toBe(true);
      expect(instance.media[0]!.data.equals(seen.data)).toBe(true);
    } finally {
      await instance.close();
    }
  }, 60_000);
});
