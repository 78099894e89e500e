/**
 * Addresses the app is asked to call on a partner's behalf (a Mastodon instance, a webhook) must
 * not turn it into a way into the operator's network (SSRF): https only in production, never a
 * private, loopback, link-local or otherwise special address, never the app itself. Loopback can
 * be allowed for tests and local development (the local test servers listen there).
 *
 * The check runs twice: when the address is entered (a clear message), and again on every
 * connection through `guardedLookup`, so that a name re-pointed after the check (DNS rebinding)
 * still cannot reach an inside address.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { InputError } from '../../lib/errors.js';

export interface OutboundPolicy {
  /** Production: plain http is refused. */
  requireHttps: boolean;
  /** Tests and local development: 127.0.0.0/8 and ::1 are allowed. */
  allowLoopback: boolean;
  /** The app's own host names (its BASE_URL's), never called. */
  ownHosts: readonly string[];
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))));

/** Whether the app may connect to this IP address under the policy. */
export function isAllowedAddress(address: string, policy: Pick<OutboundPolicy, 'allowLoopback'>): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' || (policy.allowLoopback && range === 'loopback');
}

/**
 * Parses and checks an address entered by a partner; returns it normalised (no trailing slash).
 * `field` names the form field for the message.
 */
export async function checkRemoteUrl(raw: string, policy: OutboundPolicy, field: string, resolver: Resolver = systemResolver): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw.trim().includes('://') ? raw.trim() : `https://${raw.trim()}`);
  } catch {
    throw new InputError(field, 'remote.error.malformed');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || !url.hostname) throw new InputError(field, 'remote.error.malformed');
  if (url.protocol === 'http:' && policy.requireHttps) throw new InputError(field, 'remote.error.https');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (policy.ownHosts.some((own) => own.toLowerCase() === host)) throw new InputError(field, 'remote.error.own');
  let addresses: string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = await resolver(host);
    } catch {
      throw new InputError(field, 'remote.error.unresolved', { host });
    }
  }
  if (addresses.length === 0) throw new InputError(field, 'remote.error.unresolved', { host });
  if (!addresses.every((address) => isAllowedAddress(address, policy))) throw new InputError(field, 'remote.error.private', { host });
  url.hash = '';
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request / https.request (and sockets) that refuses, at connection time, any
 * address the policy does not allow: the answer the connection will really use is the one checked.
 */
export function guardedLookup(policy: Pick<OutboundPolicy, 'allowLoopback'>) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '');
      const allowed = addresses.filter((entry) => isAllowedAddress(entry.address, policy));
      if (allowed.length === 0 || allowed.length !== addresses.length) {
        const refusal: NodeJS.ErrnoException = new Error(`refused to connect to ${hostname}: not a public address`);
        refusal.code = 'EADDRNOTALLOWED';
        return callback(refusal, '');
      }
      if (options.all) return callback(null, allowed);
      const first = allowed[0]!;
      return callback(null, first.address, first.family);
    });
  };
}
