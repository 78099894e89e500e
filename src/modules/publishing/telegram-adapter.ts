/**
 * A Telegram channel, through a bot the partner made with @BotFather and added as an administrator
 * of their channel (core.telegram.org/bots/api). Every method is `POST <api>/bot<token>/<method>`
 * with a JSON body, answered `{ ok: true, result }` or `{ ok: false, error_code, description,
 * parameters?: { retry_after } }`. The token is in the path: it never appears in a detail, a log
 * line or an error (only the answer's `error_code` and `description` do).
 * - connecting: `getMe` (the token works; the bot's own id), `getChat` (the channel exists and is a
 *   channel; its numeric id is kept, so a renamed channel still works), `getChatMember` for the bot
 *   (an administrator allowed to post messages);
 * - publishing: `sendMessage` without `parse_mode` (the text goes as written), its link previewed;
 * - looking up: impossible, see `lookup`.
 */
import type { AdapterContext, CheckOutcome, LookupOutcome, NetworkAdapter, PublishOutcome, PublishRequest } from './adapter.js';
import { answerObject, retryAt, sendRequest, type HttpAnswer, type NoAnswer, type NotSent } from './outbound-http.js';
import type { OutboundPolicy } from './remote-address.js';

export interface TelegramAccount {
  token: string;
  /** The channel's numeric id (-100…), as a string. */
  chatId: string;
  /** The bot's own user id (from getMe), for getChatMember. */
  botId: number;
}

/** Why a connection failed, each said to the partner with what to fix. */
export type TelegramRefusal = 'token_shape' | 'token_refused' | 'channel_shape' | 'channel_not_found' | 'not_channel' | 'not_admin' | 'cannot_post' | 'unreachable';

export interface TelegramChannel {
  account: TelegramAccount;
  title: string;
  username: string | null;
}

/** A @BotFather token: the bot's id, a colon, 35 characters or so. */
const TOKEN = /^\d{3,20}:[A-Za-z0-9_-]{20,100}$/;
/** A public channel's username (5–32 characters) or a numeric chat id. */
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;
const CHAT_ID = /^-100\d{5,16}$/;

/** What the Bot API answered: its JSON, or nothing readable. */
interface ApiAnswer {
  ok?: unknown;
  result?: unknown;
  error_code?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown };
}

const describe = (answer: HttpAnswer) => {
  const { description } = (answerObject(answer) ?? {}) as ApiAnswer;
  return `${answer.status}${typeof description === 'string' ? `: ${description.slice(0, 300)}` : ''}`;
};

/**
 * Answers that say the bot lost its place in the channel (removed, no longer an administrator, the
 * channel gone): the partner must fix it, as for a revoked token; trying again would not help.
 */
const LOST_CHANNEL = /chat not found|not a member|kicked|need administrator rights|not enough rights|member list is inaccessible/i;

/** The channel as the partner typed it: @name, name, a t.me link, or the -100… id. */
export function channelReference(raw: string): string | null {
  const text = raw.trim().replace(/^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me)\//i, '@').replace(/\/+$/, '');
  if (CHAT_ID.test(text)) return text;
  const name = text.startsWith('@') ? text.slice(1) : text;
  return USERNAME.test(name) ? `@${name}` : null;
}

export function telegramClient(policy: OutboundPolicy, options: { apiUrl?: string; timeoutMs?: number; now?: () => Date } = {}) {
  const apiUrl = (options.apiUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const call = (token: string, method: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<HttpAnswer | NotSent | NoAnswer> =>
    sendRequest(new URL(`${apiUrl}/bot${token}/${method}`), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      policy,
      timeoutMs: options.timeoutMs,
      signal,
    });
  /** The `result` of a successful call, or null. */
  const result = (answer: HttpAnswer | NotSent | NoAnswer): Record<string, unknown> | null => {
    if (answer.kind !== 'answer' || answer.status !== 200) return null;
    const body = (answerObject(answer) ?? {}) as ApiAnswer;
    return body.ok === true && body.result && typeof body.result === 'object' ? (body.result as Record<string, unknown>) : null;
  };

  /** The bot's membership: ok when an administrator allowed to post, else what is missing. */
  async function membership(account: Pick<TelegramAccount, 'token' | 'chatId' | 'botId'>, signal?: AbortSignal): Promise<{ kind: 'ok' } | { kind: 'not_admin' | 'cannot_post' | 'token_refused' | 'unreachable'; detail: string }> {
    const answer = await call(account.token, 'getChatMember', { chat_id: account.chatId, user_id: account.botId }, signal);
    if (answer.kind !== 'answer') return { kind: 'unreachable', detail: answer.detail };
    const member = result(answer);
    if (member) {
      // A bot in a channel is an administrator or nothing; `can_post_messages` is set for channels only.
      if (member.status !== 'administrator') return { kind: 'not_admin', detail: `the bot is « ${String(member.status)} » in the channel, not an administrator` };
      return member.can_post_messages === true ? { kind: 'ok' } : { kind: 'cannot_post', detail: 'the bot may not post messages in the channel' };
    }
    if (answer.status === 401 || answer.status === 404) return { kind: 'token_refused', detail: describe(answer) };
    if (answer.status === 400 || answer.status === 403) return { kind: 'not_admin', detail: describe(answer) };
    return { kind: 'unreachable', detail: describe(answer) };
  }

  const adapter: NetworkAdapter<TelegramAccount> = {
    network: 'telegram',
    // 4096 characters of a message after entities parsing; without parse_mode nothing is parsed
    // away, and Telegram counts in UTF-16 code units (its entities' offsets do too).
    lengthRule: () => ({ kind: 'utf16', max: 4096 }),

    async publish(account: TelegramAccount, request: PublishRequest, context: AdapterContext<TelegramAccount> = {}): Promise<PublishOutcome> {
      // No parse_mode: « *promo* » stays as written. The partner's link is the one previewed,
      // whatever other address the text holds.
      const answer = await call(account.token, 'sendMessage', { chat_id: account.chatId, text: request.text, link_preview_options: { url: request.link, prefer_large_media: true } }, context.signal);
      if (answer.kind === 'not_sent') return { kind: 'not_sent', detail: answer.detail };
      if (answer.kind === 'no_answer') return { kind: 'unknown', detail: answer.detail };
      const message = result(answer);
      if (message && typeof message.message_id === 'number') {
        const chat = message.chat as { username?: unknown } | undefined;
        const username = typeof chat?.username === 'string' ? chat.username : null;
        return { kind: 'published', remoteId: String(message.message_id), remoteUrl: username ? `https://t.me/${username}/${message.message_id}` : null };
      }
      const body = (answerObject(answer) ?? {}) as ApiAnswer;
      if (answer.status === 429) {
        const seconds = body.parameters?.retry_after;
        return { kind: 'rate_limited', retryAt: typeof seconds === 'number' && seconds >= 0 ? new Date(now().getTime() + seconds * 1000) : retryAt(answer.headers, now()) };
      }
      // 401: the token was revoked (@BotFather /revoke); 404: a token Telegram does not know the
      // shape of; 403: the bot was removed from the channel.
      if (answer.status === 401 || answer.status === 403 || answer.status === 404) return { kind: 'credentials_refused', detail: describe(answer) };
      if (answer.status === 400) return LOST_CHANNEL.test(String(body.description)) ? { kind: 'credentials_refused', detail: describe(answer) } : { kind: 'rejected', detail: describe(answer) };
      return { kind: 'unknown', detail: describe(answer) };
    },

    async check(account: TelegramAccount, context: AdapterContext<TelegramAccount> = {}): Promise<CheckOutcome> {
      const found = await membership(account, context.signal);
      if (found.kind === 'ok') return found;
      return { kind: found.kind === 'unreachable' ? 'unreachable' : 'credentials_refused', detail: found.detail };
    },

    /**
     * The Bot API cannot read a channel's history (no method lists past messages, and a bot gets
     * updates only as they come), so a message whose answer was lost cannot be found again: the
     * worker marks the publication « unconfirmed » and the partner looks at their channel.
     */
    async lookup(): Promise<LookupOutcome> {
      return { kind: 'cannot_tell', detail: 'the Telegram Bot API cannot read a channel’s past messages' };
    },
  };

  return {
    adapter,
    /** Checks, in order, that the token works, the channel exists and is one, and the bot may post there. */
    async connect(rawToken: string, rawChannel: string): Promise<TelegramChannel | { kind: 'refused'; reason: TelegramRefusal; detail: string }> {
      const token = rawToken.trim();
      if (!TOKEN.test(token)) return { kind: 'refused', reason: 'token_shape', detail: 'not a bot token' };
      const channel = channelReference(rawChannel);
      if (!channel) return { kind: 'refused', reason: 'channel_shape', detail: 'not a channel name or id' };
      const refused = (reason: TelegramRefusal, answer: HttpAnswer | NotSent | NoAnswer) => ({ kind: 'refused' as const, reason: answer.kind === 'answer' ? reason : 'unreachable', detail: answer.kind === 'answer' ? describe(answer) : answer.detail });

      const meAnswer = await call(token, 'getMe', {});
      const me = result(meAnswer);
      if (!me || typeof me.id !== 'number') return refused(meAnswer.kind === 'answer' && meAnswer.status >= 500 ? 'unreachable' : 'token_refused', meAnswer);
      const chatAnswer = await call(token, 'getChat', { chat_id: channel });
      const chat = result(chatAnswer);
      if (!chat) return refused(chatAnswer.kind === 'answer' && chatAnswer.status >= 500 ? 'unreachable' : 'channel_not_found', chatAnswer);
      if (chat.type !== 'channel' || typeof chat.id !== 'number') return { kind: 'refused', reason: 'not_channel', detail: `a ${String(chat.type)}, not a channel` };
      const account: TelegramAccount = { token, chatId: String(chat.id), botId: me.id };
      const member = await membership(account);
      if (member.kind !== 'ok') return { kind: 'refused', reason: member.kind, detail: member.detail };
      const username = typeof chat.username === 'string' ? chat.username : null;
      const title = typeof chat.title === 'string' && chat.title.trim() !== '' ? chat.title.trim() : username ? `@${username}` : account.chatId;
      return { account, title, username };
    },
  };
}

export type TelegramClient = ReturnType<typeof telegramClient>;
