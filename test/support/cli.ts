// Runs the `byot` command as a subprocess, the way an operator does.
import { resolve } from 'node:path';
import { runNode, startNode, type NodeProcess, type RunResult } from './processes.js';

/** bin/byot.js of this checkout (tests run from the repository root). */
export const BYOT = resolve(process.cwd(), 'bin/byot.js');

export type CliResult = RunResult;

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return runNode([BYOT, ...args], opts);
}

/** A long-running `byot serve`, with its output collected as it comes; stop() sends SIGTERM. */
export type Server = NodeProcess;

export function startServe(args: string[], opts: { cwd: string; env?: Record<string, string> }): Server {
  return startNode([BYOT, 'serve', ...args], opts);
}
