/**
 * Connecting Bluesky from the portal, over HTTP, against a real PDS (@atproto/dev-env): the form
 * (an app password field that is never filled again), a refused app password said next to its
 * field, bad servers refused clearly, the account shown once connected, CSRF as on every form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlueskyServer, type BlueskyServer } from '../support/bluesky-server.js';
import { ENGINES } from '../support/databases.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

let server: BlueskyServer;
beforeAll(async () => {
  server = await startBlueskyServer('lina.test');
}, 120_000);
afterAll(async () => {
  await server?.close();
});

describe.each(ENGINES)('connecting Bluesky over HTTP on %s', (engine) => {
  let t: TestApp;
  let lina: Visitor;

  beforeAll(async () => {
    t = await createTestApp(engine, { PUBLISHING_ALLOW_LOOPBACK: 'true' });
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the form, refuses a wrong app password or a bad server next to its field, and connects with the right one', async () => {
    const portal = await lina.get('/partner/portal');
    expect(portal.body).toContain('<form method="post" action="/partner/accounts/bluesky"');
    expect(portal.body).toMatch(/<input id="acc-appPassword" name="appPassword" type="password" autocomplete="off"/);
    expect(portal.body).toContain('<summary>Serveur (facultatif)</summary>');
    expect(portal.body).toContain('Ne donne jamais ton mot de passe principal.');

    const wrong = await lina.post('/partner/accounts/bluesky', { handle: '@lina.test', appPassword: 'wxyz-wxyz-wxyz-wxyz', service: server.service });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toMatch(/<input id="acc-appPassword" name="appPassword" type="password"[^>]*aria-invalid="true"[^>]*autofocus>/);
    expect(wrong.body).toContain('Bluesky a refusé cet identifiant ou ce mot de passe d’application.');
    // What was typed comes back, except the password.
    expect(wrong.body).toContain('value="@lina.test"');
    expect(wrong.body).not.toContain('wxyz-wxyz-wxyz-wxyz');
    expect(wrong.body).toContain('Aucun compte connecté pour l’instant.');

    const privateServer = await lina.post('/partner/accounts/bluesky', { handle: 'lina.test', appPassword: server.appPassword, service: 'https://10.1.2.3' });
    expect(privateServer.statusCode).toBe(400);
    expect(privateServer.body).toMatch(/<details open>/);
    expect(privateServer.body).toMatch(/<input id="acc-service" name="service"[^>]*value="https:\/\/10.1.2.3"[^>]*aria-invalid="true"/);
    expect(privateServer.body).toContain('Le serveur 10.1.2.3 est sur un réseau privé ou local');
    expect(privateServer.body).not.toContain(server.appPassword);
    const malformed = await lina.post('/partner/accounts/bluesky', { handle: 'lina.test', appPassword: server.appPassword, service: 'http://exa mple' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).toContain('Adresse invalide.');

    // Without the CSRF token: refused, nothing connected.
    expect((await lina.post('/partner/accounts/bluesky', { handle: 'lina.test', appPassword: server.appPassword, service: server.service, _csrf: '' })).statusCode).toBe(403);

    await lina.get('/partner/portal');
    const connected = await lina.post('/partner/accounts/bluesky', { handle: 'lina.test', appPassword: server.appPassword, service: server.service });
    expect(connected.statusCode).toBe(303);
    expect(connected.headers.location).toBe('/partner/portal?accounts=connected#accounts-done');
    const after = await lina.get('/partner/portal?accounts=connected');
    expect(after.body).toContain('Compte connecté.');
    expect(after.body).toMatch(/<strong>Bluesky<\/strong> · <span class="account-label">@lina.test<\/span>/);
    expect(after.body).not.toContain(server.appPassword);
    expect(after.body.match(/<li class="account /g)).toHaveLength(1);
  });
});

describe('connecting Bluesky where loopback is not allowed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses the local server as a private address, clearly, next to the server field', async () => {
    const lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
    await lina.get('/partner/portal');
    const refused = await lina.post('/partner/accounts/bluesky', { handle: 'lina.test', appPassword: server.appPassword, service: server.service });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(`Le serveur ${new URL(server.service).hostname} est sur un réseau privé ou local`);
    expect(refused.body).toContain('Aucun compte connecté pour l’instant.');
  });
});
