/**
 * The Telegram adapter against a local Bot API written from Telegram's documentation: connecting
 * (a working token, a channel, the bot an administrator allowed to post, each failure its own
 * reason), publishing the text exactly as written with the partner's link previewed, flood
 * control, a revoked token or a bot removed from the channel, a text over 4096, a lost answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPost, composePost } from '../../src/modules/publishing/post-text.js';
import { channelReference, telegramClient, type TelegramAccount } from '../../src/modules/publishing/telegram-adapter.js';
import { startFakeTelegram, type FakeTelegram } from '../support/telegram-server.js';

const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };

describe('Telegram', () => {
  let telegram: FakeTelegram;
  let client: ReturnType<typeof telegramClient>;
  let account: TelegramAccount;
  const publication = (n: number, template = 'Ma box bio *préférée* : {link} 🌱') => {
    const link = `https://pe.example/r/abc?s=pub${n}`;
    return { text: composePost(template, { link, locale: 'fr', brand: 'Box bio' }), idempotencyKey: `key-${n}`, publicationId: `pub${n}`, link };
  };

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    client = telegramClient(local, { apiUrl: telegram.apiUrl, timeoutMs: 5_000 });
  });
  afterAll(async () => telegram?.close());

  it('reads the channel as partners write it', () => {
    expect(channelReference('@bonsplans_lina')).toBe('@bonsplans_lina');
    expect(channelReference(' bonsplans_lina ')).toBe('@bonsplans_lina');
    expect(channelReference('https://t.me/bonsplans_lina/')).toBe('@bonsplans_lina');
    expect(channelReference('-1009876543210')).toBe('-1009876543210');
    for (const bad of ['', '@ab', 'https://t.me/+AbCdEf123', '12345', '@bons plans', '@x/../../getMe']) expect(channelReference(bad), bad).toBeNull();
  });

  it('connects a channel where the bot is an administrator allowed to post, by @name or by id', async () => {
    const connected = await client.connect(` ${telegram.token} `, '@BonsPlans_Lina');
    expect(connected).toEqual({ account: { token: telegram.token, chatId: '-1001234567890', botId: telegram.botId }, title: 'Les bons plans de Lina', username: 'bonsplans_lina' });
    account = (connected as { account: TelegramAccount }).account;
    expect(await client.connect(telegram.token, '-1009876543210')).toMatchObject({ title: 'Lina — privé', username: null, account: { chatId: '-1009876543210' } });
    expect(client.adapter.lengthRule(account)).toEqual({ kind: 'utf16', max: 4096 });
  });

  it('says what to fix when a connection fails', async () => {
    const reason = async (token: string, channel: string) => ((await client.connect(token, channel)) as { reason?: string }).reason;
    expect(await reason('not-a-token', '@bonsplans_lina')).toBe('token_shape');
    expect(await reason(`${telegram.botId}:AAH${'x'.repeat(32)}`, '@bonsplans_lina')).toBe('token_refused');
    expect(await reason(telegram.token, 'https://t.me/+invite')).toBe('channel_shape');
    expect(await reason(telegram.token, '@nobody_here')).toBe('channel_not_found');
    // A private channel the bot is not in does not exist for it.
    telegram.chats[1]!.bot = 'none';
    expect(await reason(telegram.token, '-1009876543210')).toBe('channel_not_found');
    telegram.chats[1]!.bot = 'admin';
    expect(await reason(telegram.token, '@le_groupe_lina')).toBe('not_channel');
    expect(await reason(telegram.token, '@sans_le_bot')).toBe('not_admin');
    expect(await reason(telegram.token, '@lecture_seule')).toBe('cannot_post');
    const closed = telegramClient(local, { apiUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    expect(await closed.connect(telegram.token, '@bonsplans_lina')).toMatchObject({ kind: 'refused', reason: 'unreachable' });
    // The token is in the path: no detail ever repeats it.
    const failed = await client.connect(`${telegram.botId}:AAH${'y'.repeat(32)}`, '@bonsplans_lina');
    expect(JSON.stringify(failed)).not.toContain('y'.repeat(32));
  });

  it('publishes the text exactly as written, its link previewed, with the public message’s address', async () => {
    const request = publication(1);
    const outcome = await client.adapter.publish(account, request);
    const sent = telegram.messages.at(-1)!;
    expect(outcome).toEqual({ kind: 'published', remoteId: String(sent.messageId), remoteUrl: `https://t.me/bonsplans_lina/${sent.messageId}` });
    expect(sent.text).toBe(request.text);
    expect(sent.text).toBe('Publicité · Box bio\nMa box bio *préférée* : https://pe.example/r/abc?s=pub1 🌱');
    expect(sent.params.parse_mode).toBeUndefined();
    expect(sent.params.link_preview_options).toMatchObject({ url: request.link });
    expect(sent.params.link_preview_options).not.toHaveProperty('is_disabled', true);
    // A private channel's message has no public address.
    const hidden = await client.adapter.publish({ ...account, chatId: '-1009876543210' }, publication(2));
    expect(hidden).toMatchObject({ kind: 'published', remoteUrl: null });
    expect(await client.adapter.check(account)).toEqual({ kind: 'ok' });
  });

  it('waits as long as flood control says, and refuses a text over 4096 as Telegram counts it', async () => {
    telegram.remainingMessages = 0;
    const before = Date.now();
    const limited = await client.adapter.publish(account, publication(3));
    expect(limited.kind).toBe('rate_limited');
    const wait = (limited as { retryAt: Date }).retryAt.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(35_000);
    expect(wait).toBeLessThan(40_000);
    telegram.remainingMessages = null;

    // 2 048 emoji are 4 096 UTF-16 code units: with the disclosure and the link, over the limit.
    const long = publication(4, `${'🌱'.repeat(2048)} {link}`);
    expect([...long.text].length).toBeLessThan(4096);
    expect(() => checkPost(long.text, { link: long.link, locale: 'fr', brand: 'Box bio', rule: client.adapter.lengthRule(account) })).toThrow();
    expect(await client.adapter.publish(account, long)).toEqual({ kind: 'rejected', detail: '400: Bad Request: message is too long' });
  });

  it('cannot find a message whose answer was lost: the publication stays to be checked by the partner', async () => {
    telegram.loseNextAnswer = true;
    const count = telegram.messages.length;
    expect((await client.adapter.publish(account, publication(5))).kind).toBe('unknown');
    expect(telegram.messages).toHaveLength(count + 1);
    expect(await client.adapter.lookup(account, publication(5))).toMatchObject({ kind: 'cannot_tell' });
  });

  it('asks for a reconnection when the bot leaves the channel or its token is revoked', async () => {
    telegram.chats[0]!.bot = 'admin_without_post';
    expect(await client.adapter.check(account)).toMatchObject({ kind: 'credentials_refused' });
    expect(await client.adapter.publish(account, publication(6))).toEqual({ kind: 'credentials_refused', detail: '400: Bad Request: need administrator rights in the channel chat' });
    telegram.chats[0]!.bot = 'none';
    expect(await client.adapter.check(account)).toMatchObject({ kind: 'credentials_refused' });
    expect(await client.adapter.publish(account, publication(7))).toEqual({ kind: 'credentials_refused', detail: '403: Forbidden: bot is not a member of the channel chat' });
    telegram.chats[0]!.bot = 'admin';
    telegram.revokeToken();
    expect(await client.adapter.check(account)).toMatchObject({ kind: 'credentials_refused', detail: '401: Unauthorized' });
    expect(await client.adapter.publish(account, publication(8))).toEqual({ kind: 'credentials_refused', detail: '401: Unauthorized' });
    const closed = telegramClient(local, { apiUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    expect((await closed.adapter.check(account)).kind).toBe('unreachable');
    expect((await closed.adapter.publish(account, publication(9))).kind).toBe('not_sent');
  });
});
