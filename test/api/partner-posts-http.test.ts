/**
 * The partner's posts over HTTP: the portal says how many wait; /partner/posts shows each with its
 * account and its limit; an approval with an edit that drops the disclosure is refused on its card
 * with the text kept; an approval of someone else's publication is a 404; a hand-shared account
 * (X) added from the portal, its post approved, shared and confirmed by its address; the account's
 * « Tester » button against a local Mastodon instance, and its last publication in the portal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonConnection, finishMastodonConnection } from '../../src/modules/publishing/accounts.js';
import { mastodonClient } from '../../src/modules/publishing/mastodon-adapter.js';
import { createTemplate } from '../../src/modules/publishing/templates.js';
import { ENGINES } from '../support/databases.js';
import { addCampaign, operator, partnerIdByEmail } from '../support/fixtures.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

const decode = (text: string) => text.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

describe.each(ENGINES)('the partner’s posts over HTTP on %s', (engine) => {
  let t: TestApp;
  let lina: Visitor;
  let instance: FakeMastodon;

  beforeAll(async () => {
    instance = await startFakeMastodon();
    t = await createTestApp(engine, { PUBLISHING_ALLOW_LOOPBACK: 'true', ADMIN_EMAILS: 'ops@example.com' });
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
    const campaign = await addCampaign(t.database.db, '0.30', 'Box bio');
    await createTemplate(t.database.db, t.config, campaign.id, { locale: 'fr', texts: 'Ma box bio du mois : {link} #bio' }, operator);
  });
  afterAll(async () => {
    await t?.close();
    await instance?.close();
  });

  it('adds a hand-shared X account, then lists its post to review with the limit as X counts it', async () => {
    await lina.get('/partner/portal');
    const refused = await lina.post('/partner/accounts/assisted', { network: 'x', handle: 'lina bio' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/<input id="acc-assistedHandle"[^>]*value="lina bio"[^>]*aria-invalid="true"/);
    const added = await lina.post('/partner/accounts/assisted', { network: 'x', handle: '@lina_bio' });
    expect(added.statusCode).toBe(303);
    const portal = await lina.get('/partner/portal');
    expect(portal.body).toContain('1 post t’attend');
    expect(portal.body).toContain('Partage assisté : tu publies toi-même');
    expect(portal.body).not.toContain('/test"');

    const page = await lina.get('/partner/posts');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Posts à publier</h1>');
    expect(page.body).toContain('<strong>X</strong> · @lina_bio · Box bio');
    expect(page.body).toMatch(/\d+ \/ 280 caractères\./);
    expect(decode(page.body)).toContain('Publicité · Box bio\nMa box bio du mois : http://partners.test/r/');
  });

  it('refuses an edit without the disclosure on its card, keeps the text, and hides others’ publications', async () => {
    const page = await lina.get('/partner/posts');
    const id = /action="\/partner\/posts\/([0-9a-f-]{36})\/approve"/.exec(page.body)![1]!;
    const text = decode(/<textarea id="text-[^"]+" name="text"[^>]*>([^<]*)<\/textarea>/.exec(page.body)![1]!);
    const edited = text.replace('Publicité · Box bio\n', '');
    const refused = await lina.post(`/partner/posts/${id}/approve`, { text: edited });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Le texte doit commencer par la mention « Publicité · Box bio »');
    expect(refused.body).toMatch(new RegExp(`<textarea id="text-${id}"[^>]*aria-invalid="true"`));
    expect(decode(refused.body)).toContain(edited);

    const nadia = new Visitor(t.app);
    await nadia.signIn('nadia@example.com', t.mailer);
    await nadia.get('/partner/posts');
    expect((await nadia.post(`/partner/posts/${id}/approve`, { text })).statusCode).toBe(404);
    expect((await lina.post(`/partner/posts/${id}/whatever`, {})).statusCode).toBe(404);
    expect((await lina.post(`/partner/posts/${id}/approve`, { text, _csrf: '' })).statusCode).toBe(403);
  });

  it('approves a hand-shared post, shows it to share with X’s intent, and records its address', async () => {
    const page = await lina.get('/partner/posts');
    const id = /action="\/partner\/posts\/([0-9a-f-]{36})\/approve"/.exec(page.body)![1]!;
    const approved = await lina.post(`/partner/posts/${id}/approve`, {});
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe('/partner/posts?done=shared#posts-done');
    const share = await lina.get('/partner/posts?done=shared');
    expect(share.body).toContain('copie le texte, publie-le');
    expect(share.body).toContain('href="https://x.com/intent/post?text=Publicit%C3%A9%20%C2%B7%20Box%20bio');
    const wrong = await lina.post(`/partner/posts/${id}/published`, { url: 'https://example.com/post/1' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Colle l’adresse de ton post');
    const done = await lina.post(`/partner/posts/${id}/published`, { url: 'https://x.com/lina_bio/status/1864000000000000001' });
    expect(done.headers.location).toBe('/partner/posts?done=confirmed#posts-done');
    const after = await lina.get('/partner/posts?done=confirmed');
    expect(after.body).toContain('Merci : le post est noté comme publié.');
    expect(after.body).toContain('href="https://x.com/lina_bio/status/1864000000000000001"');
    expect(after.body).toContain('0 clic · 0 valide · 0,00');
    const portal = await lina.get('/partner/portal');
    expect(portal.body).toMatch(/Dernière publication : publiée, le \d+/);

    // The operator sees it on the partner's page, with its address and figures.
    const ops = new Visitor(t.app);
    await ops.signIn('ops@example.com', t.mailer);
    const partnerId = await partnerIdByEmail(t.database.db, 'lina@example.com');
    const operatorPage = await ops.get(`/admin/partners/${partnerId}`);
    expect(operatorPage.body).toContain('Publications (les 30 dernières)');
    expect(operatorPage.body).toMatch(/X · @lina_bio<\/td><td[^>]*>Box bio<\/td><td[^>]*>publiée · \d+/);
    expect(operatorPage.body).toContain('href="https://x.com/lina_bio/status/1864000000000000001"');
  });

  it('tests a Mastodon account: in order, then refused and flagged to reconnect', async () => {
    const partnerId = await partnerIdByEmail(t.database.db, 'lina@example.com');
    const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
    const client = mastodonClient(local);
    const { authorizeUrl } = await startMastodonConnection(t.database.db, t.config, partnerId, { instance: instance.origin }, client, local);
    const back = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    const account = await finishMastodonConnection(t.database.db, t.config, partnerId, { state: back.searchParams.get('state'), code: back.searchParams.get('code') }, client);
    const tested = await lina.post(`/partner/accounts/${account.id}/test`, {});
    expect(tested.statusCode).toBe(200);
    expect(tested.body).toContain(`Le compte ${account.label} répond : tout est en ordre.`);
    instance.revokeTokens();
    const refused = await lina.post(`/partner/accounts/${account.id}/test`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain(`Le réseau refuse l’accès au compte ${account.label} : reconnecte-le.`);
    expect(refused.body).toContain('À reconnecter');
    expect((await lina.post('/partner/accounts/00000000-0000-4000-8000-000000000000/test', {})).statusCode).toBe(404);
  });
});
