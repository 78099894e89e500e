/**
 * Connecting a Telegram channel and a Discord webhook from the portal, over HTTP, against local
 * servers written from each network's documentation (TELEGRAM_API_URL, DISCORD_API_URL): the
 * forms and their hints, each refusal next to its field with the token or URL never written back,
 * the account shown once connected, CSRF as on every form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/databases.js';
import { startFakeDiscord, type FakeDiscord } from '../support/discord-server.js';
import { startFakeTelegram, type FakeTelegram } from '../support/telegram-server.js';
import { createTestApp, Visitor, type TestApp } from '../support/test-app.js';

describe.each(ENGINES)('Telegram and Discord from the portal on %s', (engine) => {
  let t: TestApp;
  let lina: Visitor;
  let telegram: FakeTelegram;
  let discord: FakeDiscord;

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    discord = await startFakeDiscord();
    t = await createTestApp(engine, { PUBLISHING_ALLOW_LOOPBACK: 'true', TELEGRAM_API_URL: telegram.apiUrl, DISCORD_API_URL: discord.apiUrl });
    lina = new Visitor(t.app);
    await lina.signIn('lina@example.com', t.mailer);
  });
  afterAll(async () => {
    await t?.close();
    await telegram?.close();
    await discord?.close();
  });

  it('shows both forms with how to get a bot token and a webhook URL', async () => {
    const portal = await lina.get('/partner/portal');
    expect(portal.body).toContain('<form method="post" action="/partner/accounts/telegram"');
    expect(portal.body).toMatch(/<input id="acc-botToken" name="botToken" type="password" autocomplete="off"[^>]* aria-describedby="acc-botToken-help">/);
    expect(portal.body).toContain('Crée un bot avec @BotFather (commande /newbot)');
    expect(portal.body).toContain('Ajoute d’abord ton bot comme administrateur de la chaîne');
    expect(portal.body).toContain('<form method="post" action="/partner/accounts/discord"');
    expect(portal.body).toMatch(/<input id="acc-webhookUrl" name="webhookUrl" type="url"/);
    expect(portal.body).toContain('paramètres du salon › Intégrations › Webhooks');
    expect(portal.body).not.toContain('Telegram, Discord');
    const english = await lina.get('/partner/portal', { 'accept-language': 'en' });
    expect(english.body).toContain('Create a bot with @BotFather (the /newbot command)');
  });

  it('says what to fix next to the field, never writing the token back, then connects the channel', async () => {
    await lina.get('/partner/portal');
    const wrongToken = `${telegram.botId}:AAH${'q'.repeat(32)}`;
    const refused = await lina.post('/partner/accounts/telegram', { botToken: wrongToken, channel: '@bonsplans_lina' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/<input id="acc-botToken" name="botToken"[^>]*aria-invalid="true" aria-describedby="acc-botToken-error acc-botToken-help" autofocus>/);
    expect(refused.body).toContain('Telegram ne reconnaît pas ce jeton');
    expect(refused.body).not.toContain('q'.repeat(32));
    expect(refused.body).toMatch(/<input id="acc-channel" name="channel"[^>]*value="@bonsplans_lina"/);

    const notAdmin = await lina.post('/partner/accounts/telegram', { botToken: telegram.token, channel: 'sans_le_bot' });
    expect(notAdmin.statusCode).toBe(400);
    expect(notAdmin.body).toContain('Ajoute le bot comme administrateur de la chaîne @sans_le_bot, puis réessaie.');
    expect(notAdmin.body).toMatch(/<input id="acc-channel" name="channel"[^>]*aria-invalid="true"/);
    expect(notAdmin.body).not.toContain(telegram.token);
    expect(notAdmin.body).toContain('Aucun compte connecté pour l’instant.');

    expect((await lina.post('/partner/accounts/telegram', { botToken: telegram.token, channel: '@bonsplans_lina', _csrf: '' })).statusCode).toBe(403);
    await lina.get('/partner/portal');
    const connected = await lina.post('/partner/accounts/telegram', { botToken: telegram.token, channel: '@bonsplans_lina' });
    expect(connected.statusCode).toBe(303);
    expect(connected.headers.location).toBe('/partner/portal?accounts=connected#accounts-done');
    const after = await lina.get('/partner/portal?accounts=connected');
    expect(after.body).toContain('Compte connecté.');
    expect(after.body).toMatch(/<strong>Telegram<\/strong> · <span class="account-label">Les bons plans de Lina<\/span>/);
    expect(after.body).not.toContain(telegram.token);
  });

  it('connects a Discord webhook, refusing another URL next to its field without writing it back', async () => {
    await lina.get('/partner/portal');
    const { webhook, url } = discord.addWebhook('Promos de Lina');
    const notDiscord = await lina.post('/partner/accounts/discord', { webhookUrl: `https://example.com/api/webhooks/${webhook.id}/${webhook.token}` });
    expect(notDiscord.statusCode).toBe(400);
    expect(notDiscord.body).toContain('Ce n’est pas l’URL d’un webhook Discord');
    expect(notDiscord.body).toMatch(/<input id="acc-webhookUrl" name="webhookUrl"[^>]*aria-invalid="true"/);
    expect(notDiscord.body).not.toContain(webhook.token);

    expect((await lina.post('/partner/accounts/discord', { webhookUrl: url, _csrf: '' })).statusCode).toBe(403);
    await lina.get('/partner/portal');
    const connected = await lina.post('/partner/accounts/discord', { webhookUrl: url });
    expect(connected.statusCode).toBe(303);
    const after = await lina.get('/partner/portal?accounts=connected');
    expect(after.body).toMatch(/<strong>Discord<\/strong> · <span class="account-label">Promos de Lina<\/span>/);
    expect(after.body).not.toContain(webhook.token);
    expect(after.body.match(/<li class="account /g)).toHaveLength(2);

    // Deleted in Discord, then connected again: refused, nothing added.
    discord.deleteWebhook(webhook.id);
    const gone = await lina.post('/partner/accounts/discord', { webhookUrl: url });
    expect(gone.statusCode).toBe(400);
    expect(gone.body).toContain('Discord ne reconnaît pas ce webhook');
    expect(gone.body.match(/<li class="account /g)).toHaveLength(2);
  });
});
