// `npm run bench -- --backend postgres+redis`: the scale-out configuration (delivery log in
// PostgreSQL, limits in Redis) side by side with the embedded one (SQLite, in-memory limits), in
// one run, on the same traffic: the same gateway build, the same mock provider (its instant /fast
// route), the same stream of unique numbers, users and addresses for each. For each path:
//   1. sequential: one call at a time;
//   2. open loop: a fixed rate from a few connections, autocannon's arrivals bunched each second;
//   3. bursts: N calls at once, a pause, again;
//   4. closed loop: C connections as fast as answers come (throughput);
// then the PostgreSQL and Redis requests one hook call makes, counted by loopback proxies
// (bench/count-proxy.ts) in front of the servers for a third gateway started for that alone, so
// the timed runs pay no proxy hop. Prints the table with the targets of issue 18, then one JSON line.
//
// Needs DATABASE_URL and REDIS_URL (e.g. postgres://postgres@127.0.0.1:5432/test and
// redis://127.0.0.1:6379). Writes only a schema of its own (dropped at the end) and keys under a
// prefix of its own (deleted at the end).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { bunchedRate, closedLoop, type Target } from './load.js';
import { oktaTraffic, type Traffic } from './okta-traffic.js';
import { GUARD_YAML, benchSecrets, gatewayConfig } from './gateway-config.js';
import { countProxy } from './count-proxy.js';
import { cpuSecondsOf, numberOption, portOf, startChild, stopAll, stopChild, stopOnExit, waitHealthy, type Child } from './processes.js';
import { freePort } from '../test/support/processes.js';

/** Issue 18's targets, PostgreSQL + Redis against the embedded path measured in the same run. */
const TARGETS = {
  sequentialP50Ratio: 1.5,
  openP99MarginMs: 10,
  burstP99MarginMs: 20,
  closedRpsRatio: 0.6,
  redisRoundTrips: 2,
  postgresRoundTrips: 2,
};

interface Options {
  sequential: number;
  rate: number;
  rateConnections: number;
  bursts: number;
  burstSize: number;
  connections: number;
  seconds: number;
  warmup: number;
  counted: number;
  check: boolean;
}

export function scaleOutOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string' },
      sequential: { type: 'string', default: '300' },
      rate: { type: 'string', default: '50' },
      'rate-connections': { type: 'string', default: '20' },
      bursts: { type: 'string', default: '15' },
      'burst-size': { type: 'string', default: '20' },
      connections: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      counted: { type: 'string', default: '100' },
      check: { type: 'boolean', default: false },
    },
  });
  if (values.backend !== 'postgres+redis') throw new Error(`--backend expects postgres+redis, got ${values.backend}`);
  return {
    sequential: numberOption('sequential', values.sequential, 10),
    rate: numberOption('rate', values.rate, 1),
    rateConnections: numberOption('rate-connections', values['rate-connections'], 1),
    bursts: numberOption('bursts', values.bursts, 1),
    burstSize: numberOption('burst-size', values['burst-size'], 1),
    connections: numberOption('connections', values.connections, 1),
    seconds: numberOption('seconds', values.seconds, 1),
    warmup: numberOption('warmup', values.warmup, 0),
    counted: numberOption('counted', values.counted, 10),
    check: values.check,
  };
}

function progress(line: string): void {
  process.stderr.write(`[bench scale-out] ${line}\n`);
}

const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

function percentiles(samples: number[]): { p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(at(1)) };
}

/** Every eventId sent, so the Redis keys a gateway may have written for them can be deleted. */
function recorded(traffic: Traffic, eventIds: string[]): Traffic {
  return {
    get count() {
      return traffic.count;
    },
    next() {
      const body = traffic.next();
      eventIds.push(/"eventId":"([^"]+)"/.exec(body)![1]!);
      return body;
    },
  };
}

/** One hook call through `pool`; its latency in ms, or an error message when it did not succeed. */
async function call(pool: Pool, target: Target, body: string): Promise<number | string> {
  const started = performance.now();
  const res = await pool.request({
    path: '/okta/telephony', method: 'POST', body,
    headers: { ...target.headers, 'content-type': 'application/json', accept: 'application/json' },
  });
  const text = await res.body.text();
  const ms = performance.now() - started;
  return res.statusCode === 200 && text.includes('"status":"SUCCESSFUL"') ? ms : `HTTP ${res.statusCode} ${text.slice(0, 200)}`;
}

interface Measured {
  latencies: number[];
  errors: number;
  sample?: string;
}

function tally(results: (number | string)[], into: Measured): void {
  for (const r of results) {
    if (typeof r === 'number') into.latencies.push(r);
    else {
      into.errors++;
      into.sample ??= r;
    }
  }
}

async function sequential(target: Target, traffic: Traffic, n: number): Promise<Measured> {
  const pool = new Pool(new URL(target.url).origin, { connections: 1 });
  const m: Measured = { latencies: [], errors: 0 };
  try {
    for (let i = 0; i < n; i++) tally([await call(pool, target, traffic.next())], m);
  } finally {
    await pool.close();
  }
  return m;
}

async function bursts(target: Target, traffic: Traffic, count: number, size: number): Promise<Measured> {
  const pool = new Pool(new URL(target.url).origin, { connections: size });
  const m: Measured = { latencies: [], errors: 0 };
  try {
    for (let b = 0; b < count; b++) {
      tally(await Promise.all(Array.from({ length: size }, () => call(pool, target, traffic.next()))), m);
      await sleep(200);
    }
  } finally {
    await pool.close();
  }
  return m;
}

type Path = 'embedded' | 'scaleOut';

interface PathFigures {
  sequential: { p50: number; p99: number; errors: number };
  open: { p50: number; p99: number; max: number; rps: number; errors: number };
  bursts: { p99: number; max: number; errors: number };
  /** gatewayCpuMsPerRequest: the gateway process's CPU (all threads) per answer; PostgreSQL's and Redis's own are not in it. */
  closed: { rps: number; p50: number; p99: number; errors: number; gatewayCpuMsPerRequest: number };
  errorSample?: string;
}

export interface ScaleOutReport {
  bench: 'byot-gateway scale-out';
  node: string;
  cpus: number;
  /** Load average over one minute at the start: above the CPU count, other work disturbs the figures. */
  loadAtStart: number;
  settings: Omit<Options, 'check'>;
  guard: string;
  embedded: PathFigures;
  scaleOut: PathFigures;
  /** Requests one hook call sends, counted over `settings.counted` sequential calls. */
  roundTripsPerCall: { redis: number; postgres: number };
  targets: Record<string, { target: string; value: number; met: boolean }>;
}

async function run(o: Options, dir: string, cleanups: (() => Promise<unknown>)[]): Promise<ScaleOutReport> {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    throw new Error('set DATABASE_URL and REDIS_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379');
  }
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const benchDir = fileURLToPath(new URL('.', import.meta.url));
  const bin = join(root, 'bin', 'byot.js');
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

  // A schema and a key prefix of this run's own.
  const schema = `byot_bench_${id}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });
  const storeUrl = (() => {
    const u = new URL(databaseUrl);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  })();
  const keyPrefix = `byot-bench:${id}:guard`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const eventIds: string[] = [];
  cleanups.push(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    // Idempotency keys, if this build keeps them in Redis.
    for (let i = 0; i < eventIds.length; i += 1_000) await redis.del(...eventIds.slice(i, i + 1_000).map((e) => `byot:idem:${e}`));
    redis.disconnect();
  });

  const { env, headers } = benchSecrets();
  const mock = startChild('mock provider', [join(benchDir, 'mock-provider.js'), '--slow-ms', '50']);
  const mockUrl = `http://127.0.0.1:${await portOf(mock)}`;

  async function gateway(name: string, extra: { storeUrl?: string; redisUrl?: string }): Promise<{ child: Child; target: Target }> {
    const port = await freePort();
    const gwDir = join(dir, name);
    const file = join(dir, `${name}.yaml`);
    mkdirSync(gwDir);
    writeFileSync(file, gatewayConfig({ port, mockUrl, dir: gwDir, keyPrefix, ...extra }));
    const child = startChild(name, [bin, 'serve', '--config', file], { env, cwd: gwDir, stdio: ['pipe', 'ignore', 'pipe'] });
    await waitHealthy(child, `http://127.0.0.1:${port}/healthz`);
    return { child, target: { url: `http://127.0.0.1:${port}/okta/telephony`, headers } };
  }

  const loadAtStart = loadavg()[0]!;
  const side = async (name: string, extra: { storeUrl?: string; redisUrl?: string }) => {
    const { child, target } = await gateway(name, extra);
    return { target, pid: child.pid, traffic: recorded(oktaTraffic('US'), eventIds) };
  };
  const sides: Record<Path, { target: Target; pid: number; traffic: Traffic }> = {
    embedded: await side('embedded', {}),
    scaleOut: await side('scale-out', { storeUrl, redisUrl }),
  };
  const paths: Path[] = ['embedded', 'scaleOut'];
  const figures: Record<Path, Partial<PathFigures>> = { embedded: {}, scaleOut: {} };
  const samples: Record<Path, string | undefined> = { embedded: undefined, scaleOut: undefined };

  // A service in production is warm: pools open, hot paths compiled.
  for (const p of paths) {
    progress(`warm-up: ${p}`);
    await sequential(sides[p].target, sides[p].traffic, 200);
    await closedLoop(sides[p].target, sides[p].traffic, { connections: o.connections, seconds: 2, warmupSeconds: 0 });
  }
  // Each phase runs on both paths one after the other, so both see the machine in the same state.
  for (const p of paths) {
    progress(`sequential: ${p}, ${o.sequential} calls`);
    const m = await sequential(sides[p].target, sides[p].traffic, o.sequential);
    const q = percentiles(m.latencies);
    figures[p].sequential = { p50: q.p50, p99: q.p99, errors: m.errors };
    samples[p] ??= m.sample;
  }
  for (const p of paths) {
    progress(`open loop: ${p}, ${o.rate} req/s from ${o.rateConnections} connections, ${o.warmup} s warm-up + ${o.seconds} s`);
    const f = await bunchedRate(sides[p].target, sides[p].traffic, { rate: o.rate, connections: o.rateConnections, seconds: o.seconds, warmupSeconds: o.warmup });
    figures[p].open = { p50: round(f.latencyMs.p50), p99: round(f.latencyMs.p99), max: round(f.latencyMs.max), rps: round(f.rps, 1), errors: f.errors.total };
    samples[p] ??= f.errors.sample;
  }
  for (const p of paths) {
    progress(`bursts: ${p}, ${o.bursts} × ${o.burstSize} at once`);
    const m = await bursts(sides[p].target, sides[p].traffic, o.bursts, o.burstSize);
    const q = percentiles(m.latencies);
    figures[p].bursts = { p99: q.p99, max: q.max, errors: m.errors };
    samples[p] ??= m.sample;
  }
  for (const p of paths) {
    progress(`closed loop: ${p}, ${o.connections} connections, ${o.warmup} s warm-up + ${o.seconds} s`);
    let cpu = 0;
    const pid = sides[p].pid;
    const window = { start: () => { cpu = cpuSecondsOf(pid); }, stop: () => { cpu = cpuSecondsOf(pid) - cpu; } };
    const f = await closedLoop(sides[p].target, sides[p].traffic, { connections: o.connections, seconds: o.seconds, warmupSeconds: o.warmup, window });
    figures[p].closed = {
      rps: round(f.rps, 1), p50: round(f.latencyMs.p50), p99: round(f.latencyMs.p99), errors: f.errors.total,
      gatewayCpuMsPerRequest: round((cpu * 1_000) / f.requests, 3),
    };
    samples[p] ??= f.errors.sample;
  }

  // Round trips: a third gateway, reaching both servers through counting proxies.
  progress(`round trips: ${o.counted} sequential calls through counting proxies`);
  const pgTarget = new URL(databaseUrl);
  const redisTarget = new URL(redisUrl);
  const pgProxy = await countProxy('postgres', { host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
  const redisProxy = await countProxy('redis', { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
  cleanups.unshift(() => pgProxy.close(), () => redisProxy.close());
  const viaProxy = (u: string, port: number): string => {
    const x = new URL(u);
    x.hostname = '127.0.0.1';
    x.port = String(port);
    return x.toString();
  };
  const counted = await gateway('counted', { storeUrl: viaProxy(storeUrl, pgProxy.port), redisUrl: viaProxy(redisUrl, redisProxy.port) });
  const countedTraffic = recorded(oktaTraffic('GB'), eventIds);
  await sequential(counted.target, countedTraffic, 20);
  const before = { pg: pgProxy.count, redis: redisProxy.count };
  const m = await sequential(counted.target, countedTraffic, o.counted);
  const roundTripsPerCall = {
    postgres: round((pgProxy.count - before.pg) / o.counted),
    redis: round((redisProxy.count - before.redis) / o.counted),
  };
  if (m.errors > 0) samples.scaleOut ??= m.sample;
  await stopChild(counted.child);

  const e = figures.embedded as PathFigures;
  const s = figures.scaleOut as PathFigures;
  if (samples.embedded) e.errorSample = samples.embedded;
  if (samples.scaleOut) s.errorSample = samples.scaleOut;
  const seqRatio = s.sequential.p50 / e.sequential.p50;
  const rpsRatio = s.closed.rps / e.closed.rps;
  return {
    bench: 'byot-gateway scale-out',
    node: process.version,
    cpus: cpus().length,
    loadAtStart: round(loadAtStart),
    settings: { sequential: o.sequential, rate: o.rate, rateConnections: o.rateConnections, bursts: o.bursts, burstSize: o.burstSize, connections: o.connections, seconds: o.seconds, warmup: o.warmup, counted: o.counted },
    guard: GUARD_YAML.replace(/\s+/g, ' ').trim(),
    embedded: e,
    scaleOut: s,
    roundTripsPerCall,
    targets: {
      sequentialP50: { target: `sequential p50 <= ${TARGETS.sequentialP50Ratio}× embedded`, value: round(seqRatio, 2), met: seqRatio <= TARGETS.sequentialP50Ratio },
      openP99: { target: `open loop ${o.rate} req/s p99 <= embedded p99 + ${TARGETS.openP99MarginMs} ms`, value: round(s.open.p99 - e.open.p99), met: s.open.p99 <= e.open.p99 + TARGETS.openP99MarginMs },
      burstP99: { target: `bursts of ${o.burstSize} p99 <= embedded p99 + ${TARGETS.burstP99MarginMs} ms`, value: round(s.bursts.p99 - e.bursts.p99), met: s.bursts.p99 <= e.bursts.p99 + TARGETS.burstP99MarginMs },
      closedRps: { target: `closed loop req/s >= ${TARGETS.closedRpsRatio}× embedded`, value: round(rpsRatio, 2), met: rpsRatio >= TARGETS.closedRpsRatio },
      redisRoundTrips: { target: `Redis round trips per hook call <= ${TARGETS.redisRoundTrips}`, value: roundTripsPerCall.redis, met: roundTripsPerCall.redis <= TARGETS.redisRoundTrips },
      postgresRoundTrips: { target: `PostgreSQL round trips per hook call <= ${TARGETS.postgresRoundTrips}`, value: roundTripsPerCall.postgres, met: roundTripsPerCall.postgres <= TARGETS.postgresRoundTrips },
    },
  };
}

function table(r: ScaleOutReport): string {
  const s = r.settings;
  const n = (v: number, d = 1): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');
  const x = (a: number, b: number): string => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '-');
  const rows: string[] = [];
  const row = (label: string, e: string, so: string, ratio: string): void => {
    rows.push(`  ${label.padEnd(52)}${e.padStart(11)}${so.padStart(16)}${ratio.padStart(9)}`);
  };
  const { embedded: e, scaleOut: o } = r;
  rows.push(`byot-gateway scale-out benchmark: node ${r.node}, ${r.cpus} CPUs, loopback, load average ${r.loadAtStart} at the start`);
  rows.push('');
  row('', 'SQLite+mem', 'PostgreSQL+Redis', 'ratio');
  row(`sequential (${s.sequential} calls): p50 / p99 (ms)`, `${n(e.sequential.p50, 1)} / ${n(e.sequential.p99, 1)}`, `${n(o.sequential.p50, 1)} / ${n(o.sequential.p99, 1)}`, x(o.sequential.p50, e.sequential.p50));
  row(`open loop ${s.rate} req/s, ${s.rateConnections} conns: p50 / p99 / max`, `${n(e.open.p50, 0)} / ${n(e.open.p99, 0)} / ${n(e.open.max, 0)}`, `${n(o.open.p50, 0)} / ${n(o.open.p99, 0)} / ${n(o.open.max, 0)}`, x(o.open.p99, e.open.p99));
  row(`bursts of ${s.burstSize}, ${s.bursts} bursts: p99 (ms)`, n(e.bursts.p99, 0), n(o.bursts.p99, 0), x(o.bursts.p99, e.bursts.p99));
  row(`closed loop, ${s.connections} connections: requests/s`, n(e.closed.rps, 0), n(o.closed.rps, 0), x(o.closed.rps, e.closed.rps));
  row('closed loop: gateway CPU per request (ms)', n(e.closed.gatewayCpuMsPerRequest, 3), n(o.closed.gatewayCpuMsPerRequest, 3), x(o.closed.gatewayCpuMsPerRequest, e.closed.gatewayCpuMsPerRequest));
  row('round trips per hook call: Redis / PostgreSQL', '0 / 0', `${n(r.roundTripsPerCall.redis, 2)} / ${n(r.roundTripsPerCall.postgres, 2)}`, '');
  const errors = (f: PathFigures): number => f.sequential.errors + f.open.errors + f.bursts.errors + f.closed.errors;
  row('errors (not SUCCESSFUL)', String(errors(e)), String(errors(o)), '');
  rows.push('');
  rows.push('targets (issue 18)');
  for (const t of Object.values(r.targets)) rows.push(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.value}`);
  if (r.loadAtStart > r.cpus) rows.push(`  note: the machine's load average was ${r.loadAtStart} on ${r.cpus} CPUs at the start: figures are disturbed`);
  for (const [name, f] of [['embedded', e], ['PostgreSQL+Redis', o]] as const) if (f.errorSample) rows.push(`  note: ${name} error sample: ${f.errorSample}`);
  return rows.join('\n');
}

/** Runs the comparison and prints it; resolves to the exit status. */
export async function scaleOut(args: string[]): Promise<number> {
  const o = scaleOutOptions(args);
  const dir = mkdtempSync(join(tmpdir(), 'byot-bench-scale-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaning ??= (async () => {
    await stopAll();
    for (const c of cleanups) await c().catch((err: unknown) => progress(`clean-up: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
  })());
  stopOnExit(dir, cleanup, progress);
  try {
    const report = await run(o, dir, cleanups);
    await cleanup();
    process.stdout.write(`${table(report)}\n${JSON.stringify(report)}\n`);
    return o.check && Object.values(report.targets).some((t) => !t.met) ? 1 : 0;
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    await cleanup();
    return 1;
  }
}
