/**
 * Bluesky against a real AT Protocol server (@atproto/dev-env's PDS on loopback): connecting with
 * an app password on both engines (a wrong one or the main password refused with nothing kept,
 * the same DID reconnected); posts read back from the PDS with their facets at the right byte
 * offsets; a repeated key posting nothing twice; lookups; an expired session refreshed and kept,
 * a revoked refresh token replaced by one new login, a deleted app password flagged; the
 * 300-grapheme limit as Bluesky counts it; an image uploaded as a blob and embedded with its alt
 * text and aspect ratio, the blob read back from the PDS, an upload the PDS refuses posting nothing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { newTid } from '../../src/lib/tid.js';
import { accountCredentials, connectBluesky, listAccounts, markNeedsReconnect } from '../../src/modules/publishing/accounts.js';
import { makeImageVariant } from '../../src/modules/publishing/autopilot/image-variants.js';
import { blueskyClient, type BlueskyAccount } from '../../src/modules/publishing/bluesky-adapter.js';
import { checkPost, composePost } from '../../src/modules/publishing/post-text.js';
import { startBlueskyServer, type BlueskyServer } from '../support/bluesky-server.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/databases.js';
import { addPartner, countRows, refusal } from '../support/fixtures.js';
import { brandPicture } from '../support/images.js';
import { testConfig } from '../support/test-app.js';

const config = testConfig();
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
const production = { requireHttps: true, allowLoopback: false, ownHosts: ['pe.example.com'] };
const client = blueskyClient(local, { timeoutMs: 10_000 });
const { adapter } = client;
const byteOffset = (text: string, part: string) => Buffer.byteLength(text.slice(0, text.indexOf(part)));

let server: BlueskyServer;
beforeAll(async () => {
  server = await startBlueskyServer('lina.test');
}, 120_000);
afterAll(async () => {
  await server?.close();
});

/** A fresh session for Lina, as connecting makes one. */
async function session(): Promise<BlueskyAccount> {
  const account = await client.connect(server.service, server.handle, server.appPassword);
  if ('kind' in account) throw new Error(`connect: ${JSON.stringify(account)}`);
  return account;
}

const request = (text: string, link: string, idempotencyKey = newTid()) => ({ text, link, idempotencyKey, publicationId: 'pub' });

describe('the Bluesky adapter against a local PDS', () => {
  it('publishes the composed text with its link and hashtag as facets at their UTF-8 byte offsets', async () => {
    const account = await session();
    const link = 'https://pe.example/r/lina42?s=pub7';
    const text = composePost('Découvre la box 🌱 de l’été, livrée chez toi : {link} #BoxBio', { link, locale: 'fr', brand: 'Box bio' });
    expect(text.startsWith('Publicité · Box bio\n')).toBe(true);
    const key = newTid();
    const outcome = await adapter.publish(account, request(text, link, key));
    expect(outcome).toEqual({ kind: 'published', remoteId: `at://${server.did}/app.bsky.feed.post/${key}`, remoteUrl: `https://bsky.app/profile/lina.test/post/${key}` });

    const record = (await server.post(key))!;
    expect(record.value.text).toBe(text);
    const facets = record.value.facets!;
    expect(facets).toHaveLength(2);
    // Accents, the middle dot, « ’ » and the emoji before the link are several bytes each.
    expect(byteOffset(text, link)).toBeGreaterThan(text.indexOf(link));
    expect(facets[0]).toEqual({ index: { byteStart: byteOffset(text, link), byteEnd: byteOffset(text, link) + Buffer.byteLength(link) }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: link }] });
    expect(facets[1]).toEqual({ index: { byteStart: byteOffset(text, '#BoxBio'), byteEnd: byteOffset(text, '#BoxBio') + '#BoxBio'.length }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'BoxBio' }] });
  });

  it('posts once under one key: a second try reports the first post, and lookups find it by key', async () => {
    const account = await session();
    const link = 'https://pe.example/r/lina42?s=pub8';
    const text = composePost('Une fois seulement : {link}', { link, locale: 'fr', brand: 'Box bio' });
    const key = newTid();
    const first = await adapter.publish(account, request(text, link, key));
    const before = (await server.posts()).length;
    const second = await adapter.publish(account, request(text, link, key));
    expect(second).toEqual(first);
    expect((await server.posts()).length).toBe(before);
    expect((await server.posts()).filter((post) => post.value.text === text)).toHaveLength(1);

    expect(await adapter.lookup(account, request(text, link, key))).toEqual(first);
    expect(await adapter.lookup(account, request(text, link, newTid()))).toEqual({ kind: 'not_found' });
    // A key that is not a TID could never be a record key: refused, and never found.
    expect(await adapter.publish(account, request(text, link, 'not-a-tid'))).toMatchObject({ kind: 'rejected' });
    expect(await adapter.lookup(account, request(text, link, 'not-a-tid'))).toEqual({ kind: 'not_found' });
  });

  it('counts 300 graphemes as Bluesky does (an emoji family is one) and the PDS takes the longest text', async () => {
    const account = await session();
    const rule = adapter.lengthRule(account);
    expect(rule).toEqual({ kind: 'graphemes', max: 300 });
    const link = 'https://pe.example/r/lina42?s=pub9';
    const head = composePost('{link} ', { link, locale: 'fr', brand: 'Box bio' });
    const graphemes = [...new Intl.Segmenter('fr', { granularity: 'grapheme' }).segment(head)].length;
    // Ten families (18 bytes each) and seedlings up to 300: under the PDS's 3,000 bytes too.
    const longest = `${head} ${'👩‍👩‍👧'.repeat(10)}${'🌱'.repeat(300 - graphemes - 11)}`;
    expect(checkPost(longest, { link, locale: 'fr', brand: 'Box bio', rule })).toBe(longest);
    const error = await refusal(Promise.resolve().then(() => checkPost(`${longest}é`, { link, locale: 'fr', brand: 'Box bio', rule })));
    expect(error).toMatchObject({ field: 'text', messageKey: 'post.error.tooLong', params: { length: 301, max: 300 } });
    expect(await adapter.publish(account, request(longest, link))).toMatchObject({ kind: 'published' });
  });

  it('uploads the image as a blob and embeds it with its alt text and aspect ratio; a refused upload posts nothing', async () => {
    const account = await session();
    const image = await makeImageVariant(await brandPicture(1200, 900), { seed: 3, disclosure: 'Publicité', brand: 'Box bio', description: 'Une box de légumes', network: 'bluesky' });
    const link = 'https://pe.example/r/lina42?s=pub10';
    const text = composePost('En image : {link}', { link, locale: 'fr', brand: 'Box bio' });
    const key = newTid();
    expect(await adapter.publish(account, { ...request(text, link, key), image })).toMatchObject({ kind: 'published' });
    const record = (await server.post(key))! as unknown as { value: { embed: { $type: string; images: Array<{ alt: string; aspectRatio: unknown; image: { $type: string; mimeType: string; size: number; ref: { $link: string } } }> } } };
    expect(record.value.embed.$type).toBe('app.bsky.embed.images');
    const [embedded] = record.value.embed.images;
    expect(embedded!.alt).toBe(image.alt);
    expect(embedded!.alt.startsWith('Publicité · Box bio — Une box de légumes')).toBe(true);
    expect(embedded!.aspectRatio).toEqual({ width: image.width, height: image.height });
    expect(embedded!.image).toMatchObject({ $type: 'blob', mimeType: 'image/jpeg', size: image.data.length });
    const blob = await fetch(new URL(`/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(server.did)}&cid=${embedded!.image.ref.$link}`, server.service));
    expect(blob.status).toBe(200);
    expect(Buffer.from(await blob.arrayBuffer()).equals(image.data)).toBe(true);

    // Over the PDS's blob limit: refused before any record, and nothing posted under the key.
    const before = (await server.posts()).length;
    const tooBig = { ...image, data: Buffer.concat([image.data, Buffer.alloc(6 * 1024 * 1024)]) };
    const other = newTid();
    expect(await adapter.publish(account, { ...request(text, link, other), image: tooBig })).toMatchObject({ kind: 'rejected', detail: expect.stringContaining('image upload') });
    expect(await server.post(other)).toBeNull();
    expect((await server.posts()).length).toBe(before);
  });

  it('refreshes an expired access token and keeps the new session, never an empty one', async () => {
    const account = await session();
    const expired = { ...account, accessJwt: server.expire(account.accessJwt) };
    const saved: BlueskyAccount[] = [];
    const context = { saveCredentials: async (next: BlueskyAccount) => void saved.push(next) };
    expect(await adapter.check(expired, context)).toEqual({ kind: 'ok' });
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ did: server.did, handle: 'lina.test', service: server.service, appPassword: server.appPassword });
    expect(saved[0]!.accessJwt).not.toBe('');
    expect(saved[0]!.accessJwt).not.toBe(expired.accessJwt);
    expect(saved[0]!.refreshJwt).not.toBe(account.refreshJwt);

    const link = 'https://pe.example/r/lina42?s=pub10';
    const text = composePost('Après rafraîchissement : {link}', { link, locale: 'fr', brand: 'Box bio' });
    const again = { ...saved[0]!, accessJwt: server.expire(saved[0]!.accessJwt) };
    expect(await adapter.publish(again, request(text, link), context)).toMatchObject({ kind: 'published' });
    expect(saved).toHaveLength(2);
    expect(saved.every((next) => next.accessJwt !== '' && next.refreshJwt !== '')).toBe(true);
  });

  it('logs in once again with the app password when the refresh token was revoked', async () => {
    const account = await session();
    await server.revokeSession(account.refreshJwt);
    const saved: BlueskyAccount[] = [];
    const outcome = await adapter.check({ ...account, accessJwt: server.expire(account.accessJwt) }, { saveCredentials: async (next) => void saved.push(next) });
    expect(outcome).toEqual({ kind: 'ok' });
    expect(saved).toHaveLength(1);
    expect(saved[0]!.refreshJwt).not.toBe(account.refreshJwt);
  });

  it('says credentials_refused once the app password is deleted, and keeps nothing', async () => {
    const account = await session();
    expect(await adapter.check(account)).toEqual({ kind: 'ok' });
    await server.revokeAppPassword();
    try {
      const expired = { ...account, accessJwt: server.expire(account.accessJwt) };
      const saved: BlueskyAccount[] = [];
      const context = { saveCredentials: async (next: BlueskyAccount) => void saved.push(next) };
      const link = 'https://pe.example/r/lina42?s=pub11';
      const text = composePost('Jamais publié : {link}', { link, locale: 'fr', brand: 'Box bio' });
      const before = (await server.posts()).length;
      expect(await adapter.publish(expired, request(text, link), context)).toMatchObject({ kind: 'credentials_refused' });
      expect(await adapter.check(expired, context)).toMatchObject({ kind: 'credentials_refused' });
      expect(saved).toEqual([]);
      expect((await server.posts()).length).toBe(before);
      // Logging in with the deleted app password is refused as well.
      expect(await client.connect(server.service, server.handle, account.appPassword)).toMatchObject({ kind: 'refused' });
    } finally {
      await server.newAppPassword('plug-and-earn-2');
    }
  });
});

describe.each(ENGINES)('connecting Bluesky on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses a wrong app password, the main password and bad servers with nothing kept', async () => {
    const db = database.db;
    const partner = await addPartner(db, `bsky-refused-${engine}@example.com`);
    const wrong = await refusal(connectBluesky(db, config, partner, { handle: '@lina.test', appPassword: 'abcd-efgh-ijkl-mnop', service: server.service }, client, local));
    expect(wrong).toMatchObject({ field: 'appPassword', messageKey: 'accounts.bluesky.error.refused' });
    const main = await refusal(connectBluesky(db, config, partner, { handle: 'lina.test', appPassword: server.password, service: server.service }, client, local));
    expect(main).toMatchObject({ field: 'appPassword', messageKey: 'accounts.bluesky.error.mainPassword' });
    expect((await refusal(connectBluesky(db, config, partner, { handle: '', appPassword: 'x', service: server.service }, client, local))).field).toBe('handle');
    expect((await refusal(connectBluesky(db, config, partner, { handle: 'lina.test', appPassword: '', service: server.service }, client, local))).field).toBe('appPassword');
    for (const service of ['http://10.0.0.5', 'http://127.0.0.1:2583', 'not a url at all', 'ftp://pds.example']) {
      expect((await refusal(connectBluesky(db, config, partner, { handle: 'lina.test', appPassword: server.appPassword, service }, client, production))).field).toBe('service');
    }
    // A server that answers, but not as a PDS.
    const notPds = await refusal(connectBluesky(db, config, partner, { handle: 'lina.test', appPassword: server.appPassword, service: 'http://127.0.0.1:9' }, client, local));
    expect(notPds.field).toBe('service');
    expect(await countRows(db, sql`connected_accounts where partner_id = ${partner}`)).toBe(0);
  });

  it('connects with an app password, sealed with the session, and reconnects the same DID as the same account', async () => {
    const db = database.db;
    const partner = await addPartner(db, `bsky-${engine}@example.com`);
    const account = await connectBluesky(db, config, partner, { handle: '@lina.test', appPassword: server.appPassword, service: server.service }, client, local);
    expect(account).toMatchObject({ network: 'bluesky', label: '@lina.test', endpoint: server.service, state: 'connected' });
    const [row] = await queryRows<{ credentials_sealed: string }>(db, sql`select credentials_sealed from connected_accounts where id = ${account.id}`);
    expect(row!.credentials_sealed).not.toContain(server.appPassword);
    const credentials = (await accountCredentials<BlueskyAccount>(db, config, account.id))!;
    expect(credentials).toMatchObject({ service: server.service, did: server.did, handle: 'lina.test', appPassword: server.appPassword });
    expect(await adapter.check(credentials)).toEqual({ kind: 'ok' });

    await markNeedsReconnect(db, account.id, 'credentials_refused: ExpiredToken');
    const again = await connectBluesky(db, config, partner, { handle: server.did, appPassword: server.appPassword, service: server.service }, client, local);
    expect(again).toMatchObject({ id: account.id, state: 'connected', stateDetail: null, label: '@lina.test' });
    expect(await listAccounts(db, partner)).toHaveLength(1);
    const audit = await queryRows<{ action: string }>(db, sql`select action from audit_log where partner_id = ${partner} order by id`);
    expect(audit.map((entry) => entry.action)).toEqual(['account_connected', 'account_reconnected']);
  });
});
