/**
 * The operator's side of the autopilot over HTTP: which text earns on a campaign's page, the
 * partner's « Ce que l'autopilote t'a rapporté » (also when zero, with how to turn it on), and the
 * operator's pauses of a campaign's or a partner's publishing (confirmed, audited, refused to
 * partners and for unknown ids, a second pause or a resume of what is not paused a conflict).
 */
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { listPublications, preparePublications } from '../../src/modules/publishing/publications.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, click, countRows, partnerIdByEmail } from '../support/fixtures.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('the autopilot’s figures and the operator’s pauses over HTTP, on %s', (engine) => {
  let t: TestApp;
  let ops: Visitor;
  let lina: Visitor;
  let linaId: string;

  beforeAll(async () => {
    t = await createTestApp(engine, { ADMIN_EMAILS: 'ops@example.com' });
    ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
    linaId = await partnerIdByEmail(t.database.db, 'lina@example.com');
  });
  afterAll(async () => t?.close());

  const db = () => t.database.db;

  it('shows the partner what the autopilot brought: zero with how to turn it on, then its publications, clicks and euros', async () => {
    const empty = await lina.get('/partners/earnings');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('<h2 id="autopilot-title">Ce que l’autopilote t’a rapporté</h2>');
    expect(empty.body).toContain('<h3>7 derniers jours</h3>');
    expect(empty.body).toContain('<h3>30 derniers jours</h3>');
    expect(empty.body).toContain('<a href="/partner/portal#accounts">Active-le pour un compte dans « Comptes connectés ».</a>');
    expect(empty.body).toMatch(/<div class="main"><dt>Gains<\/dt><dd>0,00\u00a0€<\/dd><\/div>/);

    const campaign = await addCampaign(db(), '0.45', 'Autopilote');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    await ops.post(`/admin/campaigns/${campaign.id}/templates`, { locale: 'fr', network: '', texts: 'Texte A : {link}\n---\nTexte B : {link}' });
    await connectAssisted(db(), linaId, { network: 'x', handle: '@lina' });
    await connectAssisted(db(), linaId, { network: 'instagram', handle: '@lina' });
    await preparePublications(db(), t.config, linaId);
    const [first, second] = await listPublications(db(), t.config, linaId, ['pending_review']);
    await db().execute(sql`update publications set state = 'published', remote_url = 'https://x.example/1', published_at = now() - interval '1 day', autopilot = true where id = ${first!.id}`);
    for (let i = 0; i < 3; i++) await click(db(), first!.linkCode);
    await click(db(), second!.linkCode);

    const page = await lina.get('/partners/earnings?lang=en');
    expect(page.body).toContain('What the autopilot earned you');
    expect(page.body).toMatch(/<dt>Publications out<\/dt><dd>1<\/dd><\/div>\s*<div><dt>Valid clicks<\/dt><dd>3<\/dd><\/div>\s*<div class="main"><dt>Earnings<\/dt><dd>€1.35<\/dd>/);
    expect(page.body).toContain('Adjust the autopilot in “Connected accounts”.');
    await lina.get('/partners/earnings?lang=fr');

    // The operator sees which text earned: named at the top of the section, first in its post.
    const admin = await ops.get(`/admin/campaigns/${campaign.id}`);
    const winner = first!.text.includes('Texte A') ? 'Texte A' : 'Texte B';
    expect(admin.body).toContain(`Le texte qui rapporte le plus : « ${winner} : {link} », 1,35\u00a0€ pour 3 clics valides.`);
    expect(admin.body).toContain('<dt>Autopilote</dt><dd>1 sur 1 publiée</dd>');
    expect(admin.body.indexOf(`<p class="template-text">${winner} : {link}</p>`)).toBeLessThan(admin.body.indexOf(`<p class="template-text">${winner === 'Texte A' ? 'Texte B' : 'Texte A'} : {link}</p>`));
  });

  const pausedAt = async (table: 'campaigns' | 'partners', id: string) =>
    (await queryRows<{ paused: boolean }>(db(), sql`select publishing_paused_at is not null as paused from ${sql.identifier(table)} where id = ${id}`))[0]!.paused;

  it('pauses a campaign’s publishing once confirmed, says since when, refuses a second pause, resumes, and audits both', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Pause <campagne>');
    const page = await ops.get(`/admin/campaigns/${campaign.id}`);
    expect(page.body).toContain('<h2 id="publishing-title">Publication des posts</h2>');
    expect(page.body).toContain(`<form method="post" action="/admin/campaigns/${campaign.id}/publishing" class="inline">`);
    expect(page.body).toContain('<input type="hidden" name="action" value="pause"><button type="submit" class="secondary">Mettre la publication en pause</button>');

    // The first POST only says what will happen.
    const asked = await ops.post(`/admin/campaigns/${campaign.id}/publishing`, { action: 'pause' });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Mettre en pause la publication de « Pause &lt;campagne&gt; » ?');
    expect(asked.body).toContain('0 publication validée ou programmée sera retenue');
    expect(asked.body).toContain('Les liens redirigent toujours et les clics comptent toujours.');
    expect(asked.body).toContain('<input type="hidden" name="confirm" value="1">');
    expect(await pausedAt('campaigns', campaign.id)).toBe(false);

    const paused = await ops.post(`/admin/campaigns/${campaign.id}/publishing`, { action: 'pause', confirm: '1' });
    expect(paused.statusCode).toBe(303);
    expect(paused.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=publishing_paused#publishing`);
    expect(await pausedAt('campaigns', campaign.id)).toBe(true);
    const shown = await ops.get(paused.headers.location as string);
    expect(shown.body).toContain('<p class="ok" role="status">Publication mise en pause : rien ne part jusqu’à la reprise.</p>');
    expect(shown.body).toMatch(/<p class="notice"><strong>Publication en pause depuis le \d{1,2} [^<]+ \d{4}, \d{2}:\d{2} UTC\.<\/strong> Rien de cette campagne ne part/);
    expect(shown.body).toContain('<input type="hidden" name="action" value="resume"><button type="submit">Reprendre la publication</button>');
    expect((await ops.get(`/admin/campaigns/${campaign.id}?lang=en`)).body).toMatch(/Publishing paused since \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC\./);
    await ops.get(`/admin/campaigns/${campaign.id}?lang=fr`);

    // Paused already (another tab): a conflict above the page, nothing changed, nothing audited.
    const twice = await ops.post(`/admin/campaigns/${campaign.id}/publishing`, { action: 'pause', confirm: '1' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('<p class="error" role="alert">La publication de cette campagne est déjà en pause.</p>');
    expect(await countRows(db(), sql`audit_log where action = 'campaign_publishing_paused' and subject = ${`campaign:${campaign.id}`}`)).toBe(1);

    const resumeAsked = await ops.post(`/admin/campaigns/${campaign.id}/publishing`, { action: 'resume' });
    expect(resumeAsked.statusCode).toBe(200);
    expect(resumeAsked.body).toContain('Reprendre la publication de « Pause &lt;campagne&gt; » ?');
    expect(await pausedAt('campaigns', campaign.id)).toBe(true);
    const resumed = await ops.post(`/admin/campaigns/${campaign.id}/publishing`, { action: 'resume', confirm: '1' });
    expect(resumed.headers.location).toBe(`/admin/campaigns/${campaign.id}?done=publishing_resumed#publishing`);
    expect(await pausedAt('campaigns', campaign.id)).toBe(false);
    expect((await ops.get(resumed.headers.location as string)).body).toContain('Publication reprise : ce qui était retenu repart.');
    const again = await ops.post(`/admin/campaigns/${campaign.id}/publishing`, { action: 'resume', confirm: '1' });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('La publication de cette campagne n’est pas en pause : rien à reprendre.');

    const audit = await ops.get('/admin/audit?kind=campaigns');
    expect(audit.body).toContain('Publication de la campagne mise en pause');
    expect(audit.body).toContain('Publication de la campagne reprise');
    expect(audit.body).toContain('0 publication en attente, 0 retenue');
  });

  it('pauses and resumes a partner’s publishing from their page, audited under the partner', async () => {
    const page = await ops.get(`/admin/partners/${linaId}`);
    expect(page.body).toContain(`<form method="post" action="/admin/partners/${linaId}/publishing" class="inline">`);
    const asked = await ops.post(`/admin/partners/${linaId}/publishing`, { action: 'pause' });
    expect(asked.body).toContain('Mettre en pause la publication de lina@example.com ?');
    expect(asked.body).toContain('Plus rien de ce partenaire ne sera publié, sur aucun de ses comptes');
    const paused = await ops.post(`/admin/partners/${linaId}/publishing`, { action: 'pause', confirm: '1' });
    expect(paused.headers.location).toBe(`/admin/partners/${linaId}?done=publishing_paused#publishing`);
    expect(await pausedAt('partners', linaId)).toBe(true);
    const shown = await ops.get(paused.headers.location as string);
    expect(shown.body).toContain('Publication en pause depuis le ');
    expect(shown.body).toContain('Rien de ce partenaire ne part');
    const twice = await ops.post(`/admin/partners/${linaId}/publishing`, { action: 'pause', confirm: '1' });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('<p class="error" role="alert">La publication de ce partenaire est déjà en pause.</p>');
    const resumed = await ops.post(`/admin/partners/${linaId}/publishing`, { action: 'resume', confirm: '1' });
    expect(resumed.statusCode).toBe(303);
    expect(await pausedAt('partners', linaId)).toBe(false);
    const log = await ops.get('/admin/audit?partner=lina%40example.com');
    expect(log.body).toContain('Publication du partenaire mise en pause');
    expect(log.body).toContain('Publication du partenaire reprise');
  });

  it('refuses partners, visitors, unknown ids, an unknown action and a form without its CSRF token, changing nothing', async () => {
    const campaign = await addCampaign(db(), '0.12', 'Pause refusée');
    await ops.get(`/admin/campaigns/${campaign.id}`);
    const urls = [`/admin/campaigns/${campaign.id}/publishing`, `/admin/partners/${linaId}/publishing`];
    await lina.get('/partner/portal');
    for (const url of urls) {
      expect((await lina.post(url, { action: 'pause', confirm: '1' })).statusCode, url).toBe(403);
      const anonymous = await t.app.inject({ method: 'POST', url, payload: 'action=pause&confirm=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(anonymous.statusCode, url).toBe(403);
      await ops.get(`/admin/campaigns/${campaign.id}`);
      expect((await ops.post(url, { action: 'pause', confirm: '1', _csrf: '' })).statusCode, url).toBe(403);
      const unknown = await ops.post(url, { action: 'stop', confirm: '1' });
      expect(unknown.statusCode, url).toBe(400);
      expect(unknown.body).toContain('<p class="error" role="alert">Choisis de mettre en pause ou de reprendre la publication.</p>');
    }
    for (const url of ['/admin/campaigns/00000000-0000-0000-0000-000000000000/publishing', '/admin/campaigns/nope/publishing', '/admin/partners/00000000-0000-0000-0000-000000000000/publishing', '/admin/partners/nope/publishing']) {
      await ops.get(`/admin/campaigns/${campaign.id}`);
      expect((await ops.post(url, { action: 'pause', confirm: '1' })).statusCode, url).toBe(404);
    }
    expect(await pausedAt('campaigns', campaign.id)).toBe(false);
    expect(await pausedAt('partners', linaId)).toBe(false);
  });
});
