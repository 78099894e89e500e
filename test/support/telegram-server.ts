/**
 * Telegram's Bot API on loopback, written from core.telegram.org/bots/api, not from our adapter:
 * `https://api.telegram.org/bot<token>/METHOD_NAME` by GET or POST, parameters in the query
 * string, as application/x-www-form-urlencoded or as application/json; every answer a JSON object
 * with `ok`, and either `result` or `error_code` and `description` (and `parameters.retry_after`
 * on flood control). The methods: getMe, getChat, getChatMember, sendMessage (4096 characters
 * after entities parsing; `link_preview_options`). The descriptions are those Telegram answers
 * with (« Unauthorized », « Bad Request: chat not found », « Forbidden: bot is not a member of the
 * channel chat », « Too Many Requests: retry after N »…).
 *
 * One bot; a public channel where it is an administrator, a private one, a channel where it may not
 * post, one it is not in, and a group. Knobs: a count of messages before flood control, revoking
 * the token (@BotFather /revoke), removing the bot from a channel, and losing the answer of the
 * next message after sending it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback } from './loopback-server.js';

export interface TelegramChat {
  id: number;
  type: 'channel' | 'supergroup' | 'group' | 'private';
  title: string;
  username?: string;
  /** What the bot is there: an administrator (with or without the right to post) or not in it. */
  bot: 'admin' | 'admin_without_post' | 'none';
}

export interface SentMessage {
  chatId: number;
  messageId: number;
  text: string;
  /** Every parameter the call carried, as received. */
  params: Record<string, unknown>;
}

export interface FakeTelegram {
  /** What TELEGRAM_API_URL points to. */
  apiUrl: string;
  token: string;
  botId: number;
  chats: TelegramChat[];
  messages: SentMessage[];
  /** Messages accepted before flood control answers 429 (null: no limit). */
  remainingMessages: number | null;
  /** Seconds flood control asks to wait. */
  retryAfter: number;
  /** The next message is sent, then the connection is cut before the answer. */
  loseNextAnswer: boolean;
  /** @BotFather /revoke: the token stops working (401 Unauthorized); `token` becomes the new one. */
  revokeToken(): void;
  close(): Promise<void>;
}

const MAX_TEXT = 4096;
const URLS = /https?:\/\/[^\s]+/g;

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const botId = 7_000_000_000 + Math.floor(Math.random() * 1_000_000);
  let token = `${botId}:AAH${randomBytes(24).toString('base64url').slice(0, 32)}`;
  const messageIds = new Map<number, number>();

  const state: FakeTelegram = {
    apiUrl: '',
    token,
    botId,
    chats: [
      { id: -1001234567890, type: 'channel', title: 'Les bons plans de Lina', username: 'bonsplans_lina', bot: 'admin' },
      { id: -1009876543210, type: 'channel', title: 'Lina — privé', bot: 'admin' },
      { id: -1005555555555, type: 'channel', title: 'Lecture seule', username: 'lecture_seule', bot: 'admin_without_post' },
      { id: -1007777777777, type: 'channel', title: 'Sans le bot', username: 'sans_le_bot', bot: 'none' },
      { id: -1003333333333, type: 'supergroup', title: 'Le groupe', username: 'le_groupe_lina', bot: 'admin' },
    ],
    messages: [],
    remainingMessages: null,
    retryAfter: 35,
    loseNextAnswer: false,
    revokeToken: () => {
      token = `${botId}:AAH${randomBytes(24).toString('base64url').slice(0, 32)}`;
      state.token = token;
    },
    close: () => Promise.resolve(),
  };

  const reply = (response: ServerResponse, body: object) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const fail = (response: ServerResponse, code: number, description: string, parameters?: object) =>
    response.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) }));

  const chatOf = (value: unknown): TelegramChat | undefined => {
    const ref = String(value ?? '');
    // Private channels are reached by id only, and only by a bot in them.
    return state.chats.find((chat) => String(chat.id) === ref || (chat.username !== undefined && ref.toLowerCase() === `@${chat.username.toLowerCase()}`));
  };
  const publicChat = ({ id, type, title, username }: TelegramChat) => ({ id, type, title, ...(username ? { username } : {}) });
  const botUser = { id: botId, is_bot: true, first_name: 'Lina Bot', username: 'lina_promo_bot' };
  const rights = (canPost: boolean) => ({
    can_be_edited: false,
    is_anonymous: false,
    can_manage_chat: true,
    can_delete_messages: true,
    can_manage_video_chats: false,
    can_restrict_members: true,
    can_promote_members: false,
    can_change_info: true,
    can_invite_users: true,
    can_post_stories: false,
    can_edit_stories: false,
    can_delete_stories: false,
    can_post_messages: canPost,
    can_edit_messages: true,
  });
  /** The url entities Telegram finds in a text without parse_mode, offsets in UTF-16 code units. */
  const entities = (text: string) => [...text.matchAll(URLS)].map((match) => ({ type: 'url', offset: match.index, length: match[0].length }));

  function handle(request: IncomingMessage, response: ServerResponse, raw: string): unknown {
    const url = new URL(request.url ?? '/', state.apiUrl);
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!route) return fail(response, 404, 'Not Found');
    const [, given, method] = route;
    // A token of the wrong shape is not a bot at all: 404; a well-formed one that does not work: 401.
    if (!/^\d+:[\w-]{30,}$/.test(given!)) return fail(response, 404, 'Not Found');
    if (given !== token) return fail(response, 401, 'Unauthorized');
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
    let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    if (raw !== '') {
      if (type === 'application/json') {
        try {
          params = { ...params, ...(JSON.parse(raw) as Record<string, unknown>) };
        } catch {
          return fail(response, 400, 'Bad Request: can\'t parse JSON object');
        }
      } else if (type === 'application/x-www-form-urlencoded') {
        params = { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
      }
    }

    switch (method!.toLowerCase()) {
      case 'getme':
        return reply(response, { ok: true, result: { ...botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } });
      case 'getchat': {
        const chat = chatOf(params.chat_id);
        if (!chat || (chat.bot === 'none' && !chat.username)) return fail(response, 400, 'Bad Request: chat not found');
        return reply(response, { ok: true, result: { ...publicChat(chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } } });
      }
      case 'getchatmember': {
        const chat = chatOf(params.chat_id);
        if (!chat || (chat.bot === 'none' && !chat.username)) return fail(response, 400, 'Bad Request: chat not found');
        if (chat.type === 'channel' && chat.bot === 'none') return fail(response, 400, 'Bad Request: member list is inaccessible');
        if (Number(params.user_id) !== botId) return fail(response, 400, 'Bad Request: user not found');
        if (chat.bot === 'none') return reply(response, { ok: true, result: { status: 'left', user: botUser } });
        return reply(response, { ok: true, result: { status: 'administrator', user: botUser, ...rights(chat.bot === 'admin') } });
      }
      case 'sendmessage': {
        const chat = chatOf(params.chat_id);
        if (!chat || (chat.bot === 'none' && !chat.username)) return fail(response, 400, 'Bad Request: chat not found');
        if (chat.type === 'channel' && chat.bot === 'none') return fail(response, 403, 'Forbidden: bot is not a member of the channel chat');
        if (chat.type === 'channel' && chat.bot === 'admin_without_post') return fail(response, 400, 'Bad Request: need administrator rights in the channel chat');
        const text = typeof params.text === 'string' ? params.text : '';
        if (text.trim() === '') return fail(response, 400, 'Bad Request: message text is empty');
        if (params.parse_mode !== undefined) return fail(response, 400, 'Bad Request: can\'t parse entities: unexpected parse_mode in this server');
        if (text.length > MAX_TEXT) return fail(response, 400, 'Bad Request: message is too long');
        if (state.remainingMessages !== null) {
          if (state.remainingMessages <= 0) return fail(response, 429, `Too Many Requests: retry after ${state.retryAfter}`, { retry_after: state.retryAfter });
          state.remainingMessages -= 1;
        }
        const messageId = (messageIds.get(chat.id) ?? 0) + 1;
        messageIds.set(chat.id, messageId);
        state.messages.push({ chatId: chat.id, messageId, text, params });
        if (state.loseNextAnswer) {
          state.loseNextAnswer = false;
          request.socket.destroy();
          return;
        }
        const preview = params.link_preview_options;
        return reply(response, {
          ok: true,
          result: { message_id: messageId, sender_chat: publicChat(chat), chat: publicChat(chat), date: Math.floor(Date.now() / 1000), text, entities: entities(text), ...(preview && typeof preview === 'object' ? { link_preview_options: preview } : {}) },
        });
      }
      default:
        return fail(response, 404, 'Not Found');
    }
  }

  const server = await serveOnLoopback(handle);
  state.apiUrl = `${server.origin}`;
  state.close = server.close;
  return state;
}
