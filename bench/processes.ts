// Child processes of the benchmark: every one is tracked and killed when the run ends, however it ends.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { get } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set<Child>();

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The last few KB of stderr, for a failure message. */
  stderrTail(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export function startChild(name: string, args: string[], options: SpawnOptions = {}): Child {
  // stdin stays a pipe: the bench's own children exit when it closes, i.e. when this process dies.
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  let tail = '';
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    tail = (tail + s).slice(-4_096);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { name, proc, pid: proc.pid, stderrTail: () => tail, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

function alive(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (!alive(child)) return;
  child.proc.kill('SIGTERM');
  const timer = sleep(graceMs).then(() => 'late' as const);
  if ((await Promise.race([child.exited.then(() => 'done' as const), timer])) === 'late' && alive(child)) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

/** Last resort, from an 'exit' handler: synchronous, so only signals. */
export function killAllNow(): void {
  for (const c of children) if (alive(c)) c.proc.kill('SIGKILL');
}

/** The {"port":N} line a bench child prints once it listens. */
export function portOf(child: Child, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`${child.name} did not report its port within ${timeoutMs} ms`)), timeoutMs);
    const onData = (s: string): void => {
      buffered += s;
      const line = buffered.split('\n')[0];
      if (line === undefined || !buffered.includes('\n')) return;
      cleanup();
      let port: unknown;
      try {
        port = (JSON.parse(line) as { port?: unknown }).port;
      } catch {
        port = undefined;
      }
      if (typeof port === 'number' && port > 0) resolve(port);
      else reject(new Error(`${child.name} printed ${line} instead of {"port":N}`));
    };
    const onExit = (): void => fail(new Error(`${child.name} exited before listening: ${child.stderrTail()}`));
    const fail = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.proc.stdout?.off('data', onData);
      child.proc.off('exit', onExit);
      // Nothing more is read: let anything else it prints drain without the bench reading it line by line.
      child.proc.stdout?.resume();
    };
    child.proc.stdout?.setEncoding('utf8').on('data', onData);
    child.proc.once('exit', onExit);
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Polls `url` every few ms until it answers 200; fails when the child exits first or after `timeoutMs`. */
export async function waitHealthy(child: Child, url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!alive(child)) throw new Error(`${child.name} exited (code ${child.proc.exitCode ?? child.proc.signalCode}) before ${url} answered:\n${child.stderrTail()}`);
    if (await healthy(url)) return;
    await sleep(5);
  }
  throw new Error(`${child.name}: ${url} did not answer within ${timeoutMs} ms\n${child.stderrTail()}`);
}

/** Resident memory of a process, from /proc/<pid>/status: now and the peak so far (VmHWM), in MB. */
export function memoryOf(pid: number): { rssMB: number; peakMB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the highest seen (VmHWM included). */
export function sampleMemory(pid: number, everyMs = 100): { stop(): number } {
  let peak = 0;
  const take = (): void => {
    const m = memoryOf(pid);
    if (m) peak = Math.max(peak, m.rssMB, Number.isNaN(m.peakMB) ? 0 : m.peakMB);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** CPU time a process has used so far (user + system, all threads), in seconds; NaN when unreadable. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks, 100 per second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU time the whole machine has spent busy so far (all cores, every process), in seconds; NaN when unreadable. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu  user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
  } catch {
    return NaN;
  }
}

/** `--name N` read as a number of at least `min`, or an error naming the option. */
export function numberOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} expects a number ≥ ${min}, got ${value}`);
  return n;
}

/**
 * However the run ends: on exit every child is killed and `dir` removed; on SIGINT, SIGTERM or
 * SIGHUP `cleanup` runs first, then the process exits 130.
 */
export function stopOnExit(dir: string, cleanup: () => Promise<void>, progress: (line: string) => void): void {
  process.on('exit', () => {
    killAllNow();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}
