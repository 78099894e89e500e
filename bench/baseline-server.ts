/**
 * B0: the machine's limit for this job — a bare node:http server answering 302 from an in-memory
 * map of the same codes, with no framework, no database, no logging.
 * Usage: node dist/bench/baseline-server.js <codes.json> <port>
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [, , codesFile, port] = process.argv;
const targets = new Map<string, string>(Object.entries(JSON.parse(readFileSync(codesFile!, 'utf8')) as Record<string, string>));

const server = createServer((request, response) => {
  const code = (request.url ?? '').slice(3);
  const target = request.url?.startsWith('/r/') ? targets.get(code) : undefined;
  if (!target) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(302, { location: target, 'cache-control': 'no-store' }).end();
});
server.keepAliveTimeout = 72_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
