/**
 * Bluesky, on bsky.social or any PDS (AT Protocol, atproto.com/specs/xrpc):
 * - connecting: one `com.atproto.server.createSession` with the partner's handle (or DID, or
 *   email) and an app password; the session (access and refresh tokens, DID, handle) is kept
 *   sealed with the app password. Never one login per post: the network allows 30 createSession
 *   per 5 minutes;
 * - an expired access token (400 `ExpiredToken`) is renewed with
 *   `com.atproto.server.refreshSession` and the new session kept through
 *   `context.saveCredentials`; a refused refresh logs in again, once, with the app password; a
 *   refused login is a refused credential (the account waits to be reconnected);
 * - publishing: `com.atproto.repo.createRecord` of an `app.bsky.feed.post` whose record key is the
 *   publication's idempotency key (a TID chosen before the first try), so a retry can only hit the
 *   same record: the PDS refuses a second record under that key, and the adapter then finds the
 *   first one and reports it published;
 * - an image (PublishRequest.image, Bluesky's own variant): `com.atproto.repo.uploadBlob` first,
 *   then the record embeds it (`app.bsky.embed.images`, with its alt text and aspect ratio);
 * - looking up: `com.atproto.repo.getRecord` by that key.
 * Links and hashtags become facets (UTF-8 byte ranges) through @atproto/api's RichText; its HTTP
 * agent is not used: every call goes through the outbound guard (outbound-http.ts).
 */
import type { RichText } from '@atproto/api';
import { TID_FORMAT } from '../../lib/tid.js';
import type { AdapterContext, CheckOutcome, LookupOutcome, NetworkAdapter, PublishImage, PublishOutcome, PublishRequest } from './adapter.js';
import type { LengthRule } from './post-text.js';
import { answerObject, retryAt, sendRequest, type HttpAnswer, type NoAnswer, type NotSent } from './outbound-http.js';
import type { OutboundPolicy } from './remote-address.js';

export const BLUESKY_DEFAULT_SERVICE = 'https://bsky.social';
export const POST_COLLECTION = 'app.bsky.feed.post';
/** Bluesky counts a post in graphemes, a link in full. */
export const BLUESKY_LENGTH_RULE: LengthRule = { kind: 'graphemes', max: 300 };

export interface BlueskyAccount {
  /** The PDS (or entryway, bsky.social) the partner named, checked when entered. */
  service: string;
  did: string;
  handle: string;
  accessJwt: string;
  refreshJwt: string;
  /** Kept (sealed) only to log in again when the refresh token itself is refused. */
  appPassword: string;
}

export type BlueskySession = Omit<BlueskyAccount, 'appPassword' | 'service'>;

/** Why a connection failed, for a clear message on the form. */
export type ConnectFailure =
  | { kind: 'refused'; detail: string }
  /** The account's main password, not an app password: refused, never stored. */
  | { kind: 'main_password' }
  | { kind: 'rate_limited'; retryAt: Date }
  | { kind: 'unreachable'; detail: string };

type Answer = HttpAnswer | NotSent | NoAnswer;

/** The XRPC error name (`ExpiredToken`, `RecordNotFound`…), when the answer has one. */
const errorName = (answer: HttpAnswer): string | null => {
  const error = answerObject(answer)?.error;
  return typeof error === 'string' ? error : null;
};

const describe = (answer: HttpAnswer) => {
  const body = answerObject(answer);
  const said = [body?.error, body?.message].filter((part): part is string => typeof part === 'string').join(': ');
  return `${answer.status}${said ? ` ${said.slice(0, 300)}` : ''}`;
};

const isExpired = (answer: HttpAnswer) => (answer.status === 400 || answer.status === 401) && errorName(answer) === 'ExpiredToken';
/** A token or password the server will not take (revoked, expired, wrong). */
const isRefused = (answer: HttpAnswer) => answer.status === 401 || answer.status === 403 || (answer.status === 400 && ['ExpiredToken', 'InvalidToken', 'AuthenticationRequired', 'AccountTakedown', 'AccountDeactivated'].includes(errorName(answer) ?? ''));

/**
 * What kind of login a session is: an app password's tokens say `com.atproto.appPass` (or
 * `appPassPrivileged`), the main password's `com.atproto.access`. Read, not verified: only the
 * PDS needs to trust it.
 */
export function sessionScope(accessJwt: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(accessJwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: unknown };
    return typeof payload.scope === 'string' ? payload.scope : null;
  } catch {
    return null;
  }
}

/** The session a createSession or refreshSession answered, or null when a token is missing or empty. */
function sessionOf(answer: HttpAnswer): BlueskySession | null {
  const body = answerObject(answer);
  if (answer.status !== 200 || !body) return null;
  const { accessJwt, refreshJwt, did, handle } = body;
  if (typeof accessJwt !== 'string' || typeof refreshJwt !== 'string' || typeof did !== 'string' || typeof handle !== 'string') return null;
  if (accessJwt === '' || refreshJwt === '' || !did.startsWith('did:')) return null;
  return { accessJwt, refreshJwt, did, handle };
}

/**
 * Post facets for links and hashtags, in UTF-8 byte offsets. Mentions are left as plain text: a
 * mention facet must name a DID, and resolving handles would be another call per post (an
 * unresolved one makes the PDS refuse the record).
 */
export async function postFacets(text: string): Promise<NonNullable<RichText['facets']>> {
  // Loaded when first needed: @atproto/api brings its whole client (a second to load), which
  // the web server, which never publishes, need not wait for.
  const { RichText } = await import('@atproto/api');
  const rich = new RichText({ text });
  rich.detectFacetsWithoutResolution();
  return (rich.facets ?? [])
    .map((facet) => ({ ...facet, features: facet.features.filter((feature) => feature.$type !== 'app.bsky.richtext.facet#mention') }))
    .filter((facet) => facet.features.length > 0);
}

export function postUrl(handle: string, rkey: string): string {
  return `https://bsky.app/profile/${handle}/post/${rkey}`;
}

export function blueskyClient(policy: OutboundPolicy, options: { timeoutMs?: number; now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());

  /** An XRPC call: a query (GET) or a procedure (POST, with a JSON body or none). */
  const call = (service: string, nsid: string, init: { method: 'GET' | 'POST'; json?: unknown; bytes?: { data: Buffer; type: string }; query?: Record<string, string>; token?: string }, signal?: AbortSignal): Promise<Answer> => {
    const url = new URL(`/xrpc/${nsid}`, service);
    if (init.query) url.search = new URLSearchParams(init.query).toString();
    const type = init.bytes?.type ?? (init.json === undefined ? null : 'application/json');
    return sendRequest(url, {
      method: init.method,
      body: init.bytes?.data ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
      headers: { accept: 'application/json', ...(type ? { 'content-type': type } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      policy,
      timeoutMs: options.timeoutMs,
      signal,
    });
  };

  /** A login: the session, or why not. */
  async function createSession(service: string, identifier: string, password: string, signal?: AbortSignal): Promise<BlueskySession | ConnectFailure> {
    const answer = await call(service, 'com.atproto.server.createSession', { method: 'POST', json: { identifier, password } }, signal);
    if (answer.kind !== 'answer') return { kind: 'unreachable', detail: answer.detail };
    if (answer.status === 429) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
    const session = sessionOf(answer);
    if (session) return session;
    if (isRefused(answer) || answer.status === 400) return { kind: 'refused', detail: describe(answer) };
    return { kind: 'unreachable', detail: describe(answer) };
  }
  const failedLogin = (value: BlueskySession | ConnectFailure): value is ConnectFailure => 'kind' in value;

  type Renewal = { kind: 'renewed'; account: BlueskyAccount } | { kind: 'refused'; detail: string } | { kind: 'rate_limited'; retryAt: Date } | { kind: 'unreachable'; detail: string };

  /** A new session: refreshed, or else one new login with the app password. */
  async function renew(account: BlueskyAccount, context: AdapterContext<BlueskyAccount>): Promise<Renewal> {
    const refreshed = await call(account.service, 'com.atproto.server.refreshSession', { method: 'POST', token: account.refreshJwt }, context.signal);
    if (refreshed.kind !== 'answer') return { kind: 'unreachable', detail: refreshed.detail };
    if (refreshed.status === 429) return { kind: 'rate_limited', retryAt: retryAt(refreshed.headers, now()) };
    let session: BlueskySession | null = sessionOf(refreshed);
    // A 200 without a usable token is a refusal, never a new (empty) credential to keep.
    if (!session && refreshed.status === 200) return { kind: 'refused', detail: 'the refreshed session has no token' };
    if (!session) {
      if (!isRefused(refreshed)) return { kind: 'unreachable', detail: describe(refreshed) };
      // The refresh token expired or was revoked: one login with the app password, by DID (a
      // handle may have changed since).
      const login = await createSession(account.service, account.did, account.appPassword, context.signal);
      if (failedLogin(login)) return login.kind === 'main_password' ? { kind: 'refused', detail: 'not an app password' } : login;
      session = login;
    }
    if (session.did !== account.did) return { kind: 'refused', detail: 'the session is for another account' };
    const next: BlueskyAccount = { ...account, ...session };
    await context.saveCredentials?.(next);
    return { kind: 'renewed', account: next };
  }

  /**
   * An authenticated call; an expired or refused access token is renewed once and the call made
   * again. Whatever could not be renewed is said as the renewal's outcome.
   */
  async function withSession(account: BlueskyAccount, context: AdapterContext<BlueskyAccount>, send: (token: string) => Promise<Answer>): Promise<{ kind: 'sent'; answer: Answer; account: BlueskyAccount } | Exclude<Renewal, { kind: 'renewed' }>> {
    const first = await send(account.accessJwt);
    if (first.kind !== 'answer' || !(isExpired(first) || first.status === 401 || errorName(first) === 'InvalidToken')) return { kind: 'sent', answer: first, account };
    const renewal = await renew(account, context);
    if (renewal.kind !== 'renewed') return renewal;
    return { kind: 'sent', answer: await send(renewal.account.accessJwt), account: renewal.account };
  }

  async function getRecord(account: Pick<BlueskyAccount, 'service' | 'did' | 'handle'>, rkey: string, signal?: AbortSignal): Promise<LookupOutcome> {
    if (!TID_FORMAT.test(rkey)) return { kind: 'not_found' };
    // Public records: no token needed, so a lookup never spends a refresh.
    const answer = await call(account.service, 'com.atproto.repo.getRecord', { method: 'GET', query: { repo: account.did, collection: POST_COLLECTION, rkey } }, signal);
    if (answer.kind !== 'answer') return { kind: 'cannot_tell', detail: answer.detail };
    const body = answerObject(answer);
    if (answer.status === 200 && body && typeof body.uri === 'string') return { kind: 'published', remoteId: body.uri, remoteUrl: postUrl(account.handle, rkey) };
    if (answer.status === 400 && errorName(answer) === 'RecordNotFound') return { kind: 'not_found' };
    return { kind: 'cannot_tell', detail: describe(answer) };
  }

  /**
   * The image as a blob of the partner's repository (`com.atproto.repo.uploadBlob`, the bytes as
   * the body), for the post's `app.bsky.embed.images`. Nothing is posted by it, so whatever goes
   * wrong is safe to try again (`not_sent`), except a refused credential, a rate limit, or a
   * refusal of the image itself.
   */
  async function uploadImage(account: BlueskyAccount, image: PublishImage, context: AdapterContext<BlueskyAccount>): Promise<{ kind: 'uploaded'; blob: Record<string, unknown>; account: BlueskyAccount } | Exclude<PublishOutcome, { kind: 'published' | 'unknown' }>> {
    const sent = await withSession(account, context, (token) => call(account.service, 'com.atproto.repo.uploadBlob', { method: 'POST', bytes: { data: image.data, type: image.mime }, token }, context.signal));
    if (sent.kind === 'refused') return { kind: 'credentials_refused', detail: sent.detail };
    if (sent.kind === 'rate_limited') return { kind: 'rate_limited', retryAt: sent.retryAt };
    if (sent.kind === 'unreachable') return { kind: 'not_sent', detail: sent.detail };
    const { answer } = sent;
    if (answer.kind !== 'answer') return { kind: 'not_sent', detail: `image upload: ${answer.detail}` };
    const blob = answerObject(answer)?.blob;
    if (answer.status === 200 && blob && typeof blob === 'object') return { kind: 'uploaded', blob: blob as Record<string, unknown>, account: sent.account };
    if (answer.status === 429) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
    if (isRefused(answer)) return { kind: 'credentials_refused', detail: describe(answer) };
    if (answer.status === 400 || answer.status === 413) return { kind: 'rejected', detail: `image upload: ${describe(answer)}` };
    return { kind: 'not_sent', detail: `image upload: ${describe(answer)}` };
  }

  const adapter: NetworkAdapter<BlueskyAccount> = {
    network: 'bluesky',
    lengthRule: () => BLUESKY_LENGTH_RULE,

    async publish(account: BlueskyAccount, request: PublishRequest, context: AdapterContext<BlueskyAccount> = {}): Promise<PublishOutcome> {
      // The key is the record key: anything else could not be found again by it.
      if (!TID_FORMAT.test(request.idempotencyKey)) return { kind: 'rejected', detail: 'the idempotency key is not a TID' };
      let signedIn = account;
      let embed: Record<string, unknown> | null = null;
      if (request.image) {
        const uploaded = await uploadImage(account, request.image, context);
        if (uploaded.kind !== 'uploaded') return uploaded;
        signedIn = uploaded.account;
        embed = { $type: 'app.bsky.embed.images', images: [{ alt: request.image.alt, image: uploaded.blob, aspectRatio: { width: request.image.width, height: request.image.height } }] };
      }
      const record = { $type: POST_COLLECTION, text: request.text, createdAt: now().toISOString(), facets: await postFacets(request.text), ...(request.locale ? { langs: [request.locale] } : {}), ...(embed ? { embed } : {}) };
      const sent = await withSession(signedIn, context, (token) =>
        call(signedIn.service, 'com.atproto.repo.createRecord', { method: 'POST', json: { repo: signedIn.did, collection: POST_COLLECTION, rkey: request.idempotencyKey, record }, token }, context.signal),
      );
      // Renewal failed before createRecord was called again: nothing new was sent.
      if (sent.kind === 'refused') return { kind: 'credentials_refused', detail: sent.detail };
      if (sent.kind === 'rate_limited') return { kind: 'rate_limited', retryAt: sent.retryAt };
      if (sent.kind === 'unreachable') return { kind: 'not_sent', detail: sent.detail };
      const { answer } = sent;
      if (answer.kind === 'not_sent') return { kind: 'not_sent', detail: answer.detail };
      if (answer.kind === 'no_answer') return { kind: 'unknown', detail: answer.detail };
      const body = answerObject(answer);
      if (answer.status === 200 && body && typeof body.uri === 'string') return { kind: 'published', remoteId: body.uri, remoteUrl: postUrl(sent.account.handle, request.idempotencyKey) };
      if (answer.status === 429) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
      if (isRefused(answer)) return { kind: 'credentials_refused', detail: describe(answer) };
      // A record under this key already: @atproto/pds 0.4 answers a repeated key with a bare 500
      // (InternalServerError), so any failure is checked against the record itself. Found, the
      // first try went out: reported, never posted twice.
      const found = await getRecord(sent.account, request.idempotencyKey, context.signal);
      if (found.kind === 'published') return found;
      if (answer.status === 503) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
      if (answer.status >= 400 && answer.status < 500 && found.kind === 'not_found') return { kind: 'rejected', detail: describe(answer) };
      return { kind: 'unknown', detail: describe(answer) };
    },

    async check(account: BlueskyAccount, context: AdapterContext<BlueskyAccount> = {}): Promise<CheckOutcome> {
      const sent = await withSession(account, context, (token) => call(account.service, 'com.atproto.server.getSession', { method: 'GET', token }, context.signal));
      if (sent.kind === 'refused') return { kind: 'credentials_refused', detail: sent.detail };
      if (sent.kind === 'rate_limited') return { kind: 'unreachable', detail: 'rate limited' };
      if (sent.kind === 'unreachable') return sent;
      const { answer } = sent;
      if (answer.kind !== 'answer') return { kind: 'unreachable', detail: answer.detail };
      if (answer.status === 200) return { kind: 'ok' };
      if (isRefused(answer)) return { kind: 'credentials_refused', detail: describe(answer) };
      return { kind: 'unreachable', detail: describe(answer) };
    },

    lookup: (account: BlueskyAccount, request: PublishRequest, context: AdapterContext<BlueskyAccount> = {}) => getRecord(account, request.idempotencyKey, context.signal),
  };

  return {
    adapter,
    /**
     * Logs in once with an app password: the account to keep, or why not. A session opened with
     * the main password is closed again and refused: Plug & Earn never keeps that one.
     */
    async connect(service: string, identifier: string, appPassword: string): Promise<BlueskyAccount | ConnectFailure> {
      const login = await createSession(service, identifier, appPassword);
      if (failedLogin(login)) return login;
      if (sessionScope(login.accessJwt) === 'com.atproto.access') {
        await call(service, 'com.atproto.server.deleteSession', { method: 'POST', token: login.refreshJwt });
        return { kind: 'main_password' };
      }
      return { service, appPassword, ...login };
    },
  };
}
