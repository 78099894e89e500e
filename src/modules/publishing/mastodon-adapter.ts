/**
 * Mastodon, on any instance (docs.joinmastodon.org, REST API):
 * - connecting: the app registers itself on the instance once (`POST /api/v1/apps`), sends the
 *   partner to `/oauth/authorize` (authorization code, `state` against forgery), exchanges the
 *   code at `/oauth/token`, and reads who the partner is (`verify_credentials`) and the instance's
 *   own limits (`GET /api/v2/instance`: `configuration.statuses.max_characters` and
 *   `characters_reserved_per_url`);
 * - publishing: `POST /api/v1/statuses` with the publication's `Idempotency-Key` (the instance
 *   answers a repeated key with the first status for an hour);
 * - an image (PublishRequest.image, Mastodon's own variant): `POST /api/v2/media` (multipart, the
 *   alt text as `description`); a 202 means the instance is still processing it, so
 *   `GET /api/v1/media/:id` is asked until it answers 200 (206 meanwhile), a few times a second
 *   apart at most; then the status carries `media_ids[]`. Nothing is posted before the status, so
 *   an upload that fails is `not_sent` (or a rate limit, a refused credential, a refused image);
 * - looking up: the partner's recent statuses (`GET /api/v1/accounts/:id/statuses`), searched for
 *   the publication's link, which no other publication has (its sub-id).
 * Every call goes through the outbound guard (remote-address.ts): the instance URL was checked
 * when entered and every connection is checked again.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterContext, CheckOutcome, LookupOutcome, NetworkAdapter, PublishImage, PublishOutcome, PublishRequest } from './adapter.js';
import type { LengthRule } from './post-text.js';
import { answerJson, answerObject, retryAt, sendRequest, type HttpAnswer } from './outbound-http.js';
import type { OutboundPolicy } from './remote-address.js';

/** `write:media` for a post's image: an account connected before it asked for images gets a 403 on upload, and is asked to reconnect. */
export const MASTODON_SCOPES = 'read:accounts read:statuses write:statuses write:media';

export interface MastodonAccount {
  instanceUrl: string;
  accessToken: string;
  /** The partner's account id on the instance (from verify_credentials). */
  accountId: string;
  /** The instance's limits when the account was connected. */
  maxCharacters: number;
  charactersReservedPerUrl: number;
}

export interface MastodonApp {
  clientId: string;
  clientSecret: string;
}

/** Pages of 40 statuses read back when looking a publication up. */
const LOOKUP_PAGES = 5;

/** Defaults of a stock Mastodon when the instance does not say. */
const DEFAULT_LIMITS = { maxCharacters: 500, charactersReservedPerUrl: 23 };

type Failure = { kind: 'failed'; detail: string; status: number | null };

const describe = (answer: HttpAnswer) => {
  const error = answerObject(answer)?.error;
  return `${answer.status}${typeof error === 'string' ? `: ${error.slice(0, 300)}` : ''}`;
};

/** A multipart/form-data body (RFC 7578): text fields, then one file. */
function multipartBody(fields: Record<string, string>, file: { name: string; filename: string; type: string; data: Buffer }): { body: Buffer; type: string } {
  const boundary = `PlugAndEarn${randomBytes(16).toString('hex')}`;
  const quoted = (value: string) => value.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`, 'utf8'));
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${quoted(file.name)}"; filename="${quoted(file.filename)}"\r\ncontent-type: ${file.type}\r\n\r\n`, 'utf8'), file.data, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/** How often, and how many times, an image still processing is asked about. */
const MEDIA_POLL = { attempts: 10, intervalMs: 1000 };

export function mastodonClient(policy: OutboundPolicy, options: { timeoutMs?: number; now?: () => Date; mediaPollMs?: number } = {}) {
  const now = options.now ?? (() => new Date());
  const call = (instanceUrl: string, path: string, init: { method: 'GET' | 'POST'; form?: Record<string, string>; multipart?: { body: Buffer; type: string }; token?: string; headers?: Record<string, string> }, signal?: AbortSignal) =>
    sendRequest(new URL(path, instanceUrl), {
      method: init.method,
      body: init.multipart?.body ?? (init.form ? new URLSearchParams(init.form).toString() : undefined),
      headers: {
        accept: 'application/json',
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(init.multipart ? { 'content-type': init.multipart.type } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...init.headers,
      },
      policy,
      timeoutMs: options.timeoutMs,
      signal,
    });

  async function expectJson(instanceUrl: string, path: string, init: Parameters<typeof call>[2]): Promise<Record<string, unknown> | Failure> {
    const answer = await call(instanceUrl, path, init);
    if (answer.kind !== 'answer') return { kind: 'failed', detail: answer.detail, status: null };
    const body = answerObject(answer);
    if (answer.status < 200 || answer.status >= 300 || !body) return { kind: 'failed', detail: describe(answer), status: answer.status };
    return body;
  }
  const failed = (value: Record<string, unknown> | Failure): value is Failure => value.kind === 'failed' && 'detail' in value && 'status' in value;

  type Upload = { kind: 'ready'; id: string } | Exclude<PublishOutcome, { kind: 'published' | 'unknown' }>;
  /** What an answer about an image says when it is not the image itself; nothing was posted. */
  const uploadFailure = (answer: HttpAnswer): Upload => {
    if (answer.status === 429 || answer.status === 503) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
    if (answer.status === 401 || answer.status === 403) return { kind: 'credentials_refused', detail: `image upload: ${describe(answer)}` };
    if (answer.status === 422 || answer.status === 413 || answer.status === 400) return { kind: 'rejected', detail: `image upload: ${describe(answer)}` };
    return { kind: 'not_sent', detail: `image upload: ${describe(answer)}` };
  };

  /** The image uploaded and processed, ready to attach: its media id, or why not. */
  async function uploadMedia(account: MastodonAccount, image: PublishImage, signal?: AbortSignal): Promise<Upload> {
    const extension = image.mime === 'image/png' ? 'png' : 'jpg';
    const multipart = multipartBody({ description: image.alt }, { name: 'file', filename: `image.${extension}`, type: image.mime, data: image.data });
    const answer = await call(account.instanceUrl, '/api/v2/media', { method: 'POST', token: account.accessToken, multipart }, signal);
    if (answer.kind !== 'answer') return { kind: 'not_sent', detail: `image upload: ${answer.detail}` };
    const media = answerObject(answer);
    if ((answer.status !== 200 && answer.status !== 202) || typeof media?.id !== 'string') return uploadFailure(answer);
    // 200 with its url: processed. 202 (url null): asked again until GET answers 200.
    if (answer.status === 200 && media.url !== null) return { kind: 'ready', id: media.id };
    const path = `/api/v1/media/${encodeURIComponent(media.id)}`;
    for (let attempt = 0; attempt < MEDIA_POLL.attempts; attempt++) {
      try {
        await sleep(options.mediaPollMs ?? MEDIA_POLL.intervalMs, undefined, { signal });
      } catch {
        return { kind: 'not_sent', detail: 'image upload: stopped while the instance processed the image' };
      }
      const polled = await call(account.instanceUrl, path, { method: 'GET', token: account.accessToken }, signal);
      if (polled.kind !== 'answer') return { kind: 'not_sent', detail: `image upload: ${polled.detail}` };
      if (polled.status === 200) return { kind: 'ready', id: media.id };
      if (polled.status !== 206) return uploadFailure(polled);
    }
    return { kind: 'not_sent', detail: `image upload: still processing after ${MEDIA_POLL.attempts} checks` };
  }

  const adapter: NetworkAdapter<MastodonAccount> = {
    network: 'mastodon',
    lengthRule: (account): LengthRule => ({ kind: 'code-points-short-links', max: account.maxCharacters, urlLength: account.charactersReservedPerUrl }),

    async publish(account: MastodonAccount, request: PublishRequest, context: AdapterContext<MastodonAccount> = {}): Promise<PublishOutcome> {
      let media: string | null = null;
      if (request.image) {
        const uploaded = await uploadMedia(account, request.image, context.signal);
        if (uploaded.kind !== 'ready') return uploaded;
        media = uploaded.id;
      }
      const form = { status: request.text, visibility: 'public', ...(media ? { 'media_ids[]': media } : {}) };
      const answer = await call(account.instanceUrl, '/api/v1/statuses', { method: 'POST', token: account.accessToken, form, headers: { 'idempotency-key': request.idempotencyKey } }, context.signal);
      if (answer.kind === 'not_sent') return { kind: 'not_sent', detail: answer.detail };
      if (answer.kind === 'no_answer') return { kind: 'unknown', detail: answer.detail };
      const body = answerObject(answer);
      if (answer.status === 200 && body && typeof body.id === 'string') return { kind: 'published', remoteId: body.id, remoteUrl: typeof body.url === 'string' ? body.url : null };
      if (answer.status === 429 || answer.status === 503) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
      if (answer.status === 401 || answer.status === 403) return { kind: 'credentials_refused', detail: describe(answer) };
      if (answer.status === 422 || answer.status === 400 || answer.status === 404) return { kind: 'rejected', detail: describe(answer) };
      return { kind: 'unknown', detail: describe(answer) };
    },

    async check(account: MastodonAccount, context: AdapterContext<MastodonAccount> = {}): Promise<CheckOutcome> {
      const answer = await call(account.instanceUrl, '/api/v1/accounts/verify_credentials', { method: 'GET', token: account.accessToken }, context.signal);
      if (answer.kind !== 'answer') return { kind: 'unreachable', detail: answer.detail };
      if (answer.status === 200) return { kind: 'ok' };
      if (answer.status === 401 || answer.status === 403) return { kind: 'credentials_refused', detail: describe(answer) };
      return { kind: 'unreachable', detail: describe(answer) };
    },

    async lookup(account: MastodonAccount, request: PublishRequest, context: AdapterContext<MastodonAccount> = {}): Promise<LookupOutcome> {
      // Statuses are HTML: the link is a whole href (so « …/r/pub3 » is not found in « …/r/pub30 »),
      // with & written &amp;. The partner's latest statuses, newest first, a page of 40 at a time
      // (max_id), as far back as LOOKUP_PAGES pages: a post lost a moment ago is among the first.
      const href = `href="${request.link}"`;
      let maxId: string | null = null;
      for (let page = 0; page < LOOKUP_PAGES; page++) {
        const path = `/api/v1/accounts/${encodeURIComponent(account.accountId)}/statuses?limit=40&exclude_reblogs=true${maxId ? `&max_id=${encodeURIComponent(maxId)}` : ''}`;
        const answer = await call(account.instanceUrl, path, { method: 'GET', token: account.accessToken }, context.signal);
        if (answer.kind !== 'answer') return { kind: 'cannot_tell', detail: answer.detail };
        const statuses = answer.status === 200 ? answerJson(answer) : null;
        if (!Array.isArray(statuses)) return { kind: 'cannot_tell', detail: describe(answer) };
        const found = statuses.find((status: { content?: unknown }) => typeof status.content === 'string' && status.content.replace(/&amp;/g, '&').includes(href)) as { id?: unknown; url?: unknown } | undefined;
        if (found && typeof found.id === 'string') return { kind: 'published', remoteId: found.id, remoteUrl: typeof found.url === 'string' ? found.url : null };
        const last = statuses.at(-1) as { id?: unknown } | undefined;
        if (statuses.length < 40 || typeof last?.id !== 'string') return { kind: 'not_found' };
        maxId = last.id;
      }
      // Not among the latest LOOKUP_PAGES × 40: the partner posted that much since? Let them check.
      return { kind: 'cannot_tell', detail: `not among the account's latest ${LOOKUP_PAGES * 40} statuses` };
    },
  };

  return {
    adapter,
    /** Registers Plug & Earn on the instance (once per instance; the result is kept). */
    async registerApp(instanceUrl: string, redirectUri: string, website: string): Promise<MastodonApp | Failure> {
      const body = await expectJson(instanceUrl, '/api/v1/apps', { method: 'POST', form: { client_name: 'Plug & Earn', redirect_uris: redirectUri, scopes: MASTODON_SCOPES, website } });
      if (failed(body)) return body;
      if (typeof body.client_id !== 'string' || typeof body.client_secret !== 'string') return { kind: 'failed', detail: 'the instance registered no client', status: null };
      return { clientId: body.client_id, clientSecret: body.client_secret };
    },
    /** Where to send the partner to approve the connection. */
    authorizeUrl(instanceUrl: string, app: MastodonApp, redirectUri: string, state: string): string {
      const url = new URL('/oauth/authorize', instanceUrl);
      url.search = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: redirectUri, scope: MASTODON_SCOPES, state }).toString();
      return url.href;
    },
    /** The code the partner came back with, exchanged for the account: token, id, limits. */
    async connect(instanceUrl: string, app: MastodonApp, redirectUri: string, code: string): Promise<(MastodonAccount & { handle: string; profileUrl: string | null }) | Failure> {
      const token = await expectJson(instanceUrl, '/oauth/token', { method: 'POST', form: { grant_type: 'authorization_code', code, client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: redirectUri, scope: MASTODON_SCOPES } });
      if (failed(token)) return token;
      // An empty token is never kept: the connection failed.
      if (typeof token.access_token !== 'string' || token.access_token === '') return { kind: 'failed', detail: 'the instance gave no token', status: null };
      const me = await expectJson(instanceUrl, '/api/v1/accounts/verify_credentials', { method: 'GET', token: token.access_token });
      if (failed(me)) return me;
      if (typeof me.id !== 'string') return { kind: 'failed', detail: 'the instance did not say who the account is', status: null };
      const instance = await expectJson(instanceUrl, '/api/v2/instance', { method: 'GET' });
      const statuses = failed(instance) ? null : ((instance.configuration as { statuses?: Record<string, unknown> } | undefined)?.statuses ?? null);
      const limit = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback);
      return {
        instanceUrl,
        accessToken: token.access_token,
        accountId: me.id,
        handle: typeof me.acct === 'string' ? me.acct : me.id,
        profileUrl: typeof me.url === 'string' ? me.url : null,
        maxCharacters: limit(statuses?.max_characters, DEFAULT_LIMITS.maxCharacters),
        charactersReservedPerUrl: limit(statuses?.characters_reserved_per_url, DEFAULT_LIMITS.charactersReservedPerUrl),
      };
    },
  };
}
