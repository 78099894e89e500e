/**
 * A Telegram channel and a Discord webhook connected on both engines, against local servers
 * written from each network's documentation: the credential sealed and never listed, the label,
 * each failure a clear refusal next to its field with nothing stored, the same channel connected
 * again being the same account, and the cap on accounts.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { unseal } from '../../src/lib/sealed.js';
import { accountCredentials, listAccounts, markNeedsReconnect, MAX_ACCOUNTS } from '../../src/modules/publishing/accounts.js';
import { connectDiscord, connectTelegram } from '../../src/modules/publishing/bot-accounts.js';
import { discordClient, type DiscordAccount } from '../../src/modules/publishing/discord-adapter.js';
import { telegramClient, type TelegramAccount } from '../../src/modules/publishing/telegram-adapter.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { startFakeDiscord, type FakeDiscord } from '../support/discord-server.js';
import { addPartner, countRows, refusal } from '../support/fixtures.js';
import { startFakeTelegram, type FakeTelegram } from '../support/telegram-server.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };

describe.each(ENGINES)('Telegram and Discord accounts on %s', (engine) => {
  let database: TestDatabase;
  let telegram: FakeTelegram;
  let discord: FakeDiscord;
  let bots: ReturnType<typeof telegramClient>;
  let hooks: ReturnType<typeof discordClient>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    telegram = await startFakeTelegram();
    discord = await startFakeDiscord();
    bots = telegramClient(local, { apiUrl: telegram.apiUrl, timeoutMs: 5_000 });
    hooks = discordClient(local, { apiUrl: discord.apiUrl, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await telegram?.close();
    await discord?.close();
    await database?.close();
  });

  const sealedOf = async (id: string) => (await queryRows<{ credentials_sealed: string }>(database.db, sql`select credentials_sealed from connected_accounts where id = ${id}`))[0]!.credentials_sealed;

  it('connects a Telegram channel with the token sealed, and says what to fix otherwise, storing nothing', async () => {
    const db = database.db;
    const lina = await addPartner(db, `tg-${engine}@example.com`);
    for (const [input, field, message] of [
      [{ botToken: '', channel: '@bonsplans_lina' }, 'botToken', 'accounts.telegram.error.token'],
      [{ botToken: 'abc', channel: '@bonsplans_lina' }, 'botToken', 'accounts.telegram.error.token'],
      [{ botToken: `${telegram.botId}:AAH${'z'.repeat(32)}`, channel: '@bonsplans_lina' }, 'botToken', 'accounts.telegram.error.tokenRefused'],
      [{ botToken: telegram.token }, 'channel', 'accounts.telegram.error.channel'],
      [{ botToken: telegram.token, channel: '@nobody_here' }, 'channel', 'accounts.telegram.error.channelNotFound'],
      [{ botToken: telegram.token, channel: '@le_groupe_lina' }, 'channel', 'accounts.telegram.error.notChannel'],
      [{ botToken: telegram.token, channel: 'https://t.me/sans_le_bot' }, 'channel', 'accounts.telegram.error.notAdmin'],
      [{ botToken: telegram.token, channel: '@lecture_seule' }, 'channel', 'accounts.telegram.error.cannotPost'],
    ] as const) {
      const error = await refusal(connectTelegram(db, config, lina, input, bots));
      expect([error.field, error.messageKey], message).toEqual([field, message]);
    }
    expect((await refusal(connectTelegram(db, config, lina, { botToken: telegram.token, channel: 'sans_le_bot' }, bots))).params).toEqual({ channel: '@sans_le_bot' });
    const closed = telegramClient(local, { apiUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    expect(await refusal(connectTelegram(db, config, lina, { botToken: telegram.token, channel: '@bonsplans_lina' }, closed))).toMatchObject({ status: 409, messageKey: 'accounts.error.unreachable', params: { network: 'Telegram' } });
    expect(await countRows(db, sql`connected_accounts where partner_id = ${lina}`)).toBe(0);

    const account = await connectTelegram(db, config, lina, { botToken: telegram.token, channel: '@bonsplans_lina' }, bots);
    expect(account).toMatchObject({ network: 'telegram', label: 'Les bons plans de Lina', endpoint: 'https://t.me/c/1234567890', state: 'connected' });
    expect(JSON.stringify(await listAccounts(db, lina))).not.toContain(telegram.token);
    const sealed = await sealedOf(account.id);
    expect(sealed).not.toContain(telegram.token.split(':')[1]);
    expect(unseal(sealed, config.credentialsKey)).toEqual({ token: telegram.token, chatId: '-1001234567890', botId: telegram.botId });
    expect(await accountCredentials<TelegramAccount>(db, config, account.id)).toMatchObject({ chatId: '-1001234567890' });

    // A revoked token: flagged; the new token for the same channel brings the same account back.
    telegram.revokeToken();
    await markNeedsReconnect(db, account.id, '401: Unauthorized');
    const again = await connectTelegram(db, config, lina, { botToken: telegram.token, channel: '-1001234567890' }, bots);
    expect(again).toMatchObject({ id: account.id, state: 'connected', stateDetail: null });
    expect((await accountCredentials<TelegramAccount>(db, config, account.id))!.token).toBe(telegram.token);
    const audit = await queryRows<{ action: string; params: { network: string; label: string } }>(db, sql`select action, params from audit_log where partner_id = ${lina} order by id`);
    expect(audit.map((row) => [row.action, row.params.network, row.params.label])).toEqual([
      ['account_connected', 'telegram', 'Les bons plans de Lina'],
      ['account_reconnected', 'telegram', 'Les bons plans de Lina'],
    ]);
  });

  it('connects a Discord webhook with its URL sealed, and refuses a wrong or deleted one, storing nothing', async () => {
    const db = database.db;
    const lina = await addPartner(db, `dc-${engine}@example.com`);
    const { webhook, url } = discord.addWebhook('Promos de Lina');
    for (const [webhookUrl, message] of [
      ['', 'accounts.discord.error.url'],
      ['https://example.com/api/webhooks/123456789012345678/abc', 'accounts.discord.error.url'],
      [url.replace(webhook.token, 'x'.repeat(68)), 'accounts.discord.error.refused'],
    ] as const) {
      const error = await refusal(connectDiscord(db, config, lina, { webhookUrl }, hooks));
      expect([error.field, error.messageKey]).toEqual(['webhookUrl', message]);
    }
    const gone = discord.addWebhook('Supprimé');
    discord.deleteWebhook(gone.webhook.id);
    expect((await refusal(connectDiscord(db, config, lina, { webhookUrl: gone.url }, hooks))).messageKey).toBe('accounts.discord.error.refused');
    expect(await countRows(db, sql`connected_accounts where partner_id = ${lina}`)).toBe(0);

    const account = await connectDiscord(db, config, lina, { webhookUrl: ` ${url} ` }, hooks);
    expect(account).toMatchObject({ network: 'discord', label: 'Promos de Lina', endpoint: `${discord.apiUrl}/webhooks/${webhook.id}`, state: 'connected' });
    expect(JSON.stringify(await listAccounts(db, lina))).not.toContain(webhook.token);
    const sealed = await sealedOf(account.id);
    expect(sealed).not.toContain(webhook.token);
    expect(unseal<DiscordAccount>(sealed, config.credentialsKey)).toEqual({ url, webhookId: webhook.id, channelId: webhook.channel_id, guildId: webhook.guild_id });
  });

  it('keeps to MAX_ACCOUNTS, though the same channel can always be connected again', async () => {
    const db = database.db;
    const partner = await addPartner(db, `full-${engine}@example.com`);
    await connectTelegram(db, config, partner, { botToken: telegram.token, channel: '@bonsplans_lina' }, bots);
    for (let i = 1; i < MAX_ACCOUNTS; i++) await connectDiscord(db, config, partner, { webhookUrl: discord.addWebhook(`Salon ${i}`).url }, hooks);
    expect(await listAccounts(db, partner)).toHaveLength(MAX_ACCOUNTS);
    expect((await refusal(connectDiscord(db, config, partner, { webhookUrl: discord.addWebhook('Un de trop').url }, hooks))).code).toBe('too_many_accounts');
    expect((await refusal(connectTelegram(db, config, partner, { botToken: telegram.token, channel: '-1009876543210' }, bots))).code).toBe('too_many_accounts');
    await connectTelegram(db, config, partner, { botToken: telegram.token, channel: '@bonsplans_lina' }, bots);
    expect(await listAccounts(db, partner)).toHaveLength(MAX_ACCOUNTS);
  });
});
