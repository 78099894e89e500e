/**
 * What the request log may show. A sign-in link's token in a logged URL would let anyone who reads
 * the logs sign in as that partner, so every `token=` value is blanked.
 */
import type { FastifyRequest } from 'fastify';

export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token)=)[^&#]*/gi, '$1[redacted]');
}

export function loggerOptions(level: string) {
  return {
    level,
    serializers: {
      req(request: FastifyRequest) {
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}
