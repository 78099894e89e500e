/**
 * A Mastodon instance on loopback, written from docs.joinmastodon.org (REST API: apps, OAuth
 * authorization code, accounts, statuses, instance v2; rate limits; Idempotency-Key), not from
 * our adapter: the shapes, status codes and error bodies a real instance answers with.
 * One user, « lina », who approves every authorization at once. Knobs for the tests: a limit of
 * statuses before 429, revoking tokens, and losing the answer of the next status after posting it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface MastodonStatus {
  id: string;
  created_at: string;
  content: string;
  url: string;
  visibility: string;
  text: string;
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
  const tokens = new Set<string>();
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
    revokeTokens: () => tokens.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  const authorized = (request: IncomingMessage) => {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    return match !== null && tokens.has(match[1]!);
  };

  function handle(request: IncomingMessage, response: ServerResponse, raw: string): unknown {
    const url = new URL(request.url ?? '/', state.origin);
    const form = Object.fromEntries(new URLSearchParams(raw));
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
      tokens.add(token);
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
      if (text.trim() === '') return send(response, 422, { error: 'Validation failed: Text can\'t be blank' });
      if ([...text.replace(URLS, 'x'.repeat(23))].length > state.maxCharacters) return send(response, 422, { error: `Validation failed: Text character limit of ${state.maxCharacters} exceeded` });
      if (state.remainingStatuses !== null) {
        if (state.remainingStatuses <= 0) {
          return send(response, 429, { error: 'Too many requests' }, { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(Date.now() + 1_800_000).toISOString() });
        }
        state.remainingStatuses -= 1;
      }
      nextId += 1n;
      const status: MastodonStatus = { id: String(nextId), created_at: new Date().toISOString(), content: render(text), url: `${state.origin}/@lina/${nextId}`, visibility: form.visibility ?? 'public', text };
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
    return send(response, 404, { error: 'Record not found' });
  }

  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => handle(request, response, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}
