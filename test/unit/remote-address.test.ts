import { createServer, get, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/lib/errors.js';
import { checkRemoteUrl, guardedLookup, isAllowedAddress, type OutboundPolicy, type Resolver } from '../../src/modules/publishing/remote-address.js';

const production: OutboundPolicy = { requireHttps: true, allowLoopback: false, ownHosts: ['pe.example.com'] };
const development: OutboundPolicy = { requireHttps: false, allowLoopback: true, ownHosts: ['localhost'] };
// A resolver of our own: the test needs no network and shows what each name points to.
const names: Record<string, string[]> = {
  'mastodon.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'inside.example': ['10.1.2.3'],
  'half.example': ['93.184.216.34', '192.168.1.20'],
  'metadata.example': ['169.254.169.254'],
};
const resolver: Resolver = async (host) => {
  const found = names[host];
  if (!found) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  return found;
};

async function refusal(raw: string, policy: OutboundPolicy = production): Promise<string | null> {
  try {
    await checkRemoteUrl(raw, policy, 'instance', resolver);
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.messageKey;
    throw error;
  }
}

describe('addresses called on a partner’s behalf', () => {
  it('accepts public https servers, given with or without the scheme', async () => {
    expect((await checkRemoteUrl('mastodon.example', production, 'instance', resolver)).href).toBe('https://mastodon.example/');
    expect(await refusal('https://mastodon.example/@someone#x')).toBeNull();
    expect(await refusal('https://93.184.216.34')).toBeNull();
  });

  it('refuses what is malformed, plain http in production, credentials, and the app itself', async () => {
    expect(await refusal('https://')).toBe('remote.error.malformed');
    expect(await refusal('ftp://mastodon.example')).toBe('remote.error.malformed');
    expect(await refusal('https://user:pass@mastodon.example')).toBe('remote.error.malformed');
    expect(await refusal('http://mastodon.example')).toBe('remote.error.https');
    expect(await refusal('https://PE.example.com/api')).toBe('remote.error.own');
    expect(await refusal('https://nowhere.example')).toBe('remote.error.unresolved');
  });

  it('refuses private, loopback, link-local and mapped addresses, even behind a public name', async () => {
    for (const raw of ['https://inside.example', 'https://half.example', 'https://metadata.example', 'https://127.0.0.1', 'https://[::1]', 'https://[::ffff:10.0.0.1]', 'https://0.0.0.0', 'https://[fd00::1]', 'https://100.64.0.1']) {
      expect(await refusal(raw), raw).toBe('remote.error.private');
    }
  });

  it('allows loopback, over http, only where the setting says so', async () => {
    expect(await refusal('http://127.0.0.1:8080', development)).toBeNull();
    expect(await refusal('http://[::1]:8080', development)).toBeNull();
    expect(await refusal('http://10.0.0.1', development)).toBe('remote.error.private');
    expect(isAllowedAddress('127.0.0.1', { allowLoopback: false })).toBe(false);
  });
});

describe('the connection-time check', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end('inside'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetchVia = (allowLoopback: boolean) =>
    new Promise<string>((resolve, reject) => {
      const request = get({ host: 'localhost', port, path: '/', lookup: guardedLookup({ allowLoopback }) as never }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      });
      request.on('error', reject);
    });

  it('refuses to connect to an inside address whatever the name, and connects when allowed', async () => {
    await expect(fetchVia(false)).rejects.toMatchObject({ code: 'EADDRNOTALLOWED' });
    expect(await fetchVia(true)).toBe('inside');
  });
});
