// The least a correct telephony hook can do, as the benchmark's yardstick: a plain node:http
// server that checks the hook's header secret, parses Okta's JSON, makes one undici request to
// the provider and answers Okta's command JSON with the provider's message id. No log, no store,
// no routing beyond one prefix test, no failover.
//
//   node dist/bench/baseline.js --fast URL --slow URL [--header NAME]   (secret in BENCH_HOOK_SECRET)
//
// Numbers starting with +44 go to --slow, the rest to --fast (the gateway's benchmark config
// routes the same way). Listens on a free loopback port and prints {"port":N} on stdout; exits
// when its parent closes stdin (or on SIGTERM).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { serveForParent } from './child.js';

const { values } = parseArgs({
  options: {
    fast: { type: 'string' },
    slow: { type: 'string' },
    header: { type: 'string', default: 'x-telephony-key' },
  },
});
const secret = Buffer.from(process.env.BENCH_HOOK_SECRET ?? '');
if (!values.fast || !values.slow || secret.length === 0) {
  process.stderr.write('usage: BENCH_HOOK_SECRET=... baseline --fast URL --slow URL [--header NAME]\n');
  process.exit(2);
}
const fastUrl = values.fast;
const slowUrl = values.slow;
const header = values.header.toLowerCase();
const providerAuth = `Bearer ${process.env.BENCH_PROVIDER_TOKEN ?? ''}`;

// The same pool settings as the gateway's provider agent (src/providers/http.ts), so neither side gets more sockets.
const agent = new Agent({ connect: { timeout: 1_000 }, headersTimeout: 10_000, bodyTimeout: 10_000, keepAliveTimeout: 30_000, connections: 32 });

const BODY_LIMIT = 65_536;
const BUDGET_MS = 2_500;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

function failure(res: ServerResponse, status: number, summary: string): void {
  send(res, status, { error: { errorSummary: summary, errorCauses: [] } });
}

function authorised(req: IncomingMessage): boolean {
  const given = req.headers[header];
  if (typeof given !== 'string') return false;
  const g = Buffer.from(given);
  return g.length === secret.length && timingSafeEqual(g, secret);
}

async function hook(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authorised(req)) return failure(res, 401, 'Unauthorized');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return failure(res, 400, 'The request body is too large');
    chunks.push(chunk);
  }
  let eventId: unknown, phone: unknown, text: unknown, code: unknown;
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as any;
    eventId = body.eventId;
    const profile = body.data?.messageProfile;
    phone = profile?.phoneNumber;
    text = profile?.msgTemplate;
    code = profile?.otpCode;
  } catch {
    return failure(res, 400, 'The request body is not valid JSON');
  }
  if (typeof eventId !== 'string' || typeof phone !== 'string' || typeof code !== 'string') {
    return failure(res, 400, 'Invalid telephony hook request');
  }
  const slow = phone.startsWith('+44');
  try {
    const reply = await request(slow ? slowUrl : fastUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: providerAuth },
      body: JSON.stringify({ to: phone, text: typeof text === 'string' ? text : `Your code is ${code}`, ref: eventId }),
      signal: AbortSignal.timeout(BUDGET_MS),
      dispatcher: agent,
    });
    const answer = (await reply.body.json()) as any;
    const id: unknown = answer?.data?.id;
    if (reply.statusCode < 200 || reply.statusCode >= 300 || typeof id !== 'string') {
      return send(res, 200, { error: { errorSummary: "We couldn't send your verification code. Please try again later.", errorCauses: [] } });
    }
    send(res, 200, {
      commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: slow ? 'SLOW' : 'FAST', transactionId: id }] }],
    });
  } catch {
    send(res, 200, { error: { errorSummary: "We couldn't send your verification code. Please try again later.", errorCauses: [] } });
  }
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/okta/telephony') {
    hook(req, res).catch(() => failure(res, 500, 'Internal error'));
  } else if (req.method === 'GET' && req.url === '/healthz') {
    send(res, 200, { status: 'ok' });
  } else {
    failure(res, 404, 'Not found');
  }
});
server.keepAliveTimeout = 72_000; // Fastify's default, which the gateway runs with

serveForParent(server, () => agent.close());
