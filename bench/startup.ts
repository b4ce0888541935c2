// `npm run bench:startup`: how long the `byot` commands take to start, beside a bare `node -e 0`
// on the same machine in the same run. Each command is run several times and the median kept;
// `byot serve` is timed from spawn to its first answer on /healthz, on the embedded defaults (no
// configuration file: SQLite, in-memory limits, the console provider) in a fresh folder.
//
//   npm run bench:startup [-- --runs 9]
//
// Targets: `byot --help` and `byot check-config` within 2× the bare start, `byot serve` ready within 400 ms.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllNow, machineBusySeconds, startChild, stopChild, waitHealthy } from './processes.js';
import { freePort } from '../test/support/processes.js';

const TARGETS = { helpRatio: 2, checkConfigRatio: 2, serveReadyMs: 400 };

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'byot.js');

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall time of one run of a command that exits by itself. */
function timeCommand(args: string[], cwd: string): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

async function timeServe(dir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = startChild('gateway', [bin, 'serve'], { cwd: dir, env: { ...process.env, PORT: String(port), NODE_ENV: 'production' }, stdio: ['pipe', 'ignore', 'pipe'] });
  await waitHealthy(child, `http://127.0.0.1:${port}/healthz`);
  const ms = performance.now() - started;
  await stopChild(child);
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
  const runs = Math.max(3, Number(values.runs));
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/src is missing: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'byot-startup-'));
  try {
    const configFile = join(dir, 'byot.yaml');
    writeFileSync(configFile, [
      'auth: { type: header, secrets: ["startup-bench-secret-0123456789"] }',
      'providers:',
      '  console: { kind: console }',
      '  twilio: { kind: twilio, accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "0123456789abcdef0123456789abcdef", from: "+14155550100" }',
      '',
    ].join('\n'));
    const busyBefore = machineBusySeconds();
    const wallBefore = performance.now();
    const samples = { bare: [] as number[], help: [] as number[], checkConfig: [] as number[], serve: [] as number[] };
    // Interleaved, so a change in the machine's load touches every command alike.
    for (let i = 0; i < runs; i++) {
      samples.bare.push(timeCommand(['-e', '0'], dir));
      samples.help.push(timeCommand([bin, '--help'], dir));
      samples.checkConfig.push(timeCommand([bin, 'check-config', configFile], dir));
      if (i < Math.min(runs, 5)) samples.serve.push(await timeServe(dir));
    }
    const busyShare = (machineBusySeconds() - busyBefore) / ((performance.now() - wallBefore) / 1_000);
    const bare = median(samples.bare);
    const help = median(samples.help);
    const checkConfig = median(samples.checkConfig);
    const serve = median(samples.serve);
    const rows: [string, number, string, boolean][] = [
      ['node -e 0 (baseline)', bare, '', true],
      ['byot --help', help, `≤ ${TARGETS.helpRatio}× baseline`, help <= TARGETS.helpRatio * bare],
      ['byot check-config', checkConfig, `≤ ${TARGETS.checkConfigRatio}× baseline`, checkConfig <= TARGETS.checkConfigRatio * bare],
      ['byot serve → /healthz', serve, `≤ ${TARGETS.serveReadyMs} ms`, serve <= TARGETS.serveReadyMs],
    ];
    const out = process.stdout;
    out.write(`start-up, median of ${runs} runs (serve: ${samples.serve.length}); the machine was ${busyShare.toFixed(2)} of its cores busy (these runs included)\n`);
    out.write(`${'command'.padEnd(24)}${'ms'.padStart(8)}${'× bare'.padStart(9)}  target\n`);
    for (const [name, ms, target, met] of rows) {
      out.write(`${name.padEnd(24)}${ms.toFixed(0).padStart(8)}${(ms / bare).toFixed(2).padStart(9)}  ${target}${target ? (met ? '  met' : '  MISSED') : ''}\n`);
    }
    out.write(`${JSON.stringify({
      bench: 'startup', runs, bareMs: Math.round(bare), helpMs: Math.round(help), checkConfigMs: Math.round(checkConfig), serveReadyMs: Math.round(serve),
      helpRatio: Number((help / bare).toFixed(2)), checkConfigRatio: Number((checkConfig / bare).toFixed(2)), machineCoresBusy: Number(busyShare.toFixed(2)),
    })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  killAllNow();
  process.stderr.write(`bench:startup: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
