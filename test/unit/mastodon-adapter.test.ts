/**
 * The Mastodon adapter against a local instance written from Mastodon's documentation: connecting
 * by the authorization code flow with the instance's own limits, publishing once under an
 * idempotency key, a lost answer found again by the publication's link, rate limits, a revoked
 * token, a text over the instance's limit; an image uploaded (multipart, the alt text as its
 * description), waited for while the instance processes it (bounded, stopped by the signal) and
 * attached by `media_ids[]`, every failed upload posting nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishImage } from '../../src/modules/publishing/adapter.js';
import { makeImageVariant } from '../../src/modules/publishing/autopilot/image-variants.js';
import { MASTODON_SCOPES, mastodonClient, type MastodonAccount, type MastodonApp } from '../../src/modules/publishing/mastodon-adapter.js';
import { checkPost, composePost } from '../../src/modules/publishing/post-text.js';
import { brandPicture } from '../support/images.js';
import { startFakeMastodon, type FakeMastodon } from '../support/mastodon-server.js';

const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
const REDIRECT = 'https://pe.example/partner/accounts/mastodon/callback';

describe('Mastodon', () => {
  let instance: FakeMastodon;
  let account: MastodonAccount;
  const client = mastodonClient(local, { timeoutMs: 5_000 });
  const publication = (n: number) => {
    const link = `https://pe.example/r/abc?s=pub${n}`;
    return { text: composePost('Ma box bio : {link}', { link, locale: 'fr', brand: 'Box bio' }), idempotencyKey: `key-${n}`, publicationId: `pub${n}`, link };
  };

  beforeAll(async () => {
    instance = await startFakeMastodon({ maxCharacters: 1000 });
  });
  afterAll(async () => instance?.close());

  it('connects by the authorization code flow and reads the instance’s own limit', async () => {
    const app = (await client.registerApp(instance.origin, REDIRECT, 'https://pe.example')) as MastodonApp;
    expect(app.clientId).toMatch(/^[0-9a-f]{32}$/);
    const authorize = new URL(client.authorizeUrl(instance.origin, app, REDIRECT, 'state-123'));
    expect(authorize.searchParams.get('scope')).toBe('read:accounts read:statuses write:statuses write:media');
    // The partner approves on the instance, which sends them back with a code and our state.
    const back = await fetch(authorize, { redirect: 'manual' });
    const location = new URL(back.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('state-123');
    const connected = await client.connect(instance.origin, app, REDIRECT, location.searchParams.get('code')!);
    expect(connected).toMatchObject({ accountId: '1', handle: 'lina', maxCharacters: 1000, charactersReservedPerUrl: 23 });
    account = connected as MastodonAccount;
    // A code serves once.
    expect(await client.connect(instance.origin, app, REDIRECT, location.searchParams.get('code')!)).toMatchObject({ kind: 'failed', status: 400 });
    expect(client.adapter.lengthRule(account)).toEqual({ kind: 'code-points-short-links', max: 1000, urlLength: 23 });
  });

  it('publishes once per idempotency key', async () => {
    const first = await client.adapter.publish(account, publication(1));
    expect(first).toMatchObject({ kind: 'published', remoteUrl: expect.stringMatching(/\/@lina\/\d+$/) });
    expect(await client.adapter.publish(account, publication(1))).toEqual(first);
    expect(instance.statuses.filter((s) => s.text === publication(1).text)).toHaveLength(1);
    expect(instance.statuses.at(-1)!.text.startsWith('Publicité · Box bio\n')).toBe(true);
  });

  it('finds a publication whose answer was lost, by its link, and says when it is not there', async () => {
    instance.loseNextAnswer = true;
    const lost = await client.adapter.publish(account, publication(2));
    expect(lost.kind).toBe('unknown');
    const found = await client.adapter.lookup(account, publication(2));
    expect(found).toMatchObject({ kind: 'published', remoteId: instance.statuses.at(-1)!.id });
    // pub3 was never published; pub30 was, and its link starts with pub3's: only a whole link counts.
    expect((await client.adapter.publish(account, publication(30))).kind).toBe('published');
    expect(await client.adapter.lookup(account, publication(3))).toEqual({ kind: 'not_found' });
    // Found again further back, a page of 40 at a time: 90 statuses posted since.
    for (let n = 100; n < 190; n++) expect((await client.adapter.publish(account, publication(n))).kind).toBe('published');
    expect(await client.adapter.lookup(account, publication(2))).toMatchObject({ kind: 'published' });
  });

  describe('with an image', () => {
    let image: PublishImage;
    const fast = mastodonClient(local, { timeoutMs: 5_000, mediaPollMs: 5 });
    beforeAll(async () => {
      image = await makeImageVariant(await brandPicture(900, 700), { seed: 7, disclosure: 'Publicité', brand: 'Box bio', description: 'Une box de légumes de saison', network: 'mastodon' });
    });
    const withImage = (n: number) => ({ ...publication(n), image });
    const statusesOf = (n: number) => instance.statuses.filter((status) => status.text === publication(n).text);

    it('uploads it with its alt text as description and attaches it to the one status', async () => {
      const outcome = await client.adapter.publish(account, withImage(40));
      expect(outcome.kind).toBe('published');
      const [status] = statusesOf(40);
      const media = instance.media.at(-1)!;
      expect(media.data.equals(image.data)).toBe(true);
      expect(media.mime).toBe('image/jpeg');
      expect(media.description).toBe(image.alt);
      expect(media.description!.startsWith('Publicité · Box bio — ')).toBe(true);
      expect(media.meta.original).toMatchObject({ width: image.width, height: image.height });
      expect(status!.media_attachments.map((attached) => [attached.id, attached.description])).toEqual([[media.id, image.alt]]);
      // A retry under the same key: the first status, never a second one.
      expect(await client.adapter.publish(account, withImage(40))).toEqual(outcome);
      expect(statusesOf(40)).toHaveLength(1);
    });

    it('asks again while the instance processes it (206), within bounds, and stops with the signal', async () => {
      instance.mediaProcessingChecks = 3;
      expect((await fast.adapter.publish(account, withImage(41))).kind).toBe('published');
      expect(statusesOf(41)[0]!.media_attachments).toHaveLength(1);
      // Still processing after every check: nothing posted, tried again later.
      instance.mediaProcessingChecks = 50;
      expect(await fast.adapter.publish(account, withImage(42))).toEqual({ kind: 'not_sent', detail: 'image upload: still processing after 10 checks' });
      const stop = new AbortController();
      const stopped = client.adapter.publish(account, withImage(43), { signal: stop.signal });
      setTimeout(() => stop.abort(), 50);
      expect(await stopped).toMatchObject({ kind: 'not_sent' });
      instance.mediaProcessingChecks = 0;
      expect(statusesOf(42)).toHaveLength(0);
      expect(statusesOf(43)).toHaveLength(0);
    });

    it('says what a failed upload means, posting nothing', async () => {
      instance.nextMediaStatus = 503;
      expect((await client.adapter.publish(account, withImage(44))).kind).toBe('rate_limited');
      instance.nextMediaStatus = 500;
      expect(await client.adapter.publish(account, withImage(44))).toMatchObject({ kind: 'not_sent', detail: expect.stringContaining('image upload: 500') });
      expect(await client.adapter.publish(account, { ...withImage(44), image: { ...image, alt: 'x'.repeat(1501) } })).toMatchObject({ kind: 'rejected', detail: expect.stringContaining('Description is too long') });
      expect(await client.adapter.publish(account, { ...withImage(44), image: { ...image, data: Buffer.from('not a picture') } })).toMatchObject({ kind: 'rejected', detail: expect.stringContaining('content type is invalid') });
      // An account connected before images were asked for has no write:media: reconnecting grants it.
      const app = (await client.registerApp(instance.origin, REDIRECT, 'https://pe.example')) as MastodonApp;
      const older = MASTODON_SCOPES.replace(' write:media', '');
      const authorize = new URL(client.authorizeUrl(instance.origin, app, REDIRECT, 'state-old'));
      authorize.searchParams.set('scope', older);
      const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
      const token = (await (await fetch(new URL('/oauth/token', instance.origin), { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: REDIRECT, scope: older }) })).json()) as { access_token: string };
      const withoutMedia = { ...account, accessToken: token.access_token };
      expect(await client.adapter.publish(withoutMedia, withImage(44))).toMatchObject({ kind: 'credentials_refused', detail: expect.stringContaining('403') });
      // Its text alone it may still post.
      expect((await client.adapter.publish(withoutMedia, publication(45))).kind).toBe('published');
      expect(statusesOf(44)).toHaveLength(0);
    });
  });

  it('waits when rate limited, refuses a text over the instance’s limit, and flags a revoked token', async () => {
    instance.remainingStatuses = 0;
    const limited = await client.adapter.publish(account, publication(4));
    expect(limited.kind).toBe('rate_limited');
    expect((limited as { retryAt: Date }).retryAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
    instance.remainingStatuses = null;
    const long = { ...publication(5), text: `${publication(5).text} ${'é'.repeat(1000)}` };
    // Our own check refuses it first, counting as the instance does…
    expect(() => checkPost(long.text, { link: long.link, locale: 'fr', brand: 'Box bio', rule: client.adapter.lengthRule(account) })).toThrow();
    // …and the instance would too.
    expect(await client.adapter.publish(account, long)).toMatchObject({ kind: 'rejected', detail: expect.stringContaining('character limit of 1000') });
    expect(await client.adapter.check(account)).toEqual({ kind: 'ok' });
    instance.revokeTokens();
    expect(await client.adapter.check(account)).toMatchObject({ kind: 'credentials_refused' });
    expect(await client.adapter.publish(account, publication(6))).toMatchObject({ kind: 'credentials_refused', detail: '401: The access token is invalid' });
    expect((await client.adapter.lookup(account, publication(6))).kind).toBe('cannot_tell');
  });
});
