// Child processes of the tests, started one way: node (or a server) with the given arguments, its output collected
// as it comes (whole, or line by line), and every one killed when the test process exits with it still
// running (--test-force-exit can end a run before its `after` hooks finish). The `byot` command
// (cli.ts), the scale tests' gateways and the store's and guard's multi-process tests all use it;
// bench/ takes freePort from here too.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();

/** Kills `child` if this process exits first (startProcess does this for its own). */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}
process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); });

/** SIGKILLs every tracked child still running and waits (up to `graceMs`) for them to be gone. */
export async function killAll(graceMs = 3_000): Promise<void> {
  const exits = [...running].map((c) => new Promise<void>((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r();
    c.once('exit', () => r());
    c.kill('SIGKILL');
  }));
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, graceMs).unref())]);
}

export interface NodeProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout has a line matching `re`; fails when the process exits first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** The next line of stdout not taken yet; fails when the process has exited without one. */
  nextLine(): Promise<string>;
  /** The exit code once the process and its output are closed (null after a signal). */
  closed: Promise<number | null>;
  /** Sends `signal` (SIGTERM unless told) unless it has exited, then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface NodeOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed; without it stdin stays open for the test to write. */
  input?: string;
}

/** Starts `node <args>`. */
export function startNode(args: string[], opts: NodeOptions = {}): NodeProcess {
  return startProcess(process.execPath, args, opts);
}

/** Starts `command <args>` (node, or a server the test needs, such as redis-server). */
export function startProcess(command: string, args: string[], opts: NodeOptions = {}): NodeProcess {
  const name = command === process.execPath ? `node ${args.join(' ')}` : command;
  const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  track(child);
  let out = '';
  let err = '';
  /** Where the next line nextLine() takes starts in `out`. */
  let taken = 0;
  const waiting = new Set<() => void>();
  const wake = (): void => { for (const w of [...waiting]) w(); };
  let exitCode: number | null | undefined;
  let failure: Error | undefined;
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    wake();
  });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => {
      failure = e;
      reject(e);
      wake();
    });
    child.once('close', (code) => {
      exitCode = code;
      resolve(code);
      wake();
    });
  });
  closed.catch(() => {}); // a spawn failure is for whoever awaits `closed`, not an unhandled rejection
  if (opts.input !== undefined) child.stdin.end(opts.input);

  /** Resolves with `ready()`'s value once it has one; re-checked on every output and on exit. */
  const until = <T>(ready: () => T | undefined, gone: () => Error, timeoutMs: number, late: () => Error): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(late())), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        waiting.delete(check);
        settle();
      };
      const check = (): void => {
        const value = ready();
        if (value !== undefined) finish(() => resolve(value));
        else if (failure) finish(() => reject(new Error(`${name} did not start: ${failure!.message}`)));
        else if (exitCode !== undefined) finish(() => reject(gone()));
      };
      waiting.add(check);
      check();
    });

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    closed,
    async waitFor(re, timeoutMs = 10_000) {
      await until(() => (re.test(out) ? true : undefined), () => new Error(`${name} exited (${exitCode}): ${err}`),
        timeoutMs, () => new Error(`timed out waiting for ${re}: ${out}\n${err}`));
    },
    nextLine() {
      const take = (): string | undefined => {
        const end = out.indexOf('\n', taken);
        if (end < 0) return undefined;
        const line = out.slice(taken, end);
        taken = end + 1;
        return line;
      };
      return until(take, () => new Error(`${name} exited (${exitCode}) with no more lines: ${err}`),
        60_000, () => new Error(`no line from ${name} within 60 s: ${err}`));
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return closed;
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` to its end, with `input` (or nothing) on stdin. */
export async function runNode(args: string[], opts: NodeOptions = {}): Promise<RunResult> {
  const p = startNode(args, { ...opts, input: opts.input ?? '' });
  const code = await p.closed;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
