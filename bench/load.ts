// Load generation with autocannon: a closed loop (fixed concurrency, as fast as answers come) and an
// open loop (fixed arrival rate). Latencies are recorded here from every answer, in fractional ms,
// because autocannon's own histogram keeps whole milliseconds and, in rate mode, adds synthetic
// coordinated-omission samples at a 1 ms interval that swamp the real ones.
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Traffic } from './okta-traffic.js';

export interface Target {
  url: string;
  headers: Record<string, string>;
}

export interface RunFigures {
  /** Answers received during the measured window. */
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: {
    total: number;
    /** HTTP status outside 2xx. */
    non2xx: number;
    /** 2xx, but not a SUCCESSFUL command (an error object, FAILED or PENDING). */
    notSuccessful: number;
    /** Connection errors and timeouts. */
    transport: number;
    /** The first unexpected answer, shortened, to tell what went wrong. */
    sample?: string;
  };
}

class Recorder {
  private latencies = new Float64Array(1 << 16);
  private n = 0;
  non2xx = 0;
  notSuccessful = 0;
  sample: string | undefined;

  latency(ms: number): void {
    if (this.n === this.latencies.length) {
      const bigger = new Float64Array(this.latencies.length * 2);
      bigger.set(this.latencies);
      this.latencies = bigger;
    }
    this.latencies[this.n++] = ms;
  }

  answer(status: number, body: string): void {
    if (status < 200 || status >= 300) this.non2xx++;
    // A substring test keeps the load generator cheap; both servers serialise `"status":"SUCCESSFUL"` alike.
    else if (!body.includes('"status":"SUCCESSFUL"')) this.notSuccessful++;
    else return;
    this.sample ??= `HTTP ${status} ${body.slice(0, 300)}`;
  }

  figures(seconds: number, transport: number): RunFigures {
    const sorted = this.latencies.slice(0, this.n).sort();
    const at = (q: number): number => (this.n === 0 ? NaN : sorted[Math.min(this.n - 1, Math.ceil(q * this.n) - 1)]!);
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      requests: this.n,
      seconds,
      rps: this.n / seconds,
      latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: this.n === 0 ? NaN : sum / this.n },
      errors: {
        total: this.non2xx + this.notSuccessful + transport,
        non2xx: this.non2xx,
        notSuccessful: this.notSuccessful,
        transport,
        ...(this.sample === undefined ? {} : { sample: this.sample }),
      },
    };
  }
}

export interface LoopOptions {
  seconds: number;
  warmupSeconds: number;
  /** Told when the measured part (after the warm-up) starts and ends. */
  window?: { start(): void; stop(): void };
}

interface Part {
  connections: number;
  overallRate?: number;
  seconds: number;
}

/** One autocannon instance sending `traffic` to `target`, recording into `rec`; resolves to its transport errors. */
async function cannon(target: Target, traffic: Traffic, rec: Recorder | undefined, part: Part): Promise<number> {
  const instance = autocannon({
    url: target.url,
    connections: part.connections,
    duration: part.seconds,
    timeout: 10,
    ...(part.overallRate === undefined ? {} : { overallRate: part.overallRate, ignoreCoordinatedOmission: true }),
    requests: [{
      method: 'POST',
      headers: { ...target.headers, 'content-type': 'application/json', accept: 'application/json' },
      setupRequest: (req) => ({ ...req, body: traffic.next() }),
      onResponse: rec ? (status, body) => rec.answer(status, body) : undefined,
    }],
  });
  if (rec) instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => rec.latency(ms));
  const result = await instance;
  return result.errors; // autocannon counts timeouts among errors
}

/** Fixed concurrency: `connections` clients, each sending its next request when the answer arrives. */
export async function closedLoop(target: Target, traffic: Traffic, o: LoopOptions & { connections: number }): Promise<RunFigures> {
  if (o.warmupSeconds > 0) await cannon(target, traffic, undefined, { connections: o.connections, seconds: o.warmupSeconds });
  const rec = new Recorder();
  o.window?.start();
  const transport = await cannon(target, traffic, rec, { connections: o.connections, seconds: o.seconds });
  o.window?.stop();
  return rec.figures(o.seconds, transport);
}

/**
 * Fixed arrival rate. autocannon's `overallRate` gives each connection a quota per second, refilled
 * on a 1 s timer started when the connection is made, so one instance fires all its connections
 * together at each second boundary. To approach a steady arrival rate the load is split into
 * `phases` instances started 1000/phases ms apart, each with `rate / phases` requests per second
 * over connections that send one request per second each.
 */
export async function openLoop(target: Target, traffic: Traffic, o: LoopOptions & { rate: number; phases: number }): Promise<RunFigures> {
  const phases = Math.max(1, Math.min(Math.round(o.phases), Math.floor(o.rate)));
  // Spread the rate over the phases; the first `extra` phases send one more per second.
  const base = Math.floor(o.rate / phases);
  const extra = Math.round(o.rate) - base * phases;
  const run = async (rec: Recorder | undefined, seconds: number): Promise<number> => {
    const parts = Array.from({ length: phases }, async (_, i) => {
      const perPhase = base + (i < extra ? 1 : 0);
      await sleep((i * 1_000) / phases);
      return cannon(target, traffic, rec, { connections: perPhase, overallRate: perPhase, seconds });
    });
    return (await Promise.all(parts)).reduce((a, b) => a + b, 0);
  };
  if (o.warmupSeconds > 0) await run(undefined, o.warmupSeconds);
  const rec = new Recorder();
  o.window?.start();
  const transport = await run(rec, o.seconds);
  o.window?.stop();
  return rec.figures(o.seconds, transport);
}

/**
 * autocannon's own rate mode in one instance: `connections` clients sharing `rate` requests per
 * second, each refilled on a 1 s timer, so the arrivals of each second come bunched together.
 */
export async function bunchedRate(target: Target, traffic: Traffic, o: LoopOptions & { rate: number; connections: number }): Promise<RunFigures> {
  const part = { connections: o.connections, overallRate: o.rate };
  if (o.warmupSeconds > 0) await cannon(target, traffic, undefined, { ...part, seconds: o.warmupSeconds });
  const rec = new Recorder();
  o.window?.start();
  const transport = await cannon(target, traffic, rec, { ...part, seconds: o.seconds });
  o.window?.stop();
  return rec.figures(o.seconds, transport);
}
