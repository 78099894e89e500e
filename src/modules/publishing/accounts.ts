/**
 * A partner's connected accounts: connecting (a signed webhook at once; Mastodon through its
 * authorization flow; Bluesky with an app password), listing with their state, marking one
 * "needs reconnecting" when its credential is refused, and removing one. Credentials are sealed with their own key and never
 * shown again whole; a webhook's secret is shown once, when it is made.
 */
import { and, asc, eq, gt, isNotNull, isNull, lte, ne, or } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { accountConnections, connectedAccounts, mastodonApps } from '../../db/schema.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { ConflictError, InputError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { seal, unseal } from '../../lib/sealed.js';
import type { Actor } from '../audit/actor.js';
import { writeAudit } from '../audit/audit-log.js';
import { BLUESKY_DEFAULT_SERVICE, type BlueskyAccount, type blueskyClient } from './bluesky-adapter.js';
import type { MastodonAccount, MastodonApp, mastodonClient } from './mastodon-adapter.js';
import { withdrawAccountPublications } from './publications.js';
import { checkRemoteUrl, type OutboundPolicy, type Resolver } from './remote-address.js';

export type ConnectedAccount = Omit<typeof connectedAccounts.$inferSelect, 'credentialsSealed'>;
export type Network = ConnectedAccount['network'];

/** More would only multiply what a partner has to watch; the networks are few. */
export const MAX_ACCOUNTS = 10;
const CONNECTION_TTL_MS = 15 * 60_000;

export const visible = { id: connectedAccounts.id, partnerId: connectedAccounts.partnerId, network: connectedAccounts.network, label: connectedAccounts.label, endpoint: connectedAccounts.endpoint, state: connectedAccounts.state, stateDetail: connectedAccounts.stateDetail, consecutiveFailures: connectedAccounts.consecutiveFailures, createdAt: connectedAccounts.createdAt, updatedAt: connectedAccounts.updatedAt };

/** The partner's accounts still connected or waiting to be reconnected, oldest first. */
export async function listAccounts(db: Db, partnerId: string): Promise<ConnectedAccount[]> {
  return db.select(visible).from(connectedAccounts).where(and(eq(connectedAccounts.partnerId, partnerId), ne(connectedAccounts.state, 'disconnected'))).orderBy(asc(connectedAccounts.createdAt), asc(connectedAccounts.id));
}

/** Refuses a new account to a partner who has MAX_ACCOUNTS already. */
export async function checkRoom(db: Db, partnerId: string): Promise<void> {
  if ((await listAccounts(db, partnerId)).length >= MAX_ACCOUNTS) throw new ConflictError('too_many_accounts', 'accounts.error.tooMany', { max: MAX_ACCOUNTS });
}

const actorOf = (partnerId: string): Actor => ({ id: partnerId, label: 'partner' });

/** A signed webhook: checked address, a fresh secret (returned this once), connected at once. */
export async function connectWebhook(db: Db, config: Config, partnerId: string, input: { url?: unknown }, policy: OutboundPolicy, resolver?: Resolver): Promise<{ account: ConnectedAccount; secret: string }> {
  if (typeof input.url !== 'string' || input.url.trim() === '' || input.url.length > 2000) throw new InputError('url', 'remote.error.malformed');
  const url = await checkRemoteUrl(input.url, policy, 'url', resolver);
  await checkRoom(db, partnerId);
  const secret = `whsec_${randomToken(24)}`;
  return db.transaction(async (tx) => {
    const [account] = await tx
      .insert(connectedAccounts)
      .values({ partnerId, network: 'webhook', label: `${url.host}${url.pathname === '/' ? '' : url.pathname}`.slice(0, 300), endpoint: url.href, credentialsSealed: seal({ secret }, config.credentialsKey) })
      .returning(visible);
    await writeAudit(tx, { ...auditActor(actorOf(partnerId)), action: 'account_connected', subject: `partner:${partnerId}`, partnerId, params: { network: 'webhook', label: account!.label } });
    return { account: account!, secret };
  });
}

function auditActor(actor: Actor) {
  return { actorId: actor.id, actorLabel: actor.label };
}

type Client = ReturnType<typeof mastodonClient>;

export function mastodonRedirectUri(config: Config): string {
  return new URL('/partner/accounts/mastodon/callback', config.baseUrl).href;
}

/**
 * Starts connecting a Mastodon account: checks the instance's address, registers Plug & Earn
 * there once, and returns where to send the partner, with a one-use state bound to them.
 */
export async function startMastodonConnection(db: Db, config: Config, partnerId: string, input: { instance?: unknown }, client: Client, policy: OutboundPolicy, resolver?: Resolver): Promise<{ authorizeUrl: string }> {
  if (typeof input.instance !== 'string' || input.instance.trim() === '' || input.instance.length > 500) throw new InputError('instance', 'remote.error.malformed');
  const instance = (await checkRemoteUrl(input.instance, policy, 'instance', resolver)).origin;
  await checkRoom(db, partnerId);
  const redirectUri = mastodonRedirectUri(config);
  let [known] = await db.select().from(mastodonApps).where(eq(mastodonApps.instanceUrl, instance));
  if (!known || known.redirectUri !== redirectUri) {
    const registered = await client.registerApp(instance, redirectUri, config.baseUrl.href);
    if ('kind' in registered) throw new ConflictError('mastodon_unreachable', 'accounts.error.instance', { instance });
    const row = { instanceUrl: instance, redirectUri, clientId: registered.clientId, clientSecretSealed: seal(registered.clientSecret, config.credentialsKey) };
    [known] = await db.insert(mastodonApps).values(row).onConflictDoUpdate({ target: mastodonApps.instanceUrl, set: row }).returning();
  }
  const state = randomToken(32);
  await db.insert(accountConnections).values({ stateHash: sha256Hex(state), partnerId, network: 'mastodon', endpoint: instance, expiresAt: new Date(Date.now() + CONNECTION_TTL_MS) });
  const app: MastodonApp = { clientId: known!.clientId, clientSecret: unseal<string>(known!.clientSecretSealed, config.credentialsKey) };
  return { authorizeUrl: client.authorizeUrl(instance, app, redirectUri, state) };
}

/**
 * The partner is back from their instance with a code: the state is consumed once, for this partner
 * only; the code becomes the account (or refreshes the same account, reconnected). A refused code
 * or an empty token changes nothing.
 */
export async function finishMastodonConnection(db: Db, config: Config, partnerId: string, input: { state?: unknown; code?: unknown }, client: Client): Promise<ConnectedAccount> {
  if (typeof input.state !== 'string' || typeof input.code !== 'string' || input.code === '' || input.code.length > 500) throw new ConflictError('connection_expired', 'accounts.error.expired');
  const [connection] = await db
    .update(accountConnections)
    .set({ usedAt: new Date() })
    .where(and(eq(accountConnections.stateHash, sha256Hex(input.state)), eq(accountConnections.partnerId, partnerId), isNull(accountConnections.usedAt), gt(accountConnections.expiresAt, new Date())))
    .returning();
  if (!connection) throw new ConflictError('connection_expired', 'accounts.error.expired');
  const [known] = await db.select().from(mastodonApps).where(eq(mastodonApps.instanceUrl, connection.endpoint));
  if (!known) throw new ConflictError('connection_expired', 'accounts.error.expired');
  const app: MastodonApp = { clientId: known.clientId, clientSecret: unseal<string>(known.clientSecretSealed, config.credentialsKey) };
  const connected = await client.connect(connection.endpoint, app, known.redirectUri, input.code);
  if ('kind' in connected) throw new ConflictError('mastodon_refused', 'accounts.error.refused', { instance: connection.endpoint });
  const { handle, profileUrl: _profile, ...credentials } = connected;
  const label = `@${handle}@${new URL(connection.endpoint).host}`.slice(0, 300);
  const sealed = seal(credentials satisfies MastodonAccount, config.credentialsKey);
  return db.transaction(async (tx) => {
    const [same] = await tx.select(visible).from(connectedAccounts).where(and(eq(connectedAccounts.partnerId, partnerId), eq(connectedAccounts.network, 'mastodon'), eq(connectedAccounts.label, label), ne(connectedAccounts.state, 'disconnected')));
    const [account] = same
      ? await tx.update(connectedAccounts).set({ credentialsSealed: sealed, state: 'connected', stateDetail: null, consecutiveFailures: 0, updatedAt: new Date() }).where(eq(connectedAccounts.id, same.id)).returning(visible)
      : await tx.insert(connectedAccounts).values({ partnerId, network: 'mastodon', label, endpoint: connection.endpoint, credentialsSealed: sealed }).returning(visible);
    await writeAudit(tx, { ...auditActor(actorOf(partnerId)), action: same ? 'account_reconnected' : 'account_connected', subject: `partner:${partnerId}`, partnerId, params: { network: 'mastodon', label } });
    return account!;
  });
}

/**
 * Bluesky: one login with the partner's handle (or DID, or email) and an app password, on their
 * server (bsky.social unless they name another, checked like any address). A refused password
 * is said next to its field and nothing is kept; the session and the app password are kept
 * sealed. The same DID connected again (a new app password, a changed handle) is the same
 * account, connected again.
 */
export async function connectBluesky(
  db: Db,
  config: Config,
  partnerId: string,
  input: { handle?: unknown; appPassword?: unknown; service?: unknown },
  client: ReturnType<typeof blueskyClient>,
  policy: OutboundPolicy,
  resolver?: Resolver,
): Promise<ConnectedAccount> {
  // « @lina.bsky.social » as the app shows it is the handle lina.bsky.social.
  const identifier = typeof input.handle === 'string' ? input.handle.trim().replace(/^@/, '') : '';
  if (identifier === '' || identifier.length > 300 || /\s/.test(identifier)) throw new InputError('handle', 'accounts.bluesky.error.handle');
  const appPassword = typeof input.appPassword === 'string' ? input.appPassword.trim() : '';
  if (appPassword === '' || appPassword.length > 200) throw new InputError('appPassword', 'accounts.bluesky.error.appPassword');
  const rawService = typeof input.service === 'string' && input.service.trim() !== '' ? input.service : BLUESKY_DEFAULT_SERVICE;
  if (rawService.length > 500) throw new InputError('service', 'remote.error.malformed');
  const service = (await checkRemoteUrl(rawService, policy, 'service', resolver)).origin;
  await checkRoom(db, partnerId);
  const connected = await client.connect(service, identifier, appPassword);
  if ('kind' in connected) {
    if (connected.kind === 'refused') throw new InputError('appPassword', 'accounts.bluesky.error.refused');
    if (connected.kind === 'main_password') throw new InputError('appPassword', 'accounts.bluesky.error.mainPassword');
    if (connected.kind === 'rate_limited') throw new ConflictError('bluesky_busy', 'accounts.bluesky.error.busy');
    throw new InputError('service', 'accounts.bluesky.error.unreachable', { service: new URL(service).host });
  }
  const label = `@${connected.handle}`.slice(0, 300);
  const sealed = seal(connected satisfies BlueskyAccount, config.credentialsKey);
  return db.transaction(async (tx) => {
    // The DID is in the sealed credentials only: the partner's few Bluesky accounts are opened to find it.
    const mine = await tx.select({ id: connectedAccounts.id, sealed: connectedAccounts.credentialsSealed }).from(connectedAccounts).where(and(eq(connectedAccounts.partnerId, partnerId), eq(connectedAccounts.network, 'bluesky'), ne(connectedAccounts.state, 'disconnected')));
    const same = mine.find((row) => row.sealed !== '' && unseal<BlueskyAccount>(row.sealed, config.credentialsKey).did === connected.did);
    const [account] = same
      ? await tx.update(connectedAccounts).set({ label, endpoint: service, credentialsSealed: sealed, state: 'connected', stateDetail: null, consecutiveFailures: 0, updatedAt: new Date() }).where(eq(connectedAccounts.id, same.id)).returning(visible)
      : await tx.insert(connectedAccounts).values({ partnerId, network: 'bluesky', label, endpoint: service, credentialsSealed: sealed }).returning(visible);
    await writeAudit(tx, { ...auditActor(actorOf(partnerId)), action: same ? 'account_reconnected' : 'account_connected', subject: `partner:${partnerId}`, partnerId, params: { network: 'bluesky', label } });
    return account!;
  });
}

/** A credential the network refused: the account waits for the partner; nothing is retried. */
export async function markNeedsReconnect(db: Db, accountId: string, detail: string): Promise<void> {
  await db.update(connectedAccounts).set({ state: 'needs_reconnect', stateDetail: detail.slice(0, 500), updatedAt: new Date() }).where(and(eq(connectedAccounts.id, accountId), eq(connectedAccounts.state, 'connected')));
}

/**
 * Keeps credentials the network renewed (a refreshed session) for a connected account. Refuses an
 * empty one: a refresh that returned no token never overwrites the stored credential.
 */
export async function saveAccountCredentials(db: Db, config: Config, accountId: string, next: unknown): Promise<void> {
  if (next === null || typeof next !== 'object' || Object.values(next).some((value) => value === '' || value === null)) throw new Error('refused to store empty credentials');
  await db.update(connectedAccounts).set({ credentialsSealed: seal(next, config.credentialsKey), updatedAt: new Date() }).where(and(eq(connectedAccounts.id, accountId), eq(connectedAccounts.state, 'connected')));
}

/** Removes an account of the partner: its credentials are erased at once. */
export async function removeAccount(db: Db, partnerId: string, accountId: string): Promise<ConnectedAccount> {
  if (!isUuid(accountId)) throw new NotFoundError('account');
  return db.transaction(async (tx) => {
    const [account] = await tx
      .update(connectedAccounts)
      .set({ state: 'disconnected', credentialsSealed: '', stateDetail: null, updatedAt: new Date() })
      .where(and(eq(connectedAccounts.id, accountId), eq(connectedAccounts.partnerId, partnerId), ne(connectedAccounts.state, 'disconnected')))
      .returning(visible);
    if (!account) throw new NotFoundError('account');
    // Its publications not yet claimed by a worker go with it; one already claimed finds it gone.
    await withdrawAccountPublications(tx, accountId);
    await writeAudit(tx, { ...auditActor(actorOf(partnerId)), action: 'account_removed', subject: `partner:${partnerId}`, partnerId, params: { network: account.network, label: account.label } });
    return account;
  });
}

/**
 * What an adapter needs to call the network for an account, for the publishing worker only: its
 * sealed credentials, and a webhook's address (kept in the clear, as the partner sees it).
 */
export async function accountCredentials<T>(db: Db, config: Config, accountId: string): Promise<T | null> {
  const [row] = await db.select({ sealed: connectedAccounts.credentialsSealed, state: connectedAccounts.state, network: connectedAccounts.network, endpoint: connectedAccounts.endpoint }).from(connectedAccounts).where(eq(connectedAccounts.id, accountId));
  if (!row || row.state !== 'connected' || row.sealed === '') return null;
  const credentials = unseal<T>(row.sealed, config.credentialsKey);
  return (row.network === 'webhook' ? { url: row.endpoint, ...credentials } : credentials) as T;
}

/** Housekeeping: connections finished or abandoned (their state can no longer be used). */
export async function deleteDeadConnections(db: Db, now = new Date()): Promise<void> {
  await db.delete(accountConnections).where(or(isNotNull(accountConnections.usedAt), lte(accountConnections.expiresAt, now)));
}
