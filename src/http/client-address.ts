/**
 * Who is asking: the client address, read through the proxies that TRUST_PROXY trusts. One trust
 * function serves Fastify (`request.ip`) and the redirect's fast path, so both count the same
 * visitor for the same request.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { Config } from '../config.js';

export type TrustProxy = (address: string, hop: number) => boolean;

/** TRUST_PROXY as a function of (address, hop): nothing, everything, the nearest N hops, or a list. */
export function trustProxyFunction(value: Config['trustProxy']): TrustProxy {
  if (value === false) return () => false;
  if (value === true) return () => true;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return proxyAddr.compile(value);
}

/** The furthest address that the trusted proxies vouch for (the socket's own when none is trusted). */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string {
  const addresses = proxyAddr.all(request, trust);
  return addresses[addresses.length - 1] ?? '';
}
