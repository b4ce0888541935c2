// A telephony provider stand-in for the benchmark: accepts every message it is sent.
// `/fast/...` answers at once, `/slow/...` after --slow-ms (50). Listens on a free loopback port,
// prints {"port":N} on stdout, and exits when its parent closes stdin (or on SIGTERM).
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serveForParent } from './child.js';

const { values } = parseArgs({ options: { 'slow-ms': { type: 'string', default: '50' } } });
const slowMs = Number(values['slow-ms']);

let sent = 0;
const server = createServer((req, res) => {
  const slow = req.url?.startsWith('/slow/') ?? false;
  if (req.method !== 'POST' || !(slow || req.url?.startsWith('/fast/'))) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND"}}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let to: unknown;
    try {
      to = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to?: unknown }).to;
    } catch {
      to = undefined;
    }
    const answer = (): void => {
      if (typeof to !== 'string' || !to.startsWith('+')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"INVALID_NUMBER"}}');
        return;
      }
      sent += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":{"id":"SM${sent.toString(36).padStart(10, '0')}","status":"queued"}}`);
    };
    if (slow) setTimeout(answer, slowMs);
    else answer();
  });
});
// Keep provider connections warm, as a real provider's load balancer does.
server.keepAliveTimeout = 65_000;

serveForParent(server);
