import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ClickWriter } from '../../src/modules/clicks/click-writer.js';
import type { LinkCache } from '../../src/modules/clicks/link-cache.js';
import { RedirectFastPath } from '../../src/modules/clicks/redirect-fast-path.js';

describe('the redirect’s fast path', () => {
  it('leaves a request it cannot read to Fastify, having recorded nothing, instead of throwing', () => {
    const errors: string[] = [];
    const recorded: unknown[] = [];
    const fastPath = new RedirectFastPath({
      links: { peek: () => { throw new Error('cache broken'); } } as unknown as LinkCache,
      writer: { record: (click: unknown) => { recorded.push(click); return Promise.resolve(); } } as unknown as ClickWriter,
      clickIds: { clickIdKey: Buffer.alloc(32) },
      trustProxy: () => false,
      sessionCookie: 'pe_session',
      redirectHeaders: [['referrer-policy', 'no-referrer']],
      log: { error: (_object: unknown, message: string) => errors.push(message) } as unknown as FastifyBaseLogger,
      answeredWhileClosing: () => undefined,
    });
    const request = { method: 'GET', url: '/r/abcdefghij', headers: {}, socket: { remoteAddress: '203.0.113.1' } } as unknown as IncomingMessage;
    const response = { writeHead: () => { throw new Error('must not answer'); } } as unknown as ServerResponse;
    expect(fastPath.handle(request, response)).toBe(false);
    expect(recorded).toEqual([]);
    expect(fastPath.stats.served).toBe(0);
    expect(errors).toEqual(['redirect fast path: could not read the request; left to Fastify']);
  });
});
