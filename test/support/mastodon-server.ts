/**
 * A Mastodon instance on loopback, written from docs.joinmastodon.org (REST API: apps, OAuth
 * authorization code, accounts, statuses, instance v2; rate limits; Idempotency-Key), not from
 * our adapter: the shapes, status codes and error bodies a real instance answers with.
 * One user, « lina », who approves every authorization at once. Knobs for the tests: a limit of
 * statuses before 429, revoking tokens, and losing the answer of the next status after posting it.
 * Media (POST /api/v2/media, GET /api/v1/media/:id, `media_ids[]` on a status) as the docs say:
 * the `write:media` scope, a multipart `file` and `description`, 200 when processed at once or 202
 * then 206 until it is, 422 for what an instance refuses (no file, not an image, over 16 MB, a
 * description over 1,500 characters, attaching a file still processing).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import sharp from 'sharp';

export interface MastodonStatus {
  id: string;
  created_at: string;
  content: string;
  url: string;
  visibility: string;
  text: string;
  media_attachments: Array<Omit<MastodonMedia, 'data' | 'mime' | 'checksLeft' | 'statusId'>>;
}

export interface MastodonMedia {
  id: string;
  type: 'image';
  url: string | null;
  preview_url: string | null;
  remote_url: null;
  description: string | null;
  blurhash: null;
  meta: { original: { width: number; height: number; size: string; aspect: number } };
  /** What was uploaded, as received. */
  data: Buffer;
  mime: string;
  /** GETs still answered 206 (processing). */
  checksLeft: number;
  statusId: string | null;
}

export interface FakeMastodon {
  origin: string;
  statuses: MastodonStatus[];
  maxCharacters: number;
  /** Statuses accepted before the next ones get 429 (null: no limit). */
  remainingStatuses: number | null;
  /** The next status is created, then the connection is cut before the answer. */
  loseNextAnswer: boolean;
  /**
   * Whether a repeated Idempotency-Key gets the first status back, as Mastodon does. The crash test
   * turns it off, so that only our lookup-before-retry can keep a post from going out twice.
   */
  honourIdempotency: boolean;
  /** Milliseconds between creating a status and answering (a slow instance, for crash tests). */
  answerDelayMs: number;
  media: MastodonMedia[];
  /** How many GET /api/v1/media/:id answer 206 before an upload is processed (0: POST answers 200 at once). */
  mediaProcessingChecks: number;
  /** The status the next media upload answers instead of doing it (a 503, a 500), then null again. */
  nextMediaStatus: number | null;
  revokeTokens(): void;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// Mastodon renders links as anchors and counts each URL as 23 characters.
const URLS = /https?:\/\/\S+/g;
const render = (text: string) => `<p>${text.split('\n').map((line) => escapeHtml(line).replace(/https?:\/\/\S+/g, (url) => `<a href="${url}" rel="nofollow noopener" target="_blank">${url}</a>`)).join('<br />')}</p>`;

export async function startFakeMastodon(options: { maxCharacters?: number } = {}): Promise<FakeMastodon> {
  const apps = new Map<string, { secret: string; redirectUri: string; scopes: string }>();
  const codes = new Map<string, { clientId: string; redirectUri: string }>();
  /** Each token's scopes. */
  const tokens = new Map<string, Set<string>>();
  const idempotency = new Map<string, { status: MastodonStatus; at: number }>();
  let nextId = 109_000_000_000_000_000n;

  const state: FakeMastodon = {
    origin: '',
    statuses: [],
    maxCharacters: options.maxCharacters ?? 500,
    remainingStatuses: null,
    loseNextAnswer: false,
    honourIdempotency: true,
    answerDelayMs: 0,
    media: [],
    mediaProcessingChecks: 0,
    nextMediaStatus: null,
    revokeTokens: () => tokens.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  const tokenOf = (request: IncomingMessage) => /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const authorized = (request: IncomingMessage) => tokens.has(tokenOf(request));
  /** A scope or its parent (`write` covers `write:media`). */
  const allows = (request: IncomingMessage, scope: string) => {
    const granted = tokens.get(tokenOf(request));
    return granted !== undefined && (granted.has(scope) || granted.has(scope.split(':')[0]!));
  };
  const shownMedia = ({ data: _data, mime: _mime, checksLeft: _checks, statusId: _status, ...media }: MastodonMedia) => media;

  async function uploadMedia(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<unknown> {
    if (!allows(request, 'write:media')) return send(response, 403, { error: 'This action is outside the authorized scopes' });
    if (state.nextMediaStatus !== null) {
      const status = state.nextMediaStatus;
      state.nextMediaStatus = null;
      return send(response, status, { error: status === 503 ? 'Service Unavailable' : 'We\'re sorry, but something went wrong on our end.' });
    }
    let fields: FormData;
    try {
      fields = await new Request('http://mastodon.local/', { method: 'POST', headers: { 'content-type': request.headers['content-type'] ?? '' }, body }).formData();
    } catch {
      return send(response, 422, { error: 'Validation failed: File can\'t be blank' });
    }
    const file = fields.get('file');
    if (!(file instanceof Blob)) return send(response, 422, { error: 'Validation failed: File can\'t be blank' });
    const data = Buffer.from(await file.arrayBuffer());
    if (data.length > 16 * 1024 * 1024) return send(response, 422, { error: 'Validation failed: File file size must be less than 16 MB' });
    const description = fields.get('description');
    if (typeof description === 'string' && [...description].length > 1500) return send(response, 422, { error: 'Validation failed: Description is too long (maximum is 1500 characters)' });
    const size = await sharp(data).metadata().then((found) => ({ width: found.width ?? 0, height: found.height ?? 0 }), () => null);
    if (!size || !['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/heic'].includes(file.type)) return send(response, 422, { error: 'Validation failed: File content type is invalid, File is invalid' });
    nextId += 1n;
    const id = String(nextId);
    const processing = state.mediaProcessingChecks > 0;
    const media: MastodonMedia = {
      id,
      type: 'image',
      url: processing ? null : `${state.origin}/system/media_attachments/${id}/original.jpg`,
      preview_url: `${state.origin}/system/media_attachments/${id}/small.jpg`,
      remote_url: null,
      description: typeof description === 'string' && description !== '' ? description : null,
      blurhash: null,
      meta: { original: { ...size, size: `${size.width}x${size.height}`, aspect: size.width / size.height } },
      data,
      mime: file.type,
      checksLeft: state.mediaProcessingChecks,
      statusId: null,
    };
    state.media.push(media);
    return send(response, processing ? 202 : 200, shownMedia(media));
  }

  function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): unknown {
    const raw = body.toString('utf8');
    const url = new URL(request.url ?? '/', state.origin);
    const params = new URLSearchParams(raw);
    const form = Object.fromEntries(params);
    const route = `${request.method} ${url.pathname}`;
    if (route === 'POST /api/v1/apps') {
      if (!form.client_name || !form.redirect_uris) return send(response, 422, { error: 'Validation failed: Application name can\'t be blank, Redirect URI can\'t be blank' });
      const clientId = randomBytes(16).toString('hex');
      const secret = randomBytes(16).toString('hex');
      apps.set(clientId, { secret, redirectUri: form.redirect_uris, scopes: form.scopes ?? 'read' });
      return send(response, 200, { id: String(apps.size), name: form.client_name, website: form.website ?? null, redirect_uri: form.redirect_uris, client_id: clientId, client_secret: secret, vapid_key: 'BCk-QqERU0q' });
    }
    if (route === 'GET /oauth/authorize') {
      const app = apps.get(url.searchParams.get('client_id') ?? '');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (!app || app.redirectUri !== redirectUri || url.searchParams.get('response_type') !== 'code') {
        return response.writeHead(400, { 'content-type': 'text/html' }).end('<p>The redirect uri included is not valid.</p>');
      }
      // « lina » is signed in and presses Authorize.
      const code = randomBytes(16).toString('hex');
      codes.set(code, { clientId: url.searchParams.get('client_id')!, redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      if (url.searchParams.has('state')) back.searchParams.set('state', url.searchParams.get('state')!);
      return response.writeHead(302, { location: back.href }).end();
    }
    if (route === 'POST /oauth/token') {
      const app = apps.get(form.client_id ?? '');
      if (!app || app.secret !== form.client_secret) return send(response, 401, { error: 'invalid_client', error_description: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.' });
      const grant = codes.get(form.code ?? '');
      if (form.grant_type !== 'authorization_code' || !grant || grant.clientId !== form.client_id || grant.redirectUri !== form.redirect_uri) {
        return send(response, 400, { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.' });
      }
      codes.delete(form.code!);
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, new Set((form.scope ?? app.scopes).split(/\s+/)));
      return send(response, 200, { access_token: token, token_type: 'Bearer', scope: form.scope ?? app.scopes, created_at: Math.floor(Date.now() / 1000) });
    }
    if (route === 'GET /api/v2/instance') {
      return send(response, 200, { domain: url.host, title: 'Local Mastodon', version: '4.3.0', configuration: { urls: {}, accounts: { max_featured_tags: 10 }, statuses: { max_characters: state.maxCharacters, max_media_attachments: 4, characters_reserved_per_url: 23 } } });
    }
    if (!authorized(request)) return send(response, 401, { error: 'The access token is invalid' });
    if (route === 'GET /api/v1/accounts/verify_credentials') {
      return send(response, 200, { id: '1', username: 'lina', acct: 'lina', display_name: 'Lina', url: `${state.origin}/@lina`, source: { privacy: 'public' } });
    }
    if (route === 'GET /api/v1/accounts/1/statuses') {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 40);
      // max_id: only statuses older than it (ids grow with time), newest first.
      const maxId = url.searchParams.get('max_id');
      const older = [...state.statuses].reverse().filter((status) => maxId === null || BigInt(status.id) < BigInt(maxId));
      return send(response, 200, older.slice(0, limit).map(({ text: _omit, ...status }) => status));
    }
    if (route === 'POST /api/v1/statuses') {
      const key = request.headers['idempotency-key'];
      const earlier = typeof key === 'string' ? idempotency.get(key) : undefined;
      if (earlier && state.honourIdempotency && Date.now() - earlier.at < 3_600_000) {
        const { text: _omit, ...status } = earlier.status;
        return send(response, 200, status);
      }
      const text = form.status ?? '';
      // Unknown ids, or files attached elsewhere, are left out, as Mastodon does; one still processing is refused.
      const attached = params.getAll('media_ids[]').map((id) => state.media.find((media) => media.id === id && media.statusId === null)).filter((media): media is MastodonMedia => media !== undefined);
      if (attached.length > 4) return send(response, 422, { error: 'Validation failed: You can\'t attach more than 4 files' });
      if (attached.some((media) => media.url === null)) return send(response, 422, { error: 'Cannot attach files that have not finished processing. Try again in a moment!' });
      if (text.trim() === '' && attached.length === 0) return send(response, 422, { error: 'Validation failed: Text can\'t be blank' });
      if ([...text.replace(URLS, 'x'.repeat(23))].length > state.maxCharacters) return send(response, 422, { error: `Validation failed: Text character limit of ${state.maxCharacters} exceeded` });
      if (state.remainingStatuses !== null) {
        if (state.remainingStatuses <= 0) {
          return send(response, 429, { error: 'Too many requests' }, { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(Date.now() + 1_800_000).toISOString() });
        }
        state.remainingStatuses -= 1;
      }
      nextId += 1n;
      const status: MastodonStatus = { id: String(nextId), created_at: new Date().toISOString(), content: render(text), url: `${state.origin}/@lina/${nextId}`, visibility: form.visibility ?? 'public', text, media_attachments: attached.map(shownMedia) };
      for (const media of attached) media.statusId = status.id;
      state.statuses.push(status);
      if (typeof key === 'string') idempotency.set(key, { status, at: Date.now() });
      if (state.loseNextAnswer) {
        state.loseNextAnswer = false;
        request.socket.destroy();
        return;
      }
      const { text: _omit, ...shown } = status;
      if (state.answerDelayMs > 0) {
        setTimeout(() => send(response, 200, shown), state.answerDelayMs);
        return;
      }
      return send(response, 200, shown);
    }
    if (route === 'POST /api/v2/media') {
      void uploadMedia(request, response, body);
      return;
    }
    const mediaId = /^\/api\/v1\/media\/([^/]+)$/.exec(url.pathname)?.[1];
    if (request.method === 'GET' && mediaId) {
      const media = state.media.find((one) => one.id === decodeURIComponent(mediaId));
      if (!media) return send(response, 404, { error: 'Record not found' });
      if (media.url === null && media.checksLeft > 0) {
        media.checksLeft -= 1;
        return send(response, 206, shownMedia(media));
      }
      media.url ??= `${state.origin}/system/media_attachments/${media.id}/original.jpg`;
      return send(response, 200, shownMedia(media));
    }
    return send(response, 404, { error: 'Record not found' });
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}
