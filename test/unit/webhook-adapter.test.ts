/**
 * The generic webhook adapter against a local receiver written from the documented contract (the
 * signature is checked here with node:crypto, not with the adapter's own function), and each kind
 * of answer turned into what the publishing worker must do.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answerJson, answerObject, retryAt } from '../../src/modules/publishing/outbound-http.js';
import { webhookAdapter, type WebhookAccount } from '../../src/modules/publishing/webhook-adapter.js';

const SECRET = 'whsec_test_7f3a9c';
const NOW = new Date('2026-11-30T12:00:00Z');
const local = { requireHttps: false, allowLoopback: true, ownHosts: [] };
const request = { text: 'Publicité · Box bio\nMa box : https://pe.example/r/abc?s=p1', idempotencyKey: 'pub-1-key', publicationId: 'pub-1', link: 'https://pe.example/r/abc?s=p1' };

/** What the receiver does next: answer normally, or with a given status and headers, or never. */
let behaviour: { status: number; headers?: Record<string, string>; body?: string } | 'hang' = { status: 200 };
const received: Array<{ payload: unknown; signatureValid: boolean; fresh: boolean; key: string | undefined }> = [];

/** A receiver as the documentation tells one to be written. */
function receive(incoming: IncomingMessage, response: ServerResponse): void {
  let raw = '';
  incoming.on('data', (chunk) => (raw += chunk));
  incoming.on('end', () => {
    const header = String(incoming.headers['plug-earn-signature'] ?? '');
    const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
    const expected = createHmac('sha256', SECRET).update(`${parts.t}.${raw}`).digest();
    const given = Buffer.from(parts.v1 ?? '', 'hex');
    const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
    const fresh = Math.abs(NOW.getTime() / 1000 - Number(parts.t)) <= 300;
    received.push({ payload: JSON.parse(raw), signatureValid, fresh, key: incoming.headers['idempotency-key'] as string | undefined });
    if (behaviour === 'hang') return;
    response.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers }).end(behaviour.body ?? '');
  });
}

describe('the generic webhook', () => {
  let server: Server;
  let account: WebhookAccount;
  const adapter = webhookAdapter(local, { now: () => NOW, timeoutMs: 1_000 });

  beforeAll(async () => {
    server = createServer(receive);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    account = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/pe`, secret: SECRET };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    behaviour = { status: 200 };
  });

  it('posts the publication, signed and fresh, with its idempotency key, and keeps the receiver’s proof', async () => {
    behaviour = { status: 201, body: JSON.stringify({ id: 'n8n-991', url: 'https://social.example/@lina/991' }) };
    expect(await adapter.publish(account, request)).toEqual({ kind: 'published', remoteId: 'n8n-991', remoteUrl: 'https://social.example/@lina/991' });
    expect(received).toEqual([{ payload: { type: 'publication', ...request }, signatureValid: true, fresh: true, key: 'pub-1-key' }]);
    // A receiver with another secret would refuse it.
    const forged = webhookAdapter(local, { now: () => NOW });
    await forged.publish({ ...account, secret: 'other' }, request);
    expect(received[1]!.signatureValid).toBe(false);
    // Without proof in the answer, the key is the proof.
    behaviour = { status: 204 };
    expect(await adapter.publish(account, request)).toEqual({ kind: 'published', remoteId: 'pub-1-key', remoteUrl: null });
  });

  it('turns each answer into what to do next', async () => {
    behaviour = { status: 429, headers: { 'retry-after': '120' } };
    expect(await adapter.publish(account, request)).toEqual({ kind: 'rate_limited', retryAt: new Date(NOW.getTime() + 120_000) });
    behaviour = { status: 401 };
    expect((await adapter.publish(account, request)).kind).toBe('credentials_refused');
    behaviour = { status: 410 };
    expect((await adapter.publish(account, request)).kind).toBe('credentials_refused');
    behaviour = { status: 422 };
    expect((await adapter.publish(account, request)).kind).toBe('rejected');
    behaviour = { status: 500 };
    expect((await adapter.publish(account, request)).kind).toBe('unknown');
  });

  it('tests the account with a signed « test » call that publishes nothing', async () => {
    expect(await adapter.check(account)).toEqual({ kind: 'ok' });
    expect(received).toEqual([{ payload: { type: 'test' }, signatureValid: true, fresh: true, key: undefined }]);
    behaviour = { status: 410 };
    expect(await adapter.check(account)).toMatchObject({ kind: 'credentials_refused' });
    behaviour = { status: 500 };
    expect(await adapter.check(account)).toMatchObject({ kind: 'unreachable' });
  });

  it('says « unknown » when the call may have arrived, « not sent » when it cannot have', async () => {
    behaviour = 'hang';
    expect(await adapter.publish(account, request)).toMatchObject({ kind: 'unknown' });
    expect(received).toHaveLength(1);
    // A port nobody listens on: refused before anything was sent.
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await adapter.publish({ ...account, url: `http://127.0.0.1:${port}/` }, request)).toMatchObject({ kind: 'not_sent' });
    // Where loopback is not allowed, the call is refused at connection time, for good.
    const production = webhookAdapter({ requireHttps: false, allowLoopback: false, ownHosts: [] });
    expect(await production.publish({ ...account, url: account.url.replace('127.0.0.1', 'localhost') }, request)).toMatchObject({ kind: 'rejected' });
    expect(received).toHaveLength(1);
    expect(await adapter.lookup(account, request)).toMatchObject({ kind: 'cannot_tell' });
  });
});

describe('when to come back', () => {
  it('reads Retry-After in seconds or as a date, then rate-limit resets, else waits a minute', () => {
    expect(retryAt({ 'retry-after': '30' }, NOW)).toEqual(new Date(NOW.getTime() + 30_000));
    expect(retryAt({ 'retry-after': 'Mon, 30 Nov 2026 12:05:00 GMT' }, NOW)).toEqual(new Date('2026-11-30T12:05:00Z'));
    expect(retryAt({ 'x-ratelimit-reset': '2026-11-30T12:10:00.000Z' }, NOW)).toEqual(new Date('2026-11-30T12:10:00Z'));
    expect(retryAt({ 'x-ratelimit-reset': String(NOW.getTime() / 1000 + 90) }, NOW)).toEqual(new Date(NOW.getTime() + 90_000));
    expect(retryAt({ 'x-ratelimit-reset': '15' }, NOW)).toEqual(new Date(NOW.getTime() + 15_000));
    // Bluesky's name for it, in epoch seconds.
    expect(retryAt({ 'ratelimit-reset': String(NOW.getTime() / 1000 + 300) }, NOW)).toEqual(new Date(NOW.getTime() + 300_000));
    expect(retryAt({}, NOW)).toEqual(new Date(NOW.getTime() + 60_000));
  });
});

describe('reading an answer', () => {
  it('takes JSON objects, and gives null for anything else instead of throwing', () => {
    const answer = (body: string) => ({ kind: 'answer' as const, status: 200, headers: {}, body });
    expect(answerObject(answer('{"id":"1"}'))).toEqual({ id: '1' });
    expect(answerJson(answer('[1,2]'))).toEqual([1, 2]);
    expect(answerObject(answer('[1,2]'))).toBeNull();
    expect(answerJson(answer('<html>502 Bad Gateway</html>'))).toBeNull();
    expect(answerObject(answer('{"cut'))).toBeNull();
  });
});
