/**
 * A real AT Protocol server for tests: @atproto/dev-env's network without an AppView (an
 * in-memory PLC directory and a PDS on loopback, no internet needed), with one account (`lina.test`)
 * and an app password for it, as a partner would make in Bluesky's settings. Posts are read back
 * from the PDS itself, and credentials can be spoiled the ways the network spoils them: an access
 * token past its expiry, a refresh token revoked, the app password deleted.
 */
import { createHmac } from 'node:crypto';
import { TestNetworkNoAppView } from '@atproto/dev-env';

/** dev-env's PDS signs its tokens with this secret (@atproto/dev-env's const.ts, JWT_SECRET). */
const DEV_ENV_JWT_SECRET = 'jwt-secret';

export interface PostRecord {
  uri: string;
  value: { $type: string; text: string; createdAt: string; facets?: { index: { byteStart: number; byteEnd: number }; features: { $type: string; uri?: string; tag?: string }[] }[]; langs?: string[] };
}

export interface BlueskyServer {
  /** The PDS's address (http://localhost:<port>). */
  service: string;
  handle: string;
  did: string;
  /** The account's main password (never to be given to Plug & Earn). */
  password: string;
  /** An app password named `plug-and-earn`. */
  appPassword: string;
  /** The account's posts, newest first, read from the PDS. */
  posts(): Promise<PostRecord[]>;
  /** One post by record key, or null. */
  post(rkey: string): Promise<PostRecord | null>;
  /** The same access token, signed as the PDS signs it, but expired an hour ago. */
  expire(accessJwt: string): string;
  /** Revokes a refresh token (as signing out does). */
  revokeSession(refreshJwt: string): Promise<void>;
  /** Deletes the app password (Bluesky's settings): its sessions can no longer be refreshed. */
  revokeAppPassword(): Promise<void>;
  /** A new app password (after a revocation), returned and kept as `appPassword`. */
  newAppPassword(name: string): Promise<string>;
  close(): Promise<void>;
}

async function xrpc<T>(service: string, nsid: string, init: { json?: unknown; query?: Record<string, string>; token?: string } = {}): Promise<{ status: number; body: T }> {
  const url = new URL(`/xrpc/${nsid}`, service);
  if (init.query) url.search = new URLSearchParams(init.query).toString();
  const response = await fetch(url, {
    method: init.json === undefined && !nsid.startsWith('com.atproto.server.') ? 'GET' : 'POST',
    headers: { ...(init.json === undefined ? {} : { 'content-type': 'application/json' }), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as T };
}

export async function startBlueskyServer(handle = 'lina.test'): Promise<BlueskyServer> {
  const network = await TestNetworkNoAppView.create({});
  const service = network.pds.url;
  const password = 'main-password-not-for-apps';
  const created = await xrpc<{ did: string; accessJwt: string }>(service, 'com.atproto.server.createAccount', { json: { handle, email: `${handle}@example.com`, password } });
  if (created.status !== 200) throw new Error(`createAccount: ${created.status} ${JSON.stringify(created.body)}`);
  const { did, accessJwt } = created.body;
  let appPasswordName = 'plug-and-earn';

  async function makeAppPassword(name: string): Promise<string> {
    const made = await xrpc<{ password: string }>(service, 'com.atproto.server.createAppPassword', { json: { name }, token: accessJwt });
    if (made.status !== 200) throw new Error(`createAppPassword: ${made.status} ${JSON.stringify(made.body)}`);
    return made.body.password;
  }

  const server: BlueskyServer = {
    service,
    handle,
    did,
    password,
    appPassword: await makeAppPassword(appPasswordName),
    async posts() {
      const listed = await xrpc<{ records: PostRecord[] }>(service, 'com.atproto.repo.listRecords', { query: { repo: did, collection: 'app.bsky.feed.post', limit: '100' } });
      return listed.body.records;
    },
    async post(rkey) {
      const found = await xrpc<PostRecord>(service, 'com.atproto.repo.getRecord', { query: { repo: did, collection: 'app.bsky.feed.post', rkey } });
      return found.status === 200 ? found.body : null;
    },
    expire(token) {
      const [header, payload] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { iat: number; exp: number };
      const past = Math.floor(Date.now() / 1000) - 3600;
      const body = Buffer.from(JSON.stringify({ ...claims, iat: past - 7200, exp: past })).toString('base64url');
      const signature = createHmac('sha256', DEV_ENV_JWT_SECRET).update(`${header}.${body}`).digest('base64url');
      return `${header}.${body}.${signature}`;
    },
    async revokeSession(refreshJwt) {
      const answer = await xrpc(service, 'com.atproto.server.deleteSession', { token: refreshJwt });
      if (answer.status !== 200) throw new Error(`deleteSession: ${answer.status}`);
    },
    async revokeAppPassword() {
      const answer = await xrpc(service, 'com.atproto.server.revokeAppPassword', { json: { name: appPasswordName }, token: accessJwt });
      if (answer.status !== 200) throw new Error(`revokeAppPassword: ${answer.status} ${JSON.stringify(answer.body)}`);
    },
    async newAppPassword(name) {
      appPasswordName = name;
      server.appPassword = await makeAppPassword(name);
      return server.appPassword;
    },
    close: () => network.close(),
  };
  return server;
}
