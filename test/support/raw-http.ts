/**
 * Requests with exactly the headers a test gives. Node's `fetch` always declares
 * `Sec-Fetch-Mode: cors` (it is a fetch()), so it cannot stand for a browser's navigation, nor for
 * an older browser that sends no Fetch Metadata at all.
 */
import { request } from 'node:http';

/** The Fetch Metadata a browser sends when a person follows a link to another site. */
export const NAVIGATION = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'cross-site', 'sec-fetch-user': '?1' };

/** One request on a new connection, answered as a `Response` (redirects are not followed). */
export function rawRequest(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (const [name, value] of Object.entries(incoming.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) pairs.push([name, one]);
        }
        const body = method === 'HEAD' ? null : Buffer.concat(chunks);
        resolve(new Response(body, { status: incoming.statusCode!, headers: pairs }));
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
