// `npm run bench`: the hook's own cost, side by side with the least a correct hook can do.
//
// On loopback only: a mock provider (bench/mock-provider.ts: /fast answers at once, /slow after
// 50 ms), the production gateway (`node bin/byot.js serve --config <tmp yaml>`, its own process,
// header auth, routing rules, the guard (GUARD_YAML in bench/gateway-config.ts), SQLite log in a temp dir, the `http`
// provider kind pointing at the mock) and the baseline (bench/baseline.ts: node:http + one undici
// request). Both are driven by
// autocannon with unique eventIds and phone numbers:
//   1. closed loop, instant provider: N connections for S seconds after a warm-up (throughput);
//   2. open loop, 50 ms provider: a fixed arrival rate (latency percentiles);
// plus the gateway's start-up to ready (spawn → /healthz), both servers' peak RSS, and the CPU each
// process (server, mock, load generator, everything else on the machine) used during each run.
// Prints a table with the targets, then one JSON line. Progress goes to stderr. Everything written
// lives in a temp dir, removed at the end; every child is killed on exit, failure or signal.
//
//   node dist/bench/run.js [--seconds 10] [--warmup 2] [--connections 50] [--rate 500] [--phases 50]
//                          [--slow-ms 50] [--cpu-prof DIR] [--adaptive] [--check]
//
// --cpu-prof DIR runs the benchmarked gateway with `node --cpu-prof` and writes its profile to DIR
// (summarise it with `node dist/bench/profile-summary.js DIR/*.cpuprofile`).
// --adaptive runs the gateway with `routing.adaptive: true` (its figures refreshed from the run's log).
// --check exits with status 1 when a target is missed.
// --backend postgres+redis runs the scale-out comparison instead (bench/scale-out.ts, its own options).
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closedLoop, openLoop, type RunFigures, type Target } from './load.js';
import { oktaTraffic } from './okta-traffic.js';
import { GUARD_YAML, HOOK_HEADER, benchSecrets, gatewayConfig } from './gateway-config.js';
import { cpuSecondsOf, machineBusySeconds, memoryOf, numberOption, portOf, sampleMemory, startChild, stopAll, stopChild, stopOnExit, waitHealthy, type Child } from './processes.js';
import { freePort } from '../test/support/processes.js';

const TARGETS = {
  throughputRatio: 0.6,
  p99MarginMs: 5,
  peakRssMB: 200,
  startupMs: 1_000,
};

interface Options {
  seconds: number;
  warmup: number;
  connections: number;
  rate: number;
  phases: number;
  slowMs: number;
  cpuProf?: string;
  adaptive: boolean;
  check: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
      rate: { type: 'string', default: '500' },
      phases: { type: 'string', default: '50' },
      'slow-ms': { type: 'string', default: '50' },
      'cpu-prof': { type: 'string' },
      adaptive: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
    },
  });
  return {
    seconds: numberOption('seconds', values.seconds, 1),
    warmup: numberOption('warmup', values.warmup, 0),
    connections: numberOption('connections', values.connections, 1),
    rate: numberOption('rate', values.rate, 1),
    phases: numberOption('phases', values.phases, 1),
    slowMs: numberOption('slow-ms', values['slow-ms'], 0),
    ...(values['cpu-prof'] === undefined ? {} : { cpuProf: resolve(values['cpu-prof']) }),
    adaptive: values.adaptive,
    check: values.check,
  };
}

function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Where the CPU went during a measured window: cores busy on average, and the server's CPU per answer. */
interface CpuFigures {
  serverCores: number;
  serverMsPerRequest: number;
  mockCores: number;
  loadGeneratorCores: number;
  /** Everything else on the machine: above ~0.2 the figures are disturbed by other work. */
  otherCores: number;
}

type Figures = RunFigures & { cpu: CpuFigures };

interface Side {
  closed: Figures;
  open: Figures;
  peakRssMB: number;
}

/** Measures the CPU of the server, the mock and this process (autocannon) over a window. */
function cpuMeter(serverPid: number, mockPid: number): { window: { start(): void; stop(): void }; figures(requests: number): CpuFigures } {
  let at = { wall: 0, server: 0, mock: 0, machine: 0, self: process.cpuUsage() };
  let used = { wall: NaN, server: NaN, mock: NaN, machine: NaN, self: NaN };
  return {
    window: {
      start() {
        at = { wall: performance.now(), server: cpuSecondsOf(serverPid), mock: cpuSecondsOf(mockPid), machine: machineBusySeconds(), self: process.cpuUsage() };
      },
      stop() {
        const self = process.cpuUsage(at.self);
        used = {
          wall: (performance.now() - at.wall) / 1_000,
          server: cpuSecondsOf(serverPid) - at.server,
          mock: cpuSecondsOf(mockPid) - at.mock,
          machine: machineBusySeconds() - at.machine,
          self: (self.user + self.system) / 1e6,
        };
      },
    },
    figures(requests) {
      return {
        serverCores: round(used.server / used.wall),
        serverMsPerRequest: round((used.server * 1_000) / requests, 3),
        mockCores: round(used.mock / used.wall),
        loadGeneratorCores: round(used.self / used.wall),
        otherCores: round(Math.max(0, used.machine - used.server - used.mock - used.self) / used.wall),
      };
    },
  };
}

interface Report {
  bench: 'byot-gateway';
  node: string;
  cpus: number;
  settings: Omit<Options, 'check' | 'cpuProf' | 'adaptive'>;
  adaptive: boolean;
  /** The guard section the gateway ran with (GUARD_YAML). */
  guard: string;
  /** The gateway ran under `node --cpu-prof`: its figures include the profiler's overhead. */
  profiled: boolean;
  startup: { gatewayMs: number; gatewaySamplesMs: number[]; baselineMs: number; gatewayRssAtReadyMB: number };
  baseline: Side;
  gateway: Side;
  ratios: { closedRps: number; closedP50: number; closedP99: number; openP50: number; openP99: number; peakRss: number };
  targets: Record<string, { target: string; value: number; met: boolean }>;
}

const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

function roundFigures(f: Figures): Figures {
  const l = f.latencyMs;
  return {
    ...f,
    rps: round(f.rps, 1),
    latencyMs: { p50: round(l.p50), p90: round(l.p90), p99: round(l.p99), max: round(l.max), mean: round(l.mean) },
  };
}

async function main(o: Options, dir: string): Promise<Report> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const benchDir = fileURLToPath(new URL('.', import.meta.url));
  const bin = join(root, 'bin', 'byot.js');
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/src is missing: run `npm run build` first');

  const { env, headers } = benchSecrets();

  const mock = startChild('mock provider', [join(benchDir, 'mock-provider.js'), '--slow-ms', String(o.slowMs)]);
  const mockUrl = `http://127.0.0.1:${await portOf(mock)}`;

  const t0 = performance.now();
  const baselineChild = startChild('baseline', [join(benchDir, 'baseline.js'), '--fast', `${mockUrl}/fast/sms`, '--slow', `${mockUrl}/slow/sms`, '--header', HOOK_HEADER], { env });
  const baselinePort = await portOf(baselineChild);
  await waitHealthy(baselineChild, `http://127.0.0.1:${baselinePort}/healthz`);
  const baselineMs = performance.now() - t0;

  const gatewayPort = await freePort();
  const configFile = join(dir, 'byot.yaml');
  writeFileSync(configFile, gatewayConfig({ port: gatewayPort, mockUrl, dir, adaptive: o.adaptive }));

  if (o.cpuProf !== undefined) mkdirSync(o.cpuProf, { recursive: true });
  // Start-up, three times: the first creates the SQLite log; the last one stays up for the load.
  const samples: number[] = [];
  let gateway: Child | undefined;
  for (let i = 0; i < 3; i++) {
    const profile = i === 2 && o.cpuProf !== undefined ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : [];
    const started = performance.now();
    const child = startChild('gateway', [...profile, bin, 'serve', '--config', configFile], { env, cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    await waitHealthy(child, `http://127.0.0.1:${gatewayPort}/healthz`);
    samples.push(performance.now() - started);
    if (i < 2) await stopChild(child);
    else gateway = child;
  }
  if (!gateway) throw new Error('gateway not started');
  const gatewayRssAtReadyMB = memoryOf(gateway.pid)?.rssMB ?? NaN;
  progress(`gateway ready in ${samples.map((s) => s.toFixed(0)).join(', ')} ms; baseline in ${baselineMs.toFixed(0)} ms`);

  const servers: [name: 'baseline' | 'gateway', child: Child, target: Target][] = [
    ['baseline', baselineChild, { url: `http://127.0.0.1:${baselinePort}/okta/telephony`, headers }],
    ['gateway', gateway, { url: `http://127.0.0.1:${gatewayPort}/okta/telephony`, headers }],
  ];
  const us = oktaTraffic('US');
  const gb = oktaTraffic('GB');
  const peaks = { baseline: 0, gateway: 0 };
  const closed: Partial<Record<'baseline' | 'gateway', Figures>> = {};
  const open: Partial<Record<'baseline' | 'gateway', Figures>> = {};

  for (const [name, child, target] of servers) {
    progress(`closed loop, instant provider: ${name}, ${o.connections} connections, ${o.warmup} s warm-up + ${o.seconds} s`);
    const mem = sampleMemory(child.pid);
    const cpu = cpuMeter(child.pid, mock.pid);
    const figures = await closedLoop(target, us, { connections: o.connections, seconds: o.seconds, warmupSeconds: o.warmup, window: cpu.window });
    closed[name] = { ...figures, cpu: cpu.figures(figures.requests) };
    peaks[name] = Math.max(peaks[name], mem.stop());
  }
  for (const [name, child, target] of servers) {
    progress(`open loop, ${o.slowMs} ms provider: ${name}, ${o.rate} req/s in ${o.phases} phases, ${o.warmup} s warm-up + ${o.seconds} s`);
    const mem = sampleMemory(child.pid);
    const cpu = cpuMeter(child.pid, mock.pid);
    const figures = await openLoop(target, gb, { rate: o.rate, seconds: o.seconds, warmupSeconds: o.warmup, phases: o.phases, window: cpu.window });
    open[name] = { ...figures, cpu: cpu.figures(figures.requests) };
    peaks[name] = Math.max(peaks[name], mem.stop());
  }
  for (const [name, child] of servers) peaks[name] = Math.max(peaks[name], memoryOf(child.pid)?.peakMB ?? 0);

  if (o.cpuProf !== undefined) {
    await stopChild(gateway, 15_000); // the profile is written when the process exits normally
    progress(`gateway CPU profile written to ${o.cpuProf}`);
  }

  const side = (name: 'baseline' | 'gateway'): Side => ({ closed: roundFigures(closed[name]!), open: roundFigures(open[name]!), peakRssMB: round(peaks[name], 1) });
  const b = side('baseline');
  const g = side('gateway');
  const startupMedian = round(samples.slice().sort((x, y) => x - y)[1]!, 0);
  const throughputRatio = g.closed.rps / b.closed.rps;
  return {
    bench: 'byot-gateway',
    node: process.version,
    cpus: cpus().length,
    settings: { seconds: o.seconds, warmup: o.warmup, connections: o.connections, rate: o.rate, phases: o.phases, slowMs: o.slowMs },
    guard: GUARD_YAML.replace(/\s+/g, ' ').trim(),
    profiled: o.cpuProf !== undefined,
    adaptive: o.adaptive,
    startup: {
      gatewayMs: startupMedian,
      gatewaySamplesMs: samples.map((s) => round(s, 0)),
      baselineMs: round(baselineMs, 0),
      gatewayRssAtReadyMB: round(gatewayRssAtReadyMB, 1),
    },
    baseline: b,
    gateway: g,
    ratios: {
      closedRps: round(throughputRatio, 3),
      closedP50: round(g.closed.latencyMs.p50 / b.closed.latencyMs.p50, 3),
      closedP99: round(g.closed.latencyMs.p99 / b.closed.latencyMs.p99, 3),
      openP50: round(g.open.latencyMs.p50 / b.open.latencyMs.p50, 3),
      openP99: round(g.open.latencyMs.p99 / b.open.latencyMs.p99, 3),
      peakRss: round(g.peakRssMB / b.peakRssMB, 3),
    },
    targets: {
      throughputRatio: { target: `gateway/baseline req/s >= ${TARGETS.throughputRatio}`, value: round(throughputRatio, 3), met: throughputRatio >= TARGETS.throughputRatio },
      openP99: {
        target: `gateway p99 <= baseline p99 + ${TARGETS.p99MarginMs} ms (${o.rate} req/s, ${o.slowMs} ms provider)`,
        value: round(g.open.latencyMs.p99 - b.open.latencyMs.p99),
        met: g.open.latencyMs.p99 <= b.open.latencyMs.p99 + TARGETS.p99MarginMs,
      },
      peakRss: { target: `gateway peak RSS < ${TARGETS.peakRssMB} MB`, value: g.peakRssMB, met: g.peakRssMB < TARGETS.peakRssMB },
      startup: { target: `gateway start-up to ready < ${TARGETS.startupMs} ms (median of 3)`, value: startupMedian, met: startupMedian < TARGETS.startupMs },
    },
  };
}

function table(r: Report): string {
  const s = r.settings;
  const n = (v: number, d = 1): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');
  const ratio = (g: number, b: number): string => (b > 0 && Number.isFinite(g / b) ? `${(g / b).toFixed(2)}×` : '-');
  const rows: string[] = [];
  const row = (label: string, b: string, g: string, x: string, target = ''): void => {
    rows.push(`  ${label.padEnd(26)}${b.padStart(11)}${g.padStart(11)}${x.padStart(10)}   ${target}`);
  };
  const section = (title: string, key: 'closed' | 'open', targets: { rps?: string; p99?: string }): void => {
    const b = r.baseline[key];
    const g = r.gateway[key];
    rows.push(title);
    row('requests/s', n(b.rps), n(g.rps), ratio(g.rps, b.rps), targets.rps);
    for (const p of ['p50', 'p90', 'p99', 'max'] as const) row(`latency ${p} (ms)`, n(b.latencyMs[p], 2), n(g.latencyMs[p], 2), ratio(g.latencyMs[p], b.latencyMs[p]), p === 'p99' ? targets.p99 : '');
    row('errors', String(b.errors.total), String(g.errors.total), '');
    row('server CPU ms/request', n(b.cpu.serverMsPerRequest, 3), n(g.cpu.serverMsPerRequest, 3), ratio(g.cpu.serverMsPerRequest, b.cpu.serverMsPerRequest));
    for (const [label, key] of [['server', 'serverCores'], ['mock provider', 'mockCores'], ['load generator', 'loadGeneratorCores'], ['other processes', 'otherCores']] as const) {
      row(`CPU cores: ${label}`, n(b.cpu[key], 2), n(g.cpu[key], 2), '');
    }
  };
  rows.push(`byot-gateway benchmark: node ${r.node}, ${r.cpus} CPUs, loopback, guard on with country/global limits raised${r.adaptive ? ', routing.adaptive on' : ''}${r.profiled ? ', gateway under --cpu-prof' : ''}`);
  rows.push('');
  row('', 'baseline', 'gateway', 'gw/base', 'target');
  section(`closed loop: instant provider, ${s.connections} connections, ${s.seconds} s`, 'closed', { rps: `gateway ≥ ${TARGETS.throughputRatio * 100}% of baseline` });
  section(`open loop: ${s.rate} req/s, ${s.slowMs} ms provider, ${s.seconds} s`, 'open', { p99: `gateway ≤ baseline + ${TARGETS.p99MarginMs} ms` });
  rows.push('process');
  row('peak RSS (MB)', n(r.baseline.peakRssMB), n(r.gateway.peakRssMB), ratio(r.gateway.peakRssMB, r.baseline.peakRssMB), `gateway < ${TARGETS.peakRssMB} MB`);
  row('start-up to ready (ms)', n(r.startup.baselineMs, 0), n(r.startup.gatewayMs, 0), '', `gateway < ${TARGETS.startupMs} ms (runs: ${r.startup.gatewaySamplesMs.join(', ')})`);
  rows.push('');
  rows.push('targets');
  for (const t of Object.values(r.targets)) rows.push(`  ${t.met ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.value}`);
  for (const [name, f] of [['baseline', r.baseline.open], ['gateway', r.gateway.open]] as const) {
    if (f.rps < s.rate * 0.95) rows.push(`  note: the open loop reached only ${n(f.rps)} req/s against the ${name} (asked ${s.rate})`);
  }
  const busiest = Math.max(...[r.baseline, r.gateway].flatMap((side) => [side.closed.cpu.otherCores, side.open.cpu.otherCores]));
  if (busiest > 0.2) rows.push(`  note: other processes used up to ${n(busiest, 2)} of ${r.cpus} cores during the runs: figures are disturbed`);
  for (const [name, side] of [['baseline', r.baseline], ['gateway', r.gateway]] as const) {
    for (const f of [side.closed, side.open]) {
      if (f.errors.sample) rows.push(`  note: ${name} error sample: ${f.errors.sample}`);
    }
  }
  return rows.join('\n');
}

if (process.argv.includes('--backend')) {
  // The scale-out comparison (PostgreSQL + Redis beside SQLite + in-memory limits): bench/scale-out.ts.
  const { scaleOut } = await import('./scale-out.js');
  process.exitCode = await scaleOut(process.argv.slice(2));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'byot-bench-'));
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaning ??= stopAll().finally(() => rmSync(dir, { recursive: true, force: true })));
  stopOnExit(dir, cleanup, progress);

  try {
    const o = options();
    const report = await main(o, dir);
    await cleanup();
    process.stdout.write(`${table(report)}\n${JSON.stringify(report)}\n`);
    process.exitCode = o.check && Object.values(report.targets).some((t) => !t.met) ? 1 : 0;
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    await cleanup();
    process.exitCode = 1;
  }
}
