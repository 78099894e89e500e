/**
 * What a real PDS will not do on demand, from a small local stand-in: a refresh answered with an
 * empty token (refused, never kept), a 429 with Bluesky's `ratelimit-reset`, an answer that says
 * nothing. The rest is tested against a real PDS (test/db/bluesky-adapter.test.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTid } from '../../src/lib/tid.js';
import { blueskyClient, postFacets, type BlueskyAccount } from '../../src/modules/publishing/bluesky-adapter.js';

const NOW = new Date('2026-11-30T12:00:00Z');
let answer: (request: IncomingMessage, response: ServerResponse) => void;
const calls: string[] = [];
let server: Server;
let account: BlueskyAccount;

beforeAll(async () => {
  server = createServer((request, response) => {
    calls.push(new URL(request.url!, 'http://x').pathname.replace('/xrpc/', ''));
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  account = { service: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, did: 'did:plc:lina', handle: 'lina.test', accessJwt: 'access', refreshJwt: 'refresh', appPassword: 'abcd-efgh-ijkl-mnop' };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const adapter = () => blueskyClient({ requireHttps: false, allowLoopback: true, ownHosts: [] }, { timeoutMs: 2_000, now: () => NOW }).adapter;
const request = { text: 'Ad · Box bio\nhttps://pe.example/r/x?s=p1', link: 'https://pe.example/r/x?s=p1', idempotencyKey: newTid(), publicationId: 'p1' };

describe('the Bluesky adapter, on answers a real PDS will not give on demand', () => {
  it('never keeps a refreshed session without a token: the credential is refused', async () => {
    calls.length = 0;
    answer = (incoming, response) => {
      if (incoming.url!.includes('createRecord')) return send(response, 400, { error: 'ExpiredToken', message: 'Token has expired' });
      if (incoming.url!.includes('refreshSession')) return send(response, 200, { accessJwt: '', refreshJwt: '', did: 'did:plc:lina', handle: 'lina.test' });
      return send(response, 500, {});
    };
    const saved: BlueskyAccount[] = [];
    expect(await adapter().publish(account, request, { saveCredentials: async (next) => void saved.push(next) })).toMatchObject({ kind: 'credentials_refused' });
    expect(saved).toEqual([]);
    // No second login either: the refresh was answered, only emptily.
    expect(calls).toEqual(['com.atproto.repo.createRecord', 'com.atproto.server.refreshSession']);
  });

  it('comes back when ratelimit-reset says (epoch seconds)', async () => {
    const reset = NOW.getTime() / 1000 + 240;
    answer = (_incoming, response) => send(response, 429, { error: 'RateLimitExceeded' }, { 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset) });
    expect(await adapter().publish(account, request)).toEqual({ kind: 'rate_limited', retryAt: new Date(reset * 1000) });
  });

  it('says unknown when the server fails without saying, and the key is not found either', async () => {
    answer = (_incoming, response) => send(response, 502, {});
    expect(await adapter().publish(account, request)).toMatchObject({ kind: 'unknown' });
    expect(await adapter().lookup(account, request)).toMatchObject({ kind: 'cannot_tell' });
  });

  it('makes no mention facet (it would need the DID of the handle)', async () => {
    const facets = await postFacets('Merci @box.bio ! https://pe.example/r/x?s=p1 #bio');
    expect(facets.map((facet) => facet.features[0]!.$type)).toEqual(['app.bsky.richtext.facet#link', 'app.bsky.richtext.facet#tag']);
  });
});
