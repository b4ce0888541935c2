// Shared pieces of the scale tests: real `byot serve` processes on loopback, a Twilio-shaped
// provider that counts sends, shared services (Redis, PostgreSQL) per run, and cleanup that kills
// every child even when a test fails.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startServe, type Server } from '../support/cli.js';
import { needEnv } from '../support/env.js';
import { createSchema, runId, type PgSchema } from '../support/stores.js';
import { freePort, killAll, startProcess, type NodeProcess } from '../support/processes.js';
import { json, startMock, type MockServer, type RecordedRequest } from '../support/mock-http.js';
import { ACCOUNT } from '../support/twilio-mock.js';
import { oktaRequest } from '../support/okta.js';

export const SECRET = 'scale-hook-secret-0123456789';
export const HASH_KEY = 'scale-hash-key-0123456789abcdef';

export interface SharedServices {
  redisUrl: string;
  databaseUrl: string;
}

/**
 * REDIS_URL and DATABASE_URL, the services several gateway processes share; when one is missing,
 * undefined, after registering a test `name` that skips (or, under CI, fails) saying `what` is not run.
 */
export function sharedServices(name: string, what: string): SharedServices | undefined {
  const redisUrl = process.env.REDIS_URL;
  const databaseUrl = process.env.DATABASE_URL;
  if (redisUrl && databaseUrl) return { redisUrl, databaseUrl };
  test(name, (t) => {
    if (!needEnv(t, 'REDIS_URL', `${what} not run (e.g. REDIS_URL=redis://127.0.0.1:6379)`)) return;
    needEnv(t, 'DATABASE_URL', `${what} not run (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)`);
  });
  return undefined;
}

// --- Temp folders and children (test/support/processes.ts tracks every child) ---

const dirs: string[] = [];

/** SIGKILLs every child still running and removes the temp folders. For `after`. */
export async function cleanupAll(): Promise<void> {
  await killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `byot-${prefix}-`));
  dirs.push(d);
  return d;
}

// --- The gateway process ---

export interface GatewayProcess {
  name: string;
  url: string;
  server: Server;
  /** Every log line written so far (pino JSON on stdout). */
  logs(): string;
  /** SIGKILL, no shutdown: what a crash looks like. Resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface GatewayConfigOptions {
  dir: string;
  providerUrl: string;
  guard: Record<string, unknown>;
  /** postgres:// URL of the delivery log; a SQLite file in `dir` otherwise. */
  storeUrl?: string;
  redisUrl?: string;
  hook?: Record<string, unknown>;
  logLevel?: string;
}

/** The configuration as JSON, which is YAML too. Port 0: the process reports the one it got. */
export function gatewayConfig(o: GatewayConfigOptions): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0 },
    auth: { type: 'header', header: 'Authorization', secrets: [SECRET] },
    store: { path: join(o.dir, 'byot.sqlite'), hashKey: HASH_KEY, ...(o.storeUrl ? { url: o.storeUrl } : {}) },
    log: { level: o.logLevel ?? 'info' },
    ...(o.redisUrl ? { limits: { url: o.redisUrl } } : {}),
    ...(o.hook ? { hook: o.hook } : {}),
    guard: o.guard,
    resilience: { breaker: { threshold: 1_000 } },
    providers: {
      twilio: { kind: 'twilio', accountSid: ACCOUNT, authToken: 'test-auth-token', from: '+14155550100', baseUrl: o.providerUrl },
    },
  };
}

/** Starts `node bin/byot.js serve --config <file>` and waits until it listens. */
export async function spawnGateway(name: string, config: Record<string, unknown>, dir: string): Promise<GatewayProcess> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const server = startServe(['--config', file], { cwd: dir });
  await server.waitFor(/byot-gateway ready/, 20_000);
  const address = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(server.stdout())?.[1];
  if (!address) throw new Error(`${name}: no address in the ready line: ${server.stdout()}`);
  return {
    name,
    url: address,
    server,
    logs: () => server.stdout(),
    async kill() {
      await server.stop('SIGKILL');
    },
  };
}

// --- Okta's side ---

export interface HookAnswer {
  /** 0 when no HTTP answer came (connection refused or reset, or the client gave up). */
  status: number;
  body: any;
  ms: number;
  /** performance.now() when the request left and when its answer (or failure) came back. */
  sentAt: number;
  doneAt: number;
  eventId: string;
  error?: string;
}

/** Okta's request for `phone`, with a fresh eventId unless one is given. */
export function hookBody(phone: string, eventId?: string): Record<string, any> {
  return oktaRequest({ phoneNumber: phone, requestType: 'com.okta.user.telephony.mfa-verification', preview: false, ...(eventId ? { eventId } : {}) });
}

/** POSTs like Okta, which gives up after 3 s; the client here waits up to `timeoutMs` to see a hang as such. */
export async function postHook(base: string, body: Record<string, any>, timeoutMs = 6_000): Promise<HookAnswer> {
  const sentAt = performance.now();
  const eventId = String(body.eventId);
  try {
    const res = await fetch(`${base}/okta/telephony`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: SECRET },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const doneAt = performance.now();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, ms: doneAt - sentAt, sentAt, doneAt, eventId };
  } catch (err) {
    const doneAt = performance.now();
    return { status: 0, body: undefined, ms: doneAt - sentAt, sentAt, doneAt, eventId, error: String((err as Error).cause ?? err) };
  }
}

/** SUCCESSFUL, PENDING or FAILED from a command answer; `error` for Okta's error object; `other` otherwise. */
export function kind(a: HookAnswer): 'SUCCESSFUL' | 'PENDING' | 'FAILED' | 'error' | 'other' {
  const status = a.body?.commands?.[0]?.value?.[0]?.status;
  if (a.status === 200 && typeof status === 'string') return status as 'SUCCESSFUL' | 'PENDING' | 'FAILED';
  if (a.status === 200 && a.body?.error?.errorCauses) return 'error';
  return 'other';
}

export function tally(answers: HookAnswer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = a.status === 200 ? kind(a) : `http ${a.status}${a.error ? ` (${a.error})` : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

// --- The provider ---

export interface CountingProvider extends MockServer {
  /** Messages accepted so far. */
  sends(): RecordedRequest[];
}

/** Twilio's Messages API on loopback: answers 201 with a fresh SM… sid, after a random delay in [minMs, maxMs]. */
export async function startProvider(minMs = 0, maxMs = 0): Promise<CountingProvider> {
  const mock = await startMock((req, res) => {
    if (req.url !== `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`) {
      return json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    const answer = () => json(res, 201, { sid: 'SM' + randomBytes(16).toString('hex'), status: 'queued', account_sid: ACCOUNT });
    const delay = minMs + Math.random() * (maxMs - minMs);
    if (delay <= 0) return answer();
    setTimeout(answer, delay);
    return undefined;
  });
  return Object.assign(mock, { sends: () => mock.requests.filter((r) => r.url.endsWith('/Messages.json')) });
}

/** The `To` of every send, as E.164. */
export function recipients(provider: CountingProvider): string[] {
  return provider.sends().map((r) => new URLSearchParams(r.body).get('To') ?? '');
}

// --- PostgreSQL: one schema per run ---

export { createSchema, runId, type PgSchema } from '../support/stores.js';

// --- Redis ---

/** Deletes every key matching `pattern` (SCAN, never KEYS on a shared server). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) n += await redis.del(...keys);
  } while (cursor !== '0');
  return n;
}

export async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

/** A private redis-server on a free loopback port, no persistence, in the foreground as our child. */
export interface PrivateRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGKILL: the server vanishes without a goodbye, like a crash or a network cut. */
  kill(): Promise<void>;
  /** A client of its own (the caller disconnects it). */
  client(): Redis;
}

/** Whether `redis-server` is an executable somewhere on PATH. */
export function redisServerOnPath(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, 'redis-server'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: NodeProcess | undefined;
  return {
    port,
    url,
    async start() {
      server = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
      await server.waitFor(/Ready to accept connections/, 5_000);
    },
    async kill() {
      await server?.stop('SIGKILL');
    },
    client() {
      const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => 100 });
      r.on('error', () => undefined);
      return r;
    },
  };
}

export interface Traffic {
  /** Answers so far, in completion order, tagged with the gateway they came from. */
  answers: (HookAnswer & { target: string })[];
  /** Stops starting requests and waits for those in flight. */
  stop(): Promise<(HookAnswer & { target: string })[]>;
}

/**
 * Keeps `workers` requests in flight against each target until stopped, each with a fresh eventId
 * and number (from `phone(n)`), pausing `pauseMs` between a worker's requests.
 */
export function traffic(targets: { name: string; url: string }[], o: { workers: number; pauseMs: number; phone: (n: number) => string; timeoutMs?: number }): Traffic {
  let running = true;
  let n = 0;
  const answers: (HookAnswer & { target: string })[] = [];
  const loops = targets.flatMap((target) => Array.from({ length: o.workers }, async () => {
    while (running) {
      const a = await postHook(target.url, hookBody(o.phone(n++)), o.timeoutMs);
      answers.push({ ...a, target: target.name });
      if (o.pauseMs > 0 && running) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  }));
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

/** What a test of several gateway processes sharing Redis and PostgreSQL starts (`openSharedRun`, in `before`). */
export interface SharedRun {
  provider: CountingProvider;
  schema: PgSchema;
  /** A client of the test's own, for looking at the keys. */
  redis: Redis;
  /** The guard's key prefix for this run: every key it writes is removed at the end. */
  keyPrefix: string;
}

export async function openSharedRun(services: SharedServices, what: string): Promise<SharedRun> {
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 });
  const provider = await startProvider();
  const schema = await createSchema(services.databaseUrl, what);
  return { provider, schema, redis, keyPrefix: runId(what) };
}

/** For `after`: kills every child, then removes the run's schema, its guard keys and `keys`. */
export async function closeSharedRun(run: SharedRun | undefined, keys: string[] = []): Promise<void> {
  await cleanupAll();
  if (!run) return;
  await run.provider.close();
  await run.schema.drop();
  await deleteKeys(run.redis, `${run.keyPrefix}:*`);
  if (keys.length > 0) await run.redis.del(...keys);
  run.redis.disconnect();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it holds; throws `what` after `timeoutMs`. */
export async function eventually(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await sleep(50);
  }
  return performance.now() - started;
}
