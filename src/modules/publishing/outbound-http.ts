/**
 * HTTP calls the app makes for a partner (webhooks, Mastodon, Telegram…): through `guardedLookup`,
 * so every connection is checked against the outbound policy when it is made; with a deadline;
 * and with an answer small enough to hold (1 MB). What went wrong is said as an outcome the
 * publishing worker can act on: nothing was sent, or we cannot know.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, type OutboundPolicy } from './remote-address.js';

const MAX_ANSWER_BYTES = 1_000_000;

export interface HttpAnswer {
  kind: 'answer';
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Before a byte left (refused connection, unknown host, address not allowed): nothing was sent. */
export interface NotSent {
  kind: 'not_sent';
  code: string;
  detail: string;
}

/** The request may have arrived (timeout, reset, a cut answer): the outcome is unknown. */
export interface NoAnswer {
  kind: 'no_answer';
  detail: string;
}

// Errors raised before the request could reach the server.
const BEFORE_SENDING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTALLOWED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

export function sendRequest(
  url: URL,
  options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string | Buffer; policy: Pick<OutboundPolicy, 'allowLoopback' | 'requireHttps'>; timeoutMs?: number; signal?: AbortSignal },
): Promise<HttpAnswer | NotSent | NoAnswer> {
  return new Promise((resolve) => {
    if (url.protocol !== 'https:' && (url.protocol !== 'http:' || options.policy.requireHttps)) {
      resolve({ kind: 'not_sent', code: 'ERR_INVALID_URL', detail: `refused to call ${url.protocol} URL` });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let connected = false;
    const request = send(
      url,
      {
        method: options.method,
        headers: { 'user-agent': 'PlugAndEarn/1 (+publishing)', ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }), ...options.headers },
        lookup: guardedLookup(options.policy) as never,
        timeout: options.timeoutMs ?? 15_000,
        signal: options.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) response.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        response.on('end', () => resolve({ kind: 'answer', status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => resolve({ kind: 'no_answer', detail: `answer cut: ${error.message}` }));
      },
    );
    // A kept-alive socket (Node's default agent reuses them) is connected already and will not
    // say so again: listening for it there would only pile up listeners.
    request.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => (connected = true));
      else connected = true;
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERROR';
      if (!connected && BEFORE_SENDING.has(code)) resolve({ kind: 'not_sent', code, detail: error.message });
      else resolve({ kind: 'no_answer', detail: error.message });
    });
    request.end(options.body);
  });
}

/** An answer's body as a JSON value, or null when it is not JSON (a network's error page, a cut body). */
export function answerJson(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return null;
  }
}

/** An answer's body as a JSON object, or null when it is anything else. */
export function answerObject(answer: HttpAnswer): Record<string, unknown> | null {
  const value = answerJson(answer);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** When a 429 or 503 says to come back: Retry-After (seconds or a date), else the rate-limit reset (x-ratelimit-reset or ratelimit-reset). */
export function retryAt(headers: IncomingHttpHeaders, now = new Date(), fallbackMs = 60_000): Date {
  const after = headers['retry-after'];
  if (typeof after === 'string') {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return new Date(now.getTime() + seconds * 1000);
    const date = Date.parse(after);
    if (Number.isFinite(date)) return new Date(Math.max(date, now.getTime()));
  }
  // Bluesky's PDS names it without the x- (IETF draft RateLimit headers), in epoch seconds.
  const reset = headers['x-ratelimit-reset'] ?? headers['ratelimit-reset'];
  if (typeof reset === 'string') {
    const asDate = Date.parse(reset);
    if (Number.isFinite(asDate) && !/^\d+(\.\d+)?$/.test(reset)) return new Date(Math.max(asDate, now.getTime()));
    const value = Number(reset);
    // Epoch seconds (large) or seconds from now (small), as networks differ.
    if (Number.isFinite(value)) return new Date(value > 1e9 ? Math.max(value * 1000, now.getTime()) : now.getTime() + value * 1000);
  }
  return new Date(now.getTime() + fallbackMs);
}
