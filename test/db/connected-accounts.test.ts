/**
 * Connected accounts on both engines: a webhook connected with its secret shown once and sealed;
 * refused addresses writing nothing; Mastodon connected through a local instance's authorization
 * flow, its state used once and by its partner only, reconnecting the same account; a refused
 * credential flagging it; removal erasing its credentials.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { unseal } from '../../src/lib/sealed.js';
import {
  accountCredentials,
  connectWebhook,
  deleteDeadConnections,
  finishMastodonConnection,
  listAccounts,
  markNeedsReconnect,
  MAX_ACCOUNTS,
  removeAccount,
  startMastodonConnection,
} from '../../src/modules/publishing/accounts.js';
import { mastodonClient, type MastodonAccount } from '../../src/modules/publishing/mastodon-adapter.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addPartner, countRows, refusal } from '../support/fixtures.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
const production = { requireHttps: true, allowLoopback: false, ownHosts: ['pe.example.com'] };

describe.each(ENGINES)('connected accounts on %s', (engine) => {
  let database: TestDatabase;
  let instance: FakeMastodon;
  const client = mastodonClient(local, { timeoutMs: 5_000 });

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    instance = await startFakeMastodon();
  });
  afterAll(async () => {
    await instance?.close();
    await database?.close();
  });

  /** The partner approves on their instance: where it sends them back. */
  async function approve(authorizeUrl: string): Promise<{ state: string; code: string }> {
    const back = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    return { state: back.searchParams.get('state')!, code: back.searchParams.get('code')! };
  }

  it('connects a webhook with a secret shown once and sealed, and writes nothing for a refused address', async () => {
    const db = database.db;
    const partner = await addPartner(db, `hook-${engine}@example.com`);
    const { account, secret } = await connectWebhook(db, config, partner, { url: 'http://127.0.0.1:5678/webhook/pe' }, local);
    expect(account).toMatchObject({ network: 'webhook', label: '127.0.0.1:5678/webhook/pe', state: 'connected' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(await listAccounts(db, partner))).not.toContain(secret);
    const [row] = await queryRows<{ credentials_sealed: string }>(db, sql`select credentials_sealed from connected_accounts where id = ${account.id}`);
    expect(row!.credentials_sealed).not.toContain(secret);
    expect(unseal(row!.credentials_sealed, config.credentialsKey)).toEqual({ secret });
    expect(await accountCredentials(db, config, account.id)).toEqual({ url: 'http://127.0.0.1:5678/webhook/pe', secret });

    for (const url of ['http://10.0.0.5/hook', 'https://127.0.0.1/hook', 'https://pe.example.com/x', 'not a url at all', '']) {
      const error = await refusal(connectWebhook(db, config, partner, { url }, production));
      expect(error.field).toBe('url');
    }
    expect(await countRows(db, sql`connected_accounts where partner_id = ${partner}`)).toBe(1);
  });

  it('connects Mastodon through the instance’s authorization, once per state and for its partner only', async () => {
    const db = database.db;
    const lina = await addPartner(db, `lina-${engine}@example.com`);
    const other = await addPartner(db, `other-${engine}@example.com`);
    const { authorizeUrl } = await startMastodonConnection(db, config, lina, { instance: instance.origin }, client, local);
    const { state, code } = await approve(authorizeUrl);

    // Another partner cannot finish Lina's connection.
    expect((await refusal(finishMastodonConnection(db, config, other, { state, code }, client))).code).toBe('connection_expired');
    const account = await finishMastodonConnection(db, config, lina, { state, code }, client);
    expect(account).toMatchObject({ network: 'mastodon', label: `@lina@${new URL(instance.origin).host}`, endpoint: instance.origin, state: 'connected' });
    const credentials = (await accountCredentials<MastodonAccount>(db, config, account.id))!;
    expect(credentials).toMatchObject({ instanceUrl: instance.origin, accountId: '1', maxCharacters: 500, charactersReservedPerUrl: 23 });
    expect(credentials.accessToken.length).toBeGreaterThan(20);
    // The state served once.
    expect((await refusal(finishMastodonConnection(db, config, lina, { state, code }, client))).code).toBe('connection_expired');

    // The app was registered once for the instance, however many partners connect.
    await startMastodonConnection(db, config, other, { instance: instance.origin.replace('http://', 'HTTP://') }, client, local);
    expect(await countRows(db, sql`mastodon_apps`)).toBe(1);

    // Refused credential: flagged; reconnecting the same account brings it back, not a second one.
    await markNeedsReconnect(db, account.id, '401: The access token is invalid');
    expect((await listAccounts(db, lina))[0]).toMatchObject({ state: 'needs_reconnect', stateDetail: '401: The access token is invalid' });
    expect(await accountCredentials(db, config, account.id)).toBeNull();
    const again = await approve((await startMastodonConnection(db, config, lina, { instance: instance.origin }, client, local)).authorizeUrl);
    const reconnected = await finishMastodonConnection(db, config, lina, again, client);
    expect(reconnected.id).toBe(account.id);
    expect(reconnected.state).toBe('connected');
    expect(await listAccounts(db, lina)).toHaveLength(1);

    // A code the instance refuses changes nothing.
    const refused = await approve((await startMastodonConnection(db, config, lina, { instance: instance.origin }, client, local)).authorizeUrl);
    expect((await refusal(finishMastodonConnection(db, config, lina, { ...refused, code: 'forged' }, client))).code).toBe('mastodon_refused');
    expect(await listAccounts(db, lina)).toHaveLength(1);
    // Housekeeping forgets used and abandoned connections.
    await deleteDeadConnections(db, new Date(Date.now() + 16 * 60_000));
    expect(await countRows(db, sql`account_connections where partner_id = ${lina}`)).toBe(0);
  });

  it('removes an account of its partner only, erasing its credentials, and caps how many one has', async () => {
    const db = database.db;
    const partner = await addPartner(db, `many-${engine}@example.com`);
    const other = await addPartner(db, `someone-${engine}@example.com`);
    const { account } = await connectWebhook(db, config, partner, { url: 'http://127.0.0.1:5678/a' }, local);
    expect((await refusal(removeAccount(db, other, account.id))).status).toBe(404);
    expect((await refusal(removeAccount(db, partner, 'not-an-id'))).status).toBe(404);
    await removeAccount(db, partner, account.id);
    expect(await listAccounts(db, partner)).toEqual([]);
    expect(await accountCredentials(db, config, account.id)).toBeNull();
    expect(await countRows(db, sql`connected_accounts where id = ${account.id} and credentials_sealed = ''`)).toBe(1);
    for (let i = 0; i < MAX_ACCOUNTS; i++) await connectWebhook(db, config, partner, { url: `http://127.0.0.1:5678/${i}` }, local);
    expect((await refusal(connectWebhook(db, config, partner, { url: 'http://127.0.0.1:5678/one-more' }, local))).code).toBe('too_many_accounts');
    const audit = await queryRows<{ action: string }>(db, sql`select action from audit_log where partner_id = ${partner} and action like 'account_%' order by id`);
    expect(audit.map((a) => a.action).slice(0, 2)).toEqual(['account_connected', 'account_removed']);
  });
});
