/**
 * Discord's webhook API on loopback, written from discord.com/developers/docs (resources/webhook,
 * topics/rate-limits, topics/opcodes-and-status-codes, reference: error messages), not from our
 * adapter: `GET /webhooks/{id}/{token}` answers the webhook object (without `user`);
 * `POST /webhooks/{id}/{token}` executes it, `204 No Content` unless `?wait=true`, which answers
 * the Message; a JSON body of `content` (≤ 2000 characters) and `allowed_mentions`. Errors are
 * `{ message, code }`: 10015 Unknown Webhook (404), 50027 Invalid Webhook Token (401), 50006 Cannot
 * send an empty message, 50035 Invalid Form Body with its `errors` tree (400). Rate limits: 429
 * with `{ message, retry_after, global }` and the `Retry-After`, `X-RateLimit-*` headers.
 * The API is served under `/api` and `/api/v10`, as Discord's is.
 *
 * Knobs: messages before the rate limit, deleting a webhook, losing the answer of the next message.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback } from './loopback-server.js';

export interface DiscordWebhookObject {
  type: 1;
  id: string;
  name: string;
  avatar: null;
  channel_id: string;
  guild_id: string;
  application_id: null;
  token: string;
}

export interface ExecutedMessage {
  webhookId: string;
  id: string;
  content: string;
  /** The JSON body as received, and the query string. */
  body: Record<string, unknown>;
  query: string;
  mentionEveryone: boolean;
}

export interface FakeDiscord {
  /** What DISCORD_API_URL points to (…/api). */
  apiUrl: string;
  webhooks: DiscordWebhookObject[];
  messages: ExecutedMessage[];
  /** Messages accepted before 429 (null: no limit). */
  remainingMessages: number | null;
  /** Seconds the rate limit asks to wait (a fraction, as Discord's). */
  retryAfter: number;
  /** The next message is posted, then the connection is cut before the answer. */
  loseNextAnswer: boolean;
  /** A webhook made in the channel's settings: its URL, as « Copy Webhook URL » gives it. */
  addWebhook(name: string): { webhook: DiscordWebhookObject; url: string };
  /** Deleted in Discord: 404 Unknown Webhook from then on. */
  deleteWebhook(id: string): void;
  close(): Promise<void>;
}

const MAX_CONTENT = 2000;
let snowflake = 1_200_000_000_000_000_000n;
const nextSnowflake = () => String((snowflake += BigInt(1 + Math.floor(Math.random() * 1000))));

export async function startFakeDiscord(): Promise<FakeDiscord> {
  const guildId = nextSnowflake();
  const channelId = nextSnowflake();

  const state: FakeDiscord = {
    apiUrl: '',
    webhooks: [],
    messages: [],
    remainingMessages: null,
    retryAfter: 2.345,
    loseNextAnswer: false,
    addWebhook(name) {
      const webhook: DiscordWebhookObject = { type: 1, id: nextSnowflake(), name, avatar: null, channel_id: channelId, guild_id: guildId, application_id: null, token: randomBytes(51).toString('base64url') };
      state.webhooks.push(webhook);
      return { webhook, url: `${state.apiUrl}/webhooks/${webhook.id}/${webhook.token}` };
    },
    deleteWebhook(id) {
      state.webhooks = state.webhooks.filter((webhook) => webhook.id !== id);
    },
    close: () => Promise.resolve(),
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

  function handle(request: IncomingMessage, response: ServerResponse, raw: string): unknown {
    const url = new URL(request.url ?? '/', state.apiUrl);
    const route = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!route) return send(response, 404, { message: '404: Not Found', code: 0 });
    const webhook = state.webhooks.find((candidate) => candidate.id === route[1]);
    if (!webhook) return send(response, 404, { message: 'Unknown Webhook', code: 10015 });
    if (webhook.token !== route[2]) return send(response, 401, { message: 'Invalid Webhook Token', code: 50027 });

    if (request.method === 'GET') return send(response, 200, webhook);
    if (request.method !== 'POST') return send(response, 405, { message: '405: Method Not Allowed', code: 0 });

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return send(response, 400, { message: 'Cannot send an empty message', code: 50006 });
    }
    const content = typeof body.content === 'string' ? body.content : '';
    if (content.trim() === '') return send(response, 400, { message: 'Cannot send an empty message', code: 50006 });
    if (content.length > MAX_CONTENT) {
      return send(response, 400, { message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CONTENT} or fewer in length.` }] } } });
    }
    const resetAfter = state.retryAfter.toFixed(3);
    const limits = { 'x-ratelimit-limit': '5', 'x-ratelimit-bucket': 'a06de2de3a2bd1ae4e7a84a0b8f8e4b1', 'x-ratelimit-reset-after': resetAfter, 'x-ratelimit-reset': ((Date.now() / 1000) + state.retryAfter).toFixed(3) };
    if (state.remainingMessages !== null) {
      if (state.remainingMessages <= 0) {
        return send(response, 429, { message: 'You are being rate limited.', retry_after: state.retryAfter, global: false }, { ...limits, 'x-ratelimit-remaining': '0', 'x-ratelimit-scope': 'user', 'retry-after': String(Math.ceil(state.retryAfter)) });
      }
      state.remainingMessages -= 1;
    }
    // Mentions are parsed unless allowed_mentions says otherwise (parse: [] pings nobody).
    const allowed = body.allowed_mentions as { parse?: unknown } | undefined;
    const mentionEveryone = /@(everyone|here)/.test(content) && (!allowed || (Array.isArray(allowed.parse) && allowed.parse.includes('everyone')));
    const id = nextSnowflake();
    state.messages.push({ webhookId: webhook.id, id, content, body, query: url.search, mentionEveryone });
    if (state.loseNextAnswer) {
      state.loseNextAnswer = false;
      request.socket.destroy();
      return;
    }
    if (url.searchParams.get('wait') !== 'true') return response.writeHead(204, limits).end();
    return send(
      response,
      200,
      {
        type: 0,
        channel_id: webhook.channel_id,
        content,
        attachments: [],
        embeds: [],
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        flags: 0,
        components: [],
        id,
        author: { bot: true, id: webhook.id, username: webhook.name, avatar: null, discriminator: '0000' },
        mentions: [],
        mention_roles: [],
        pinned: false,
        mention_everyone: mentionEveryone,
        tts: false,
        webhook_id: webhook.id,
      },
      { ...limits, 'x-ratelimit-remaining': '4' },
    );
  }

  const server = await serveOnLoopback(handle);
  state.apiUrl = `${server.origin}/api`;
  state.close = server.close;
  return state;
}
