/**
 * Connected accounts from the portal, over HTTP: a webhook's secret shown once (never again, not
 * cached), refusals next to their field with nothing written, Mastodon connected through a local
 * instance and back, a declined authorization, removal, CSRF on every form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('connected accounts over HTTP on %s', (engine) => {
  let t: TestApp;
  let lina: Visitor;
  let instance: FakeMastodon;

  beforeAll(async () => {
    instance = await startFakeMastodon();
    t = await createTestApp(engine, { PUBLISHING_ALLOW_LOOPBACK: 'true' });
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
  });
  afterAll(async () => {
    await t?.close();
    await instance?.close();
  });

  it('shows the section, connects a webhook with its secret shown this once, and refuses bad addresses next to the field', async () => {
    const portal = await lina.get('/partner/portal');
    expect(portal.body).toContain('<h2 id="accounts-title">Comptes connectés</h2>');
    expect(portal.body).toContain('Aucun compte connecté pour l’instant.');

    const refused = await lina.post('/partner/accounts/webhook', { url: 'http://10.1.2.3/hook' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/<input id="acc-url" name="url" type="url"[^>]*value="http:\/\/10.1.2.3\/hook"[^>]*aria-invalid="true"[^>]*autofocus>/);
    expect(refused.body).toContain('est sur un réseau privé ou local');
    expect(refused.body).toContain('Aucun compte connecté pour l’instant.');

    const connected = await lina.post('/partner/accounts/webhook', { url: 'http://127.0.0.1:5678/webhook/pe' });
    expect(connected.statusCode).toBe(200);
    expect(connected.headers['cache-control']).toBe('no-store');
    const secret = /<input id="acc-secret" type="text" readonly value="(whsec_[A-Za-z0-9_-]+)">/.exec(connected.body)?.[1];
    expect(secret).toBeDefined();
    const again = await lina.get('/partner/portal');
    expect(again.body).toContain('127.0.0.1:5678/webhook/pe');
    expect(again.body).not.toContain(secret!);
    expect(again.body).toContain('Connecté');
  });

  it('connects Mastodon through the instance and back, and says so when the partner declines there', async () => {
    await lina.get('/partner/portal');
    const started = await lina.post('/partner/accounts/mastodon', { instance: instance.origin });
    expect(started.statusCode).toBe(200);
    const authorize = /<a class="button" href="([^"]+)"/.exec(started.body)?.[1]?.replace(/&amp;/g, '&');
    expect(authorize).toMatch(new RegExp(`^${instance.origin}/oauth/authorize\\?`));
    const back = new URL((await fetch(authorize!, { redirect: 'manual' })).headers.get('location')!);
    expect(back.pathname).toBe('/partner/accounts/mastodon/callback');
    const finished = await lina.get(`${back.pathname}${back.search}`);
    expect(finished.statusCode).toBe(303);
    expect(finished.headers.location).toBe('/partner/portal?accounts=connected#accounts-done');
    const portal = await lina.get('/partner/portal?accounts=connected');
    expect(portal.body).toContain('Compte connecté.');
    expect(portal.body).toContain(`@lina@${new URL(instance.origin).host}`);
    // The same return a second time: used, refused, nothing added.
    const replay = await lina.get(`${back.pathname}${back.search}`);
    expect(replay.statusCode).toBe(409);
    expect(replay.body).toContain('Cette connexion a expiré ou a déjà servi.');
    const declined = await lina.get('/partner/accounts/mastodon/callback?error=access_denied&error_description=The+resource+owner+denied+the+request.');
    expect(declined.statusCode).toBe(409);
    expect(declined.body).toContain('La connexion n’a pas été autorisée sur ton serveur Mastodon');
    expect((await lina.get('/partner/portal')).body.match(/<li class="account /g)).toHaveLength(2);
  });

  it('removes an account, and refuses any form without its CSRF token', async () => {
    const portal = await lina.get('/partner/portal');
    const id = /action="\/partner\/accounts\/([0-9a-f-]{36})\/remove"/.exec(portal.body)![1]!;
    expect((await lina.post(`/partner/accounts/${id}/remove`, { _csrf: '' })).statusCode).toBe(403);
    expect((await lina.post('/partner/accounts/webhook', { url: 'http://127.0.0.1:1/x', _csrf: '' })).statusCode).toBe(403);
    expect((await lina.get('/partner/portal')).body.match(/<li class="account /g)).toHaveLength(2);
    const removed = await lina.post(`/partner/accounts/${id}/remove`, {});
    expect(removed.statusCode).toBe(303);
    expect(removed.headers.location).toBe('/partner/portal?accounts=removed#accounts-done');
    expect((await lina.get('/partner/portal?accounts=removed')).body).toContain('Compte retiré : ses accès ont été effacés.');
    expect((await lina.post(`/partner/accounts/${id}/remove`, {})).statusCode).toBe(404);
    expect((await lina.get('/partner/portal')).body.match(/<li class="account /g)).toHaveLength(1);
  });
});
