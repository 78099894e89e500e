/**
 * A Discord channel, through the webhook the partner makes in the channel's settings (Integrations
 * → Webhooks) and copies: `https://discord.com/api/webhooks/<id>/<token>`
 * (discord.com/developers/docs/resources/webhook). The URL is the credential: its token lets anyone
 * post, so it is sealed and never shown again, and no detail repeats it.
 * - connecting: the URL's shape (discord.com, discordapp.com, their canary. and ptb. hosts, or the
 *   configured DISCORD_API_URL), then `GET` it: the webhook object (name, channel_id, guild_id);
 * - publishing: `POST <url>?wait=true` (so Discord answers with the Message) with
 *   `allowed_mentions: { parse: [] }`, so that « @everyone » in a text pings nobody;
 * - answers: 429 with `retry_after` (seconds, a fraction) in the JSON and `Retry-After` /
 *   `X-RateLimit-Reset-After` headers; 401 « Invalid Webhook Token » (50027) or 404 « Unknown
 *   Webhook » (10015) when it was deleted; 400 « Invalid Form Body » (50035) for a content over 2000.
 */
import type { AdapterContext, CheckOutcome, LookupOutcome, NetworkAdapter, PublishOutcome, PublishRequest } from './adapter.js';
import { answerObject, retryAt, sendRequest, type HttpAnswer } from './outbound-http.js';
import type { OutboundPolicy } from './remote-address.js';

export interface DiscordAccount {
  /** `<DISCORD_API_URL>/webhooks/<id>/<token>`. */
  url: string;
  webhookId: string;
  channelId: string | null;
  /** Null for a webhook outside a server (its messages then have no address). */
  guildId: string | null;
}

export interface DiscordWebhook {
  account: DiscordAccount;
  name: string;
}

export type DiscordRefusal = 'url_shape' | 'refused' | 'unreachable';

const DISCORD_HOSTS = /^(?:(?:canary|ptb)\.)?discord(?:app)?\.com$/;
const WEBHOOK_PATH = /^(?:\/v\d{1,2})?\/webhooks\/(\d{15,22})\/([A-Za-z0-9_-]{20,200})\/?$/;

/** « 400: Invalid Form Body (50035) content: Must be 2000 or fewer in length. », never the token. */
function describe(answer: HttpAnswer): string {
  const body = answerObject(answer) ?? {};
  const message = typeof body.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
  const code = typeof body.code === 'number' ? ` (${body.code})` : '';
  const fields = body.errors && typeof body.errors === 'object' ? Object.entries(body.errors as Record<string, { _errors?: Array<{ message?: unknown }> }>) : [];
  const reasons = fields.map(([field, value]) => `${field}: ${(value._errors ?? []).map((error) => String(error.message)).join(' ')}`).join('; ');
  return `${answer.status}${message}${code}${reasons ? ` ${reasons.slice(0, 300)}` : ''}`;
}

export function discordClient(policy: OutboundPolicy, options: { apiUrl?: string; timeoutMs?: number; now?: () => Date } = {}) {
  const apiUrl = (options.apiUrl ?? 'https://discord.com/api').replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const call = (url: string, method: 'GET' | 'POST', body?: object, signal?: AbortSignal) =>
    sendRequest(new URL(url), {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      policy,
      timeoutMs: options.timeoutMs,
      signal,
    });

  /**
   * The webhook's URL as the partner copied it, written under DISCORD_API_URL (so discordapp.com
   * and canary. links work the same); null when it is not a Discord webhook's.
   */
  function webhookUrl(raw: string): { url: string; id: string } | null {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      return null;
    }
    if (url.username || url.password) return null;
    const base = new URL(apiUrl);
    let rest: string | null = null;
    if (url.protocol === 'https:' && DISCORD_HOSTS.test(url.hostname) && !url.port && url.pathname.startsWith('/api/')) rest = url.pathname.slice('/api'.length);
    else if (url.origin === base.origin && url.pathname.startsWith(`${base.pathname.replace(/\/$/, '')}/`)) rest = url.pathname.slice(base.pathname.replace(/\/$/, '').length);
    const match = rest === null ? null : WEBHOOK_PATH.exec(rest);
    return match ? { url: `${apiUrl}/webhooks/${match[1]}/${match[2]}`, id: match[1]! } : null;
  }

  const adapter: NetworkAdapter<DiscordAccount> = {
    network: 'discord',
    // A message's content: 2000 characters, as JavaScript counts them (UTF-16 code units).
    lengthRule: () => ({ kind: 'utf16', max: 2000 }),

    async publish(account: DiscordAccount, request: PublishRequest, context: AdapterContext<DiscordAccount> = {}): Promise<PublishOutcome> {
      const answer = await call(`${account.url}?wait=true`, 'POST', { content: request.text, allowed_mentions: { parse: [] } }, context.signal);
      if (answer.kind === 'not_sent') return { kind: 'not_sent', detail: answer.detail };
      if (answer.kind === 'no_answer') return { kind: 'unknown', detail: answer.detail };
      const { status } = answer;
      if (status >= 200 && status < 300) {
        const message = answerObject(answer) ?? {};
        if (typeof message.id !== 'string') return { kind: 'published', remoteId: request.idempotencyKey, remoteUrl: null };
        const channel = typeof message.channel_id === 'string' ? message.channel_id : account.channelId;
        return { kind: 'published', remoteId: message.id, remoteUrl: account.guildId && channel ? `https://discord.com/channels/${account.guildId}/${channel}/${message.id}` : null };
      }
      if (status === 429) {
        // The JSON's retry_after is the most precise (a fraction of a second); else the headers.
        const seconds = answerObject(answer)?.retry_after;
        const resetAfter = Number(answer.headers['x-ratelimit-reset-after']);
        const wait = typeof seconds === 'number' && seconds >= 0 ? seconds : Number.isFinite(resetAfter) && resetAfter >= 0 ? resetAfter : null;
        return { kind: 'rate_limited', retryAt: wait === null ? retryAt(answer.headers, now()) : new Date(now().getTime() + Math.ceil(wait * 1000)) };
      }
      // 401 Invalid Webhook Token, 404 Unknown Webhook (deleted), 403 Missing Access: the partner must make a new one.
      if (status === 401 || status === 403 || status === 404) return { kind: 'credentials_refused', detail: describe(answer) };
      if (status >= 400 && status < 500) return { kind: 'rejected', detail: describe(answer) };
      return { kind: 'unknown', detail: describe(answer) };
    },

    async check(account: DiscordAccount, context: AdapterContext<DiscordAccount> = {}): Promise<CheckOutcome> {
      const answer = await call(account.url, 'GET', undefined, context.signal);
      if (answer.kind !== 'answer') return { kind: 'unreachable', detail: answer.detail };
      if (answer.status === 200) return { kind: 'ok' };
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) return { kind: 'credentials_refused', detail: describe(answer) };
      return { kind: 'unreachable', detail: describe(answer) };
    },

    /**
     * A webhook can fetch a message it sent only by the message's id — the very thing a lost
     * answer did not give — and can neither list nor search the channel; executing takes no nonce
     * or idempotency key either. So a lost answer cannot be settled: the worker marks the
     * publication « unconfirmed » and the partner looks at their channel.
     */
    async lookup(): Promise<LookupOutcome> {
      return { kind: 'cannot_tell', detail: 'a Discord webhook cannot search its channel for a message' };
    },
  };

  return {
    adapter,
    webhookUrl,
    /** Checks the URL's shape, then asks Discord for the webhook: its name, channel and server. */
    async connect(raw: string): Promise<DiscordWebhook | { kind: 'refused'; reason: DiscordRefusal; detail: string }> {
      const parsed = webhookUrl(raw);
      if (!parsed) return { kind: 'refused', reason: 'url_shape', detail: 'not a Discord webhook URL' };
      const answer = await call(parsed.url, 'GET');
      if (answer.kind !== 'answer') return { kind: 'refused', reason: 'unreachable', detail: answer.detail };
      const webhook = answerObject(answer) ?? {};
      if (answer.status === 200 && webhook.id === parsed.id) {
        const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
        return { account: { url: parsed.url, webhookId: parsed.id, channelId: text(webhook.channel_id), guildId: text(webhook.guild_id) }, name: text(webhook.name)?.trim() || 'Webhook' };
      }
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) return { kind: 'refused', reason: 'refused', detail: describe(answer) };
      return { kind: 'refused', reason: 'unreachable', detail: describe(answer) };
    },
  };
}

export type DiscordClient = ReturnType<typeof discordClient>;
