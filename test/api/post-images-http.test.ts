/**
 * A post's image over HTTP: the operator uploads it (multipart) on the campaign's page and sees its
 * original and a partner's variant; each bad file or text is refused next to its field, in French
 * or English, with nothing kept; no CSRF token, no upload; removing it is asked twice. A partner
 * sees their own publication's image on their card, with its alt text, and reads nobody else's.
 */
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { connectedAccounts } from '../../src/db/schema.js';
import { seal } from '../../src/lib/sealed.js';
import { createTemplate } from '../../src/modules/publishing/templates.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, countRows, operator, partnerIdByEmail } from '../support/fixtures.js';
import { brandPicture } from '../support/images.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

/** A multipart/form-data body as a browser sends it: the fields, then the file (if any). */
function multipart(fields: Record<string, string>, file?: { data: Buffer; filename: string; type: string }): { payload: Buffer; type: string } {
  const boundary = '----formdata-test-7f3a9';
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  // A form sent with no file chosen still has the part, empty, as browsers send it.
  const chosen = file ?? { data: Buffer.alloc(0), filename: '', type: 'application/octet-stream' };
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${chosen.filename}"\r\nContent-Type: ${chosen.type}\r\n\r\n`), chosen.data, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

describe.each(ENGINES)('a post’s image over HTTP, on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let lina: Visitor;
  let omar: Visitor;
  let picture: Buffer;

  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
    omar = new Visitor(t.app);
    await omar.signIn('omar@example.com', t.mailer);
    picture = await brandPicture(800, 600, 'jpeg');
  }, 60_000);
  afterAll(async () => t?.close());

  const db = () => t.database.db;
  const images = () => countRows(db(), sql`post_images`);
  const upload = (visitor: Visitor, templateId: string, fields: Record<string, string>, file?: { data: Buffer; filename: string; type: string }, csrf = true) => {
    const body = multipart({ ...(csrf ? { _csrf: visitor.csrf() } : {}), ...fields }, file);
    return visitor.request({ method: 'POST', url: `/admin/templates/${templateId}/image`, payload: body.payload, headers: { 'content-type': body.type } });
  };
  const jpeg = (data: Buffer) => ({ data, filename: 'lampe.jpg', type: 'image/jpeg' });
  const newPost = async (name: string) => {
    const campaign = await addCampaign(db(), '0.10', name);
    const post = await createTemplate(db(), t.config, campaign.id, { locale: 'fr', texts: 'Découvre la lampe : {link}' }, operator);
    return { campaign, post };
  };

  it('uploads a post’s image, shows its original and a partner’s variant, and serves both to operators only', async () => {
    const { campaign, post } = await newPost('Maison Lumière');
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain(`<form method="post" action="/admin/templates/${post.id}/image#template-${post.id}" enctype="multipart/form-data" novalidate>`);
    expect(page.body).toContain('Pas d’image : le post part en texte seul.');
    expect(page.body).toContain('<label for="img-' + post.id + '-description">Description de l’image</label>');

    const saved = await upload(ops, post.id, { description: 'Une lampe de chevet en laiton', caption: 'Collection été' }, jpeg(picture));
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=template_image#template-${post.id}`);
    const shown = await ops.get(saved.headers.location as string);
    expect(shown.body).toContain('Image enregistrée. Les publications à venir de ce post la porteront.');
    expect(shown.body).toMatch(new RegExp(`<img src="/admin/templates/${post.id}/image/original\\?v=\\d+" alt="Image d’origine du post : Une lampe de chevet en laiton" width="640" height="480">`));
    expect(shown.body).toContain('alt="Exemple de variante : Publicité · Maison Lumière — Une lampe de chevet en laiton"');
    expect(shown.body).toContain('800 × 600 px');
    expect(shown.body).toContain('Remplacer l’image');

    const original = await ops.get(`/admin/templates/${post.id}/image/original`);
    expect(original.statusCode).toBe(200);
    expect(original.headers['content-type']).toBe('image/jpeg');
    expect(original.headers['cache-control']).toBe('private, max-age=86400');
    expect(await sharp(original.rawPayload).metadata()).toMatchObject({ width: 640, height: 480 });
    const sample = await ops.get(`/admin/templates/${post.id}/image/sample`);
    expect(sample.statusCode).toBe(200);
    expect(sample.rawPayload.length).toBeLessThanOrEqual(1_000_000);
    expect((await ops.get(`/admin/templates/${post.id}/image/other`)).statusCode).toBe(404);
    expect((await lina.get(`/admin/templates/${post.id}/image/original`)).statusCode).toBe(403);

    // Replaced: the new file and texts, one row.
    await ops.get(`/admin/campaigns/${campaign.id}`);
    expect((await upload(ops, post.id, { description: 'Une autre vue' }, { data: await brandPicture(500, 500, 'png'), filename: 'vue.png', type: 'image/png' })).statusCode).toBe(303);
    const [row] = await queryRows<{ mime: string; description: string; caption: string | null }>(db(), sql`select mime, description, caption from post_images where template_id = ${post.id}`);
    expect(row).toEqual({ mime: 'image/png', description: 'Une autre vue', caption: null });
  });

  it('refuses each bad file or text next to its field, in French and English, keeping nothing', async () => {
    const { campaign, post } = await newPost('Refus image');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    const before = await images();
    const cases: Array<[Record<string, string>, { data: Buffer; filename: string; type: string } | undefined, string, string]> = [
      [{ description: 'Une lampe' }, undefined, 'image', 'Choisis un fichier image (JPEG, PNG, WebP, AVIF ou GIF).'],
      [{ description: 'Une lampe' }, { data: Buffer.from('%PDF-1.4'), filename: 'devis.pdf', type: 'application/pdf' }, 'image', 'Ce fichier n’est pas une image lisible.'],
      [{ description: 'Une lampe' }, { data: await brandPicture(400, 400, 'tiff'), filename: 'scan.tif', type: 'image/tiff' }, 'image', 'Le format TIFF n’est pas accepté.'],
      [{ description: 'Une lampe' }, jpeg(await brandPicture(120, 300, 'jpeg')), 'image', 'Cette image est trop petite (120 × 300 pixels) : il faut au moins 200 pixels de côté'],
      [{ description: 'Une lampe' }, jpeg(Buffer.concat([picture, Buffer.alloc(21 * 1024 * 1024)])), 'image', 'Ce fichier est trop lourd : 20 Mo au plus.'],
      [{ description: '' }, jpeg(picture), 'description', 'Décris l’image en quelques mots (de 1 à 1\u202f000 caractères)'],
      [{ description: 'Une lampe', caption: 'x'.repeat(81) }, jpeg(picture), 'caption', 'La légende tient en 80 caractères au plus.'],
    ];
    for (const [fields, file, field, message] of cases) {
      const refused = await upload(ops, post.id, fields, file);
      expect(refused.statusCode, message).toBe(400);
      expect(refused.body).toContain(`<p class="error" id="img-${post.id}-${field}-error" role="alert">${message}`);
      expect(refused.body).toMatch(new RegExp(`id="img-${post.id}-${field}"[^>]* aria-invalid="true"`));
      // The refused form stays open, with what was typed.
      expect(refused.body).toContain('<details class="template-add" open><summary>Ajouter une image</summary>');
    }
    await ops.get(`/admin/campaigns/${campaign.id}?lang=en`);
    const english = await upload(ops, post.id, { description: 'A lamp' }, jpeg(await brandPicture(150, 150, 'jpeg')));
    expect(english.body).toContain('This image is too small (150 × 150 pixels): it needs at least 200 pixels a side, or the band would cover it.');
    await ops.get(`/admin/campaigns/${campaign.id}?lang=fr`);

    // A control character in a text field: refused by the stored-text rule, as on every form.
    const control = await upload(ops, post.id, { description: 'Une\u0000lampe' }, jpeg(picture));
    expect(control.statusCode).toBe(400);
    // No CSRF token: refused before anything is read into the database.
    expect((await upload(ops, post.id, { description: 'Une lampe' }, jpeg(picture), false)).statusCode).toBe(403);
    // Partners cannot.
    await lina.get('/partner/posts');
    expect((await upload(lina, post.id, { description: 'Une lampe' }, jpeg(picture))).statusCode).toBe(403);
    expect(await images()).toBe(before);
  });

  it('removes the image only once confirmed', async () => {
    const { campaign, post } = await newPost('Retrait image');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    expect((await upload(ops, post.id, { description: 'Une lampe' }, jpeg(picture))).statusCode).toBe(303);
    await ops.get(`/admin/campaigns/${campaign.id}`);
    const asked = await ops.post(`/admin/templates/${post.id}/image/remove`, {});
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Les publications de ce post qui ne sont pas encore parties partiront sans image.');
    expect(asked.body).toContain('Oui, retirer l’image');
    expect(await countRows(db(), sql`post_images where template_id = ${post.id}`)).toBe(1);
    const removed = await ops.post(`/admin/templates/${post.id}/image/remove`, { confirm: '1' });
    expect(removed.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=template_image_removed#template-${post.id}`);
    expect(await countRows(db(), sql`post_images where template_id = ${post.id}`)).toBe(0);
    expect((await ops.get(`/admin/templates/${post.id}/image/original`)).statusCode).toBe(404);
  });

  it('shows a partner their own publication’s image with its alt text, and nobody else’s', async () => {
    const { campaign, post } = await newPost('Lampes & Co');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    expect((await upload(ops, post.id, { description: 'Une lampe de chevet' }, jpeg(picture))).statusCode).toBe(303);
    const linaId = await partnerIdByEmail(db(), 'lina@example.com');
    await db().insert(connectedAccounts).values([
      { partnerId: linaId, network: 'bluesky', label: '@lina.test', credentialsSealed: seal({ service: 'https://pds.example', did: 'did:plc:lina', handle: 'lina.test', accessJwt: 'a', refreshJwt: 'r', appPassword: 'p' }, t.config.credentialsKey) },
      { partnerId: linaId, network: 'telegram', label: 'Canal de Lina', credentialsSealed: seal({ botToken: '1:x', chatId: '@lina' }, t.config.credentialsKey) },
    ]);
    const page = await lina.get('/partner/posts');
    const [bluesky] = await queryRows<{ id: string }>(db(), sql`select p.id from publications p join connected_accounts a on a.id = p.account_id where p.template_id = ${post.id} and a.network = 'bluesky'`);
    const [telegram] = await queryRows<{ id: string }>(db(), sql`select p.id from publications p join connected_accounts a on a.id = p.account_id where p.template_id = ${post.id} and a.network = 'telegram'`);
    expect(page.body).toContain(`<figure class="publication-image"><img src="/partner/posts/${bluesky!.id}/image" alt="Publicité · Lampes &amp; Co — Une lampe de chevet" loading="lazy"><figcaption>Ton image : une variante faite pour toi, avec « Publicité » dessus.</figcaption></figure>`);
    // Telegram publishes the text alone: no image on that card.
    expect(page.body).not.toContain(`/partner/posts/${telegram!.id}/image`);

    const image = await lina.get(`/partner/posts/${bluesky!.id}/image`);
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect(image.headers['cache-control']).toBe('private, max-age=300');
    expect((await lina.get(`/partner/posts/${bluesky!.id}/image`)).rawPayload.equals(image.rawPayload)).toBe(true);
    expect((await omar.get(`/partner/posts/${bluesky!.id}/image`)).statusCode).toBe(404);
    expect((await lina.get(`/partner/posts/${telegram!.id}/image`)).statusCode).toBe(404);
    expect((await lina.get('/partner/posts/not-an-id/image')).statusCode).toBe(404);
    expect((await new Visitor(t.app).get(`/partner/posts/${bluesky!.id}/image`)).statusCode).not.toBe(200);
  });
});
