/** A local HTTP server for the networks' stand-ins: each request handled with its whole body read. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export async function serveOnLoopback(handle: (request: IncomingMessage, response: ServerResponse, raw: string) => unknown): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => handle(request, response, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
