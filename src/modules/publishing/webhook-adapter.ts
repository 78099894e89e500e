/**
 * The generic webhook: a publication is POSTed as JSON to the partner's URL (n8n, Make, Zapier or
 * their own code posts it anywhere). Every call is signed so the receiver can tell it is ours and
 * new, the way Stripe signs its webhooks:
 *
 *   Plug-Earn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *   Idempotency-Key: <the publication's key, the same on every attempt>
 *
 * A receiver recomputes the HMAC over the raw body with the account's secret, compares it in
 * constant time, refuses a `t` more than 5 minutes away from its clock (a replayed call), and
 * ignores a second call with an Idempotency-Key it has already handled.
 *
 * Answers: 2xx published (an optional JSON `{ "id", "url" }` is kept as proof); 429 or 503 later
 * (Retry-After); 401, 403 or 410 the account must be reconnected; other 4xx refused for good;
 * anything else unknown. A webhook cannot be asked afterwards whether it got a call, so a lookup
 * cannot tell: an unknown outcome leaves the publication « unconfirmed » for the partner to check.
 */
import { createHmac } from 'node:crypto';
import type { AdapterContext, CheckOutcome, LookupOutcome, NetworkAdapter, PublishOutcome, PublishRequest } from './adapter.js';
import { retryAt, sendRequest } from './outbound-http.js';
import type { OutboundPolicy } from './remote-address.js';

export interface WebhookAccount {
  url: string;
  /** The per-account signing secret (stored encrypted, shown once). */
  secret: string;
}

export const SIGNATURE_HEADER = 'plug-earn-signature';
/** The JSON sent: its shape is part of the documented contract. */
export type WebhookPayload =
  | { type: 'publication'; publicationId: string; idempotencyKey: string; text: string; link: string }
  /** The partner pressed « Tester »: nothing to post; answer 2xx. */
  | { type: 'test' };

export function webhookSignature(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export function webhookAdapter(policy: OutboundPolicy, options: { now?: () => Date; timeoutMs?: number } = {}): NetworkAdapter<WebhookAccount> {
  const now = options.now ?? (() => new Date());
  const post = (account: WebhookAccount, payload: WebhookPayload, headers: Record<string, string>, signal?: AbortSignal) => {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(now().getTime() / 1000);
    return sendRequest(new URL(account.url), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers, [SIGNATURE_HEADER]: webhookSignature(account.secret, timestamp, body) },
      policy,
      timeoutMs: options.timeoutMs,
      signal,
    });
  };
  return {
    network: 'webhook',
    // A webhook has no limit of its own; the receiver's network checks its own.
    lengthRule: () => ({ kind: 'utf16', max: 10_000 }),

    async publish(account: WebhookAccount, request: PublishRequest, context: AdapterContext<WebhookAccount> = {}): Promise<PublishOutcome> {
      const payload: WebhookPayload = { type: 'publication', publicationId: request.publicationId, idempotencyKey: request.idempotencyKey, text: request.text, link: request.link };
      const answer = await post(account, payload, { 'idempotency-key': request.idempotencyKey }, context.signal);
      if (answer.kind === 'not_sent') return answer.code === 'EADDRNOTALLOWED' ? { kind: 'rejected', detail: answer.detail } : { kind: 'not_sent', detail: answer.detail };
      if (answer.kind === 'no_answer') return { kind: 'unknown', detail: answer.detail };
      const { status } = answer;
      if (status >= 200 && status < 300) {
        const proof = parseProof(answer.body);
        return { kind: 'published', remoteId: proof.id ?? request.idempotencyKey, remoteUrl: proof.url };
      }
      if (status === 429 || status === 503) return { kind: 'rate_limited', retryAt: retryAt(answer.headers, now()) };
      if (status === 401 || status === 403 || status === 410) return { kind: 'credentials_refused', detail: `the webhook answered ${status}` };
      if (status >= 400 && status < 500) return { kind: 'rejected', detail: `the webhook answered ${status}` };
      return { kind: 'unknown', detail: `the webhook answered ${status}` };
    },

    async check(account: WebhookAccount, context: AdapterContext<WebhookAccount> = {}): Promise<CheckOutcome> {
      const answer = await post(account, { type: 'test' }, {}, context.signal);
      if (answer.kind !== 'answer') return { kind: 'unreachable', detail: answer.detail };
      if (answer.status >= 200 && answer.status < 300) return { kind: 'ok' };
      if (answer.status === 401 || answer.status === 403 || answer.status === 410) return { kind: 'credentials_refused', detail: `the webhook answered ${answer.status}` };
      return { kind: 'unreachable', detail: `the webhook answered ${answer.status}` };
    },

    async lookup(): Promise<LookupOutcome> {
      return { kind: 'cannot_tell', detail: 'a webhook cannot be asked whether a call arrived' };
    },
  };
}

/** The receiver's optional `{ "id": "…", "url": "https://…" }`; anything else is ignored. */
function parseProof(body: string): { id: string | null; url: string | null } {
  try {
    const value = JSON.parse(body) as { id?: unknown; url?: unknown };
    const id = typeof value.id === 'string' && value.id.length <= 200 ? value.id : typeof value.id === 'number' ? String(value.id) : null;
    const url = typeof value.url === 'string' && /^https?:\/\//.test(value.url) && value.url.length <= 2000 ? value.url : null;
    return { id, url };
  } catch {
    return { id: null, url: null };
  }
}
