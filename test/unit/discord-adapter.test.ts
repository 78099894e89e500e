/**
 * The Discord adapter against a local webhook API written from Discord's documentation: the URL
 * partners copy (its hosts and shapes), connecting by reading the webhook, publishing the text as
 * written without pinging anyone, the message's address, rate limits, a deleted webhook or a wrong
 * token, a content over 2000, a lost answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordClient, type DiscordAccount } from '../../src/modules/publishing/discord-adapter.js';
import { checkPost, composePost } from '../../src/modules/publishing/post-text.js';
import { startFakeDiscord, type FakeDiscord } from '../support/discord-server.js';

const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
const ID = '1234567890123456789';
const TOKEN = 'aBcD_eFgH-ijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01';

describe('Discord', () => {
  let discord: FakeDiscord;
  let client: ReturnType<typeof discordClient>;
  let account: DiscordAccount;
  const publication = (n: number, template = 'Ma box bio, @everyone : {link} **bio**') => {
    const link = `https://pe.example/r/abc?s=pub${n}`;
    return { text: composePost(template, { link, locale: 'fr', brand: 'Box bio' }), idempotencyKey: `key-${n}`, publicationId: `pub${n}`, link };
  };

  beforeAll(async () => {
    discord = await startFakeDiscord();
    client = discordClient(local, { apiUrl: discord.apiUrl, timeoutMs: 5_000 });
  });
  afterAll(async () => discord?.close());

  it('reads the webhook URLs Discord gives, on its every host, and nothing else', () => {
    const official = discordClient(local);
    const expected = { url: `https://discord.com/api/webhooks/${ID}/${TOKEN}`, id: ID };
    for (const host of ['discord.com', 'discordapp.com', 'canary.discord.com', 'ptb.discord.com', 'canary.discordapp.com']) {
      expect(official.webhookUrl(`https://${host}/api/webhooks/${ID}/${TOKEN}`), host).toEqual(expected);
    }
    expect(official.webhookUrl(` https://discord.com/api/v10/webhooks/${ID}/${TOKEN}/ `)).toEqual(expected);
    for (const bad of [
      `http://discord.com/api/webhooks/${ID}/${TOKEN}`,
      `https://discord.com.evil.example/api/webhooks/${ID}/${TOKEN}`,
      `https://evil.example/api/webhooks/${ID}/${TOKEN}`,
      `https://discord.com/api/webhooks/${ID}`,
      `https://discord.com/api/webhooks/abc/${TOKEN}`,
      `https://discord.com/channels/${ID}/${ID}`,
      `https://user:pw@discord.com/api/webhooks/${ID}/${TOKEN}`,
      `https://discord.com:8443/api/webhooks/${ID}/${TOKEN}`,
      'discord.com/api/webhooks',
      '',
    ]) {
      expect(official.webhookUrl(bad), bad).toBeNull();
    }
    // In tests, the configured API's own address.
    expect(client.webhookUrl(`${discord.apiUrl}/webhooks/${ID}/${TOKEN}`)).toEqual({ url: `${discord.apiUrl}/webhooks/${ID}/${TOKEN}`, id: ID });
  });

  it('connects by reading the webhook: its name, channel and server', async () => {
    const { webhook, url } = discord.addWebhook('Promos de Lina');
    const connected = await client.connect(url);
    expect(connected).toEqual({ account: { url, webhookId: webhook.id, channelId: webhook.channel_id, guildId: webhook.guild_id }, name: 'Promos de Lina' });
    account = (connected as { account: DiscordAccount }).account;
    expect(client.adapter.lengthRule(account)).toEqual({ kind: 'utf16', max: 2000 });

    expect(await client.connect('https://example.com/hook')).toMatchObject({ kind: 'refused', reason: 'url_shape' });
    expect(await client.connect(url.replace(webhook.token, 'x'.repeat(68)))).toMatchObject({ kind: 'refused', reason: 'refused', detail: '401: Invalid Webhook Token (50027)' });
    expect(await client.connect(`${discord.apiUrl}/webhooks/${ID}/${TOKEN}`)).toMatchObject({ kind: 'refused', reason: 'refused', detail: '404: Unknown Webhook (10015)' });
    const closed = discordClient(local, { apiUrl: 'http://127.0.0.1:1/api', timeoutMs: 2_000 });
    expect(await closed.connect(`http://127.0.0.1:1/api/webhooks/${ID}/${TOKEN}`)).toMatchObject({ kind: 'refused', reason: 'unreachable' });
  });

  it('publishes the text as written, pinging nobody, and keeps the message’s address', async () => {
    const request = publication(1);
    const outcome = await client.adapter.publish(account, request);
    const sent = discord.messages.at(-1)!;
    expect(outcome).toEqual({ kind: 'published', remoteId: sent.id, remoteUrl: `https://discord.com/channels/${account.guildId}/${account.channelId}/${sent.id}` });
    expect(sent.content).toBe('Publicité · Box bio\nMa box bio, @everyone : https://pe.example/r/abc?s=pub1 **bio**');
    expect(sent.body).toEqual({ content: request.text, allowed_mentions: { parse: [] } });
    expect(sent.query).toBe('?wait=true');
    expect(sent.mentionEveryone).toBe(false);
    expect(await client.adapter.check(account)).toEqual({ kind: 'ok' });
  });

  it('waits as long as Discord says, and refuses a content over 2000 as Discord counts it', async () => {
    discord.remainingMessages = 0;
    const before = Date.now();
    const limited = await client.adapter.publish(account, publication(2));
    expect(limited.kind).toBe('rate_limited');
    // retry_after 2.345 s from the JSON, more precise than Retry-After's 3.
    const wait = (limited as { retryAt: Date }).retryAt.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(2_345);
    expect(wait).toBeLessThan(2_900);
    discord.remainingMessages = null;

    // 1 000 emoji are 2 000 UTF-16 code units: with the disclosure and the link, over the limit.
    const long = publication(3, `${'🎉'.repeat(1000)} {link}`);
    expect(() => checkPost(long.text, { link: long.link, locale: 'fr', brand: 'Box bio', rule: client.adapter.lengthRule(account) })).toThrow();
    expect(await client.adapter.publish(account, long)).toEqual({ kind: 'rejected', detail: '400: Invalid Form Body (50035) content: Must be 2000 or fewer in length.' });
  });

  it('cannot find a message whose answer was lost: the publication stays to be checked by the partner', async () => {
    discord.loseNextAnswer = true;
    const count = discord.messages.length;
    expect((await client.adapter.publish(account, publication(4))).kind).toBe('unknown');
    expect(discord.messages).toHaveLength(count + 1);
    expect(await client.adapter.lookup(account, publication(4))).toMatchObject({ kind: 'cannot_tell' });
  });

  it('asks for a reconnection when the webhook is deleted, never repeating its token', async () => {
    const wrong = { ...account, url: account.url.replace(/[^/]+$/, 'y'.repeat(68)) };
    expect(await client.adapter.publish(wrong, publication(5))).toEqual({ kind: 'credentials_refused', detail: '401: Invalid Webhook Token (50027)' });
    discord.deleteWebhook(account.webhookId);
    expect(await client.adapter.check(account)).toEqual({ kind: 'credentials_refused', detail: '404: Unknown Webhook (10015)' });
    const outcome = await client.adapter.publish(account, publication(6));
    expect(outcome).toEqual({ kind: 'credentials_refused', detail: '404: Unknown Webhook (10015)' });
    const token = account.url.split('/').at(-1)!;
    expect(JSON.stringify(outcome)).not.toContain(token);
    const closed = discordClient(local, { apiUrl: 'http://127.0.0.1:1/api', timeoutMs: 2_000 });
    const unreachable = { ...account, url: `http://127.0.0.1:1/api/webhooks/${ID}/${TOKEN}` };
    expect((await closed.adapter.check(unreachable)).kind).toBe('unreachable');
    expect((await closed.adapter.publish(unreachable, publication(7))).kind).toBe('not_sent');
  });
});
