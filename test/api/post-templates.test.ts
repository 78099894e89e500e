/**
 * The « Posts » section of a campaign's page, over HTTP: a post created with its texts, refusals
 * next to their field with nothing written, texts added, a post withdrawn only once confirmed (the
 * first POST says how many waiting publications disappear), the campaign's brand in the posts,
 * closed to partners, CSRF on every form. And the demo's posts, so a newcomer sees them working.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { loadDemoData } from '../../src/modules/demo/demo-data.js';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { listPublications, preparePublications } from '../../src/modules/publishing/publications.js';
import { campaignTemplates } from '../../src/modules/publishing/templates.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, countRows, ledgerProblems, partnerIdByEmail } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('operators write posts on a campaign’s page, on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let lina: Visitor;

  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
  });
  afterAll(async () => t?.close());

  const db = () => t.database.db;
  const templatesOf = (campaignId: string) => countRows(db(), sql`post_templates where campaign_id = ${campaignId}`);
  const variantsOf = (campaignId: string) => countRows(db(), sql`post_variants v join post_templates p on p.id = v.template_id where p.campaign_id = ${campaignId}`);
  const templateIds = async (campaignId: string) =>
    (await queryRows<{ id: string }>(db(), sql`select id from post_templates where campaign_id = ${campaignId} order by created_at`)).map((row) => row.id);

  it('creates a post: the section lists it with its texts, language and network, and its status', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Box <bio>');
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain('<h2 id="posts-title">Posts</h2>');
    expect(page.body).toContain('Aucun post pour l’instant.');
    expect(page.body).toContain('Publicité · Box &lt;bio&gt;\u00a0» est ajouté au début automatiquement.');

    const created = await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: '', texts: 'Ma box est arrivée : {link}\n---\nDe saison, et <locale> !' });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=template_created#posts`);
    const shown = await ops.get(created.headers.location as string);
    expect(shown.body).toContain('Post créé : les partenaires ayant un compte connecté le reçoivent à valider.');
    // Its texts, the best earning first: none earned yet, so in the order written.
    expect(shown.body).toContain('<h4>Textes, du plus rentable au moins rentable</h4>');
    expect(shown.body).toMatch(/<li><p class="template-text-meta">Français · Tous les réseaux<\/p><p class="template-text">Ma box est arrivée : \{link\}<\/p><dl class="text-figures"><div><dt>Publications<\/dt><dd>0<\/dd><\/div>.*<\/dl><\/li><li><p class="template-text-meta">Français · Tous les réseaux<\/p><p class="template-text">De saison, et &lt;locale&gt; !<\/p>/s);
    expect(shown.body).toContain('De saison, et &lt;locale&gt; !');
    expect(shown.body).toContain('<span class="status status-template-active">actif</span>');
    expect(shown.body).toContain('aucune pour l’instant');
    expect(shown.body).toContain('0 clic · 0 valide · 0,00');
    expect(await variantsOf(campaign.id)).toBe(2);

    const english = await ops.get(`/admin/campaigns/${campaign.id}?lang=en`);
    expect(english.body).toContain('French · Every network');
    expect(english.body).toContain('“Ad · Box &lt;bio&gt;” is added at the start automatically.');
    await ops.get(`/admin/campaigns/${campaign.id}?lang=fr`);
  });

  it('refuses a text too long for Bluesky or an unknown language next to its field, writing nothing', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Refus');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    const long = 'Un texte bien trop long pour Bluesky. '.repeat(9);
    const tooLong = await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: 'bluesky', texts: long });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toMatch(/<textarea id="tn-texts" name="texts" rows="6" aria-invalid="true" aria-describedby="tn-texts-error tn-texts-help">/);
    expect(tooLong.body).toMatch(/<p class="error" id="tn-texts-error" role="alert">Le texte n° 1 ne tient pas sur Bluesky : \d+ caractères avec la mention et le lien, pour 300 au plus.<\/p>/);
    // What was typed stays, the network still chosen.
    expect(tooLong.body).toContain(long.trim());
    expect(tooLong.body).toContain('<option value="bluesky" selected>Bluesky</option>');

    const unknown = await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'de', network: '', texts: 'Hallo {link}' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('<select id="tn-locale" name="locale" aria-invalid="true" aria-describedby="tn-locale-error">');
    expect(unknown.body).toContain('<p class="error" id="tn-locale-error" role="alert">Choisis la langue du texte : français ou anglais.</p>');

    const none = await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'en', network: '', texts: '\n---\n' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('id="tn-texts-error" role="alert">Écris de 1 à 10 textes');
    expect(await templatesOf(campaign.id)).toBe(0);
  });

  it('adds texts to a post, refused next to the post’s own field when too long', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Ajouts');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: '', texts: 'Premier : {link}' });
    const [id] = await templateIds(campaign.id);
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain(`action="/admin/templates/${id}/texts#template-${id}"`);

    const added = await ops.post(`/admin/templates/${id}/texts`, { locale: 'en', network: 'mastodon', texts: 'First: {link}' });
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=template_texts#posts`);
    const shown = await ops.get(added.headers.location as string);
    expect(shown.body).toContain('Textes ajoutés au post.');
    expect(shown.body).toContain('<li><p class="template-text-meta">Anglais · Mastodon</p><p class="template-text">First: {link}</p>');

    const refused = await ops.post(`/admin/templates/${id}/texts`, { locale: 'fr', network: 'x', texts: 'x'.repeat(300) });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(`<details class="template-add" open>`);
    expect(refused.body).toContain(`<p class="error" id="t-${id}-texts-error" role="alert">Le texte n° 1 ne tient pas sur X :`);
    // The « Nouveau post » form is not blamed.
    expect(refused.body).not.toContain('id="tn-texts-error"');
    expect(await variantsOf(campaign.id)).toBe(2);
    expect((await ops.post('/admin/templates/00000000-0000-0000-0000-000000000000/texts', { locale: 'fr', texts: 'X' })).statusCode).toBe(404);
    expect((await ops.post('/admin/templates/not-a-post/texts', { locale: 'fr', texts: 'X' })).statusCode).toBe(404);
  });

  it('withdraws a post only once confirmed: the first POST says how many waiting publications disappear', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Retrait');
    const linaId = await partnerIdByEmail(db(), 'lina@example.com');
    await connectAssisted(db(), linaId, { network: 'x', handle: '@lina' });
    await ops.get(`/admin/campaigns/${campaign.id}`);
    await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: '', texts: 'À retirer : {link}' });
    const [id] = await templateIds(campaign.id);
    expect(await preparePublications(db(), t.config, linaId)).toBeGreaterThanOrEqual(1);
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain('1 à valider');

    const asked = await ops.post(`/admin/templates/${id}/withdraw`, {});
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toMatch(/<h1 class="wrap">Retirer le post du [^<]+ \?<\/h1>/);
    expect(asked.body).toContain('1 publication en attente (à valider ou validée) disparaîtra de chez les partenaires.');
    expect(asked.body).toContain('0 publication déjà publiée reste en ligne, avec ses clics.');
    expect(asked.body).toContain('name="confirm" value="1"');
    expect(asked.body).toContain(`href="/admin/campaigns/${campaign.id}#template-${id}"`);
    const state = async () => (await queryRows<{ status: string }>(db(), sql`select status from post_templates where id = ${id}`))[0]!.status;
    expect(await state()).toBe('active');

    // The confirmation is a form like any other: without its CSRF token it is refused.
    expect((await ops.post(`/admin/templates/${id}/withdraw`, { confirm: '1', _csrf: '' })).statusCode).toBe(403);
    expect(await state()).toBe('active');

    const confirmed = await ops.post(`/admin/templates/${id}/withdraw`, { confirm: '1' });
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=template_withdrawn#posts`);
    expect(await state()).toBe('withdrawn');
    expect(await countRows(db(), sql`publications where template_id = ${id} and state = 'withdrawn'`)).toBe(1);
    const shown = await ops.get(confirmed.headers.location as string);
    expect(shown.body).toContain('Post retiré : ses publications en attente ont disparu ; celles déjà publiées restent.');
    expect(shown.body).toMatch(/<span class="status status-template-withdrawn">retiré le [^<]+<\/span>/);
    expect(shown.body).toContain('1 retirée');
    expect(shown.body).not.toContain(`action="/admin/templates/${id}/texts`);

    // Withdrawn already: said on the post, nothing asked again.
    const again = await ops.post(`/admin/templates/${id}/withdraw`, {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('<p class="error" role="alert">Ce post a été retiré.</p>');
  });

  it('names the campaign’s brand in posts: an optional field of the campaign’s form, in the audit log', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Démo marque');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(ops.lastPage).toContain('<input id="c-brand" name="brand" type="text" maxlength="60" value="">');
    const fields = { name: 'Démo marque', targetUrl: 'https://brand.example/', ratePerClickEur: '0,12', posts: '' };
    const tooLong = await ops.post(`/admin/campaigns/${campaign.id}`, { ...fields, brand: 'B'.repeat(61) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('<p class="error" id="c-brand-error" role="alert">La marque affichée doit faire au plus 60 caractères.');
    const saved = await ops.post(`/admin/campaigns/${campaign.id}`, { ...fields, brand: '  Maison Verte ' });
    expect(saved.statusCode).toBe(303);
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain('value="Maison Verte"');
    expect(page.body).toContain('Publicité · Maison Verte\u00a0» au début.');
    expect((await queryRows<{ brand: string | null }>(db(), sql`select brand from campaigns where id = ${campaign.id}`))[0]!.brand).toBe('Maison Verte');
    // Emptied: the campaign's name again.
    await ops.post(`/admin/campaigns/${campaign.id}`, { ...fields, brand: '' });
    expect((await queryRows<{ brand: string | null }>(db(), sql`select brand from campaigns where id = ${campaign.id}`))[0]!.brand).toBeNull();
    const audit = await ops.get('/admin/audit');
    expect(audit.body).toContain('marque affichée');
  });

  it('keeps these routes closed to partners and visitors, and refuses forms without their CSRF token', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Fermé');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: '', texts: 'Texte : {link}' });
    const [id] = await templateIds(campaign.id);
    const routes: Array<[string, Record<string, string>]> = [
      [`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', texts: 'Intrus {link}' }],
      [`/admin/templates/${id}/texts`, { locale: 'fr', texts: 'Intrus {link}' }],
      [`/admin/templates/${id}/withdraw`, { confirm: '1' }],
    ];
    await lina.get('/partner/portal');
    for (const [url, fields] of routes) {
      expect((await lina.post(url, fields)).statusCode, url).toBe(403);
      expect((await t.app.inject({ method: 'POST', url, payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode, url).toBe(403);
      await ops.get(`/admin/campaigns/${campaign.id}`);
      expect((await ops.post(url, { ...fields, _csrf: '' })).statusCode, url).toBe(403);
    }
    expect(await templatesOf(campaign.id)).toBe(1);
    expect(await variantsOf(campaign.id)).toBe(1);
    expect((await queryRows<{ status: string }>(db(), sql`select status from post_templates where id = ${id}`))[0]!.status).toBe('active');
  });

  it('offers no new post on an ended campaign', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Finie');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    await ops.post(`/admin/campaigns/${campaign.id}/status`, { status: 'ended', confirm: '1' });
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain('Cette campagne est terminée : on ne peut plus y ajouter de posts.');
    expect(page.body).not.toContain(`action="/admin/campaigns/${campaign.id}/templates`);
    const refused = await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: '', texts: 'Trop tard {link}' });
    expect(refused.statusCode).toBe(409);
    expect(await templatesOf(campaign.id)).toBe(0);
  });
});

describe.each(ENGINES)('the demo’s posts, on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    await loadDemoData(t.database.db, new Date(), t.config);
  });
  afterAll(async () => t?.close());

  it('gives each active campaign posts in French and English, and Lina publications to review and one out', async () => {
    const db = t.database.db;
    const campaigns = await queryRows<{ id: string; status: string; brand: string | null }>(db, sql`select id, status, brand from campaigns order by created_at`);
    for (const campaign of campaigns) {
      const templates = await campaignTemplates(db, campaign.id);
      if (campaign.status !== 'active') {
        expect(templates).toEqual([]);
        continue;
      }
      expect(templates.length).toBeGreaterThanOrEqual(1);
      expect(new Set(templates.flatMap((template) => template.variants.map((variant) => variant.locale)))).toEqual(new Set(['fr', 'en']));
      expect(campaign.brand).toContain('démo');
    }
    const all = (await Promise.all(campaigns.map((campaign) => campaignTemplates(db, campaign.id)))).flat();
    // One with a variant (two texts of one language for every network).
    expect(all.some((template) => template.variants.filter((variant) => variant.locale === 'fr' && variant.network === null).length > 1)).toBe(true);
    const published = all.filter((template) => (template.states.published ?? 0) > 0);
    expect(published).toHaveLength(1);
    expect(published[0]!.validClicks).toBeGreaterThan(0);
    expect(published[0]!.earnedCents).toBeGreaterThan(0);
    expect(all.reduce((sum, template) => sum + (template.states.pending_review ?? 0), 0)).toBeGreaterThanOrEqual(2);

    const lina = await partnerIdByEmail(db, 'lina.demo@example.com');
    const [out] = await listPublications(db, t.config, lina, ['published']);
    expect(out!.remoteUrl).toMatch(/^https:\/\/x\.com\//);
    expect(out!.publishedAt!.getTime()).toBeLessThan(Date.now() - 86_400_000);
    expect(out!.text).toMatch(/^Publicité · Box bio \(démo\)\n/);
    expect(await listPublications(db, t.config, lina, ['pending_review'])).not.toHaveLength(0);
    expect(await ledgerProblems(db)).toEqual([]);

    const ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    const page = await ops.get(`/admin/campaigns/${campaigns[0]!.id}`);
    expect(page.body).toContain('1 publiée');
    expect(page.body).toContain('Anglais · Tous les réseaux');
  });
});
