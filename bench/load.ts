/**
 * The load generator, run in its own process: autocannon, 100 connections, no pipelining, codes
 * drawn with a Zipf-like popularity, realistic user agents, a distinct client address per request
 * (X-Forwarded-For; the server runs with TRUST_PROXY=true).
 * Usage: node dist/bench/load.js <origin> <codes.json> <seconds> [connections] [amount] [rate]
 * With an amount, exactly that many requests are sent and every answer is awaited; with a rate,
 * requests are paced to that many per second in all (the soak).
 * Prints one JSON line: requests/s, latency percentiles, status counts.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [, , origin, codesFile, seconds, connections, amount, rate] = process.argv;
const codes = Object.keys(JSON.parse(readFileSync(codesFile!, 'utf8')) as Record<string, string>);

// Zipf with s = 1: the k-th most popular link gets a share proportional to 1/k.
const cdf: number[] = [];
let total = 0;
for (let k = 1; k <= codes.length; k++) cdf.push((total += 1 / k));
function pick(): string {
  const x = Math.random() * total;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return codes[lo]!;
}

const AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
];
const octet = () => 1 + Math.floor(Math.random() * 254);

const result = await autocannon({
  url: origin!,
  connections: Number(connections ?? 100),
  pipelining: 1,
  ...(Number(amount) > 0 ? { amount: Number(amount) } : { duration: Number(seconds) }),
  timeout: 10,
  ...(Number(rate) > 0 ? { overallRate: Number(rate) } : {}),
  requests: [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `/r/${pick()}`,
        headers: { 'user-agent': AGENTS[Math.floor(Math.random() * AGENTS.length)]!, 'x-forwarded-for': `${octet()}.${octet()}.${octet()}.${octet()}`, accept: 'text/html' },
      }),
    },
  ],
});

{
  const statuses = (result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats ?? {};
  console.log(
    JSON.stringify({
      requests: result.requests.total,
      // Over the run's real duration: autocannon's own average is over whole seconds, the last one partial.
      rps: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      redirects: statuses['302']?.count ?? 0,
      // CPU the load generator itself used (user + system, ms): it shares the 2 cores with the server.
      cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
      statuses: Object.fromEntries(Object.entries(statuses).map(([code, s]) => [code, s.count])),
    }),
  );
}
