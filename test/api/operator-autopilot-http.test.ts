/**
 * The operator's side of the autopilot over HTTP: which text earns on a campaign's page, the
 * partner's « Ce que l'autopilote t'a rapporté » (also when zero, with how to turn it on), and the
 * operator's pauses of a campaign's or a partner's publishing (confirmed, audited, refused to
 * partners and for unknown ids, a second pause or a resume of what is not paused a conflict).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAssisted } from '../../src/modules/publishing/assisted-accounts.js';
import { listPublications, preparePublications } from '../../src/modules/publishing/publications.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, click, partnerIdByEmail } from '../support/fixtures.js';
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
});
