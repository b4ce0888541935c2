// Summarises a V8 CPU profile of the gateway (`npm run bench -- --cpu-prof DIR` writes one):
// where the busy time went, by hot-path step and by function. Idle time is left out, and so is
// every second in which the process was mostly idle (start-up, the baseline's turn), unless
// --from/--to pick the window.
//
//   node dist/bench/profile-summary.js FILE.cpuprofile [--from S] [--to S] [--top 25]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

// First match wins, looking anywhere up the stack: a redaction inside a log call inside a route counts as redaction.
const STEPS: [string, (f: CallFrame) => boolean][] = [
  ['log: redaction (@pinojs/redact)', (f) => f.url.includes('@pinojs/redact')],
  ['log: pino serialise + write', (f) => /node_modules\/pino\//.test(f.url)],
  ['delivery log: SQLite', (f) => f.url.includes('/src/store/')],
  ['phone: libphonenumber', (f) => f.url.includes('libphonenumber-js')],
  ['phone hash: HMAC', (f) => f.functionName === 'phoneHash'],
  ['AbortSignal timeout/any', (f) => f.url.includes('abort_controller') || f.url.includes('domexception')],
  ['provider request: undici', (f) => f.url.includes('/undici/')],
  ['request body JSON parse', (f) => f.url.includes('secure-json-parse')],
  ['Okta contract parse/answer', (f) => f.url.includes('/src/okta/')],
  ['guard: policy + velocity counters', (f) => f.url.includes('/src/guard/') || f.url.includes('rate-limiter-flexible')],
  ['metrics: prom-client', (f) => f.url.includes('prom-client') || /\/src\/telemetry\/metrics\.[jt]s$/.test(f.url)],
  ['routing, delivery, hook', (f) => /\/src\/(routing|delivery|providers)\//.test(f.url) || f.url.includes('/src/pipeline/')],
  ['Fastify + node:http', (f) => /fastify|find-my-way|avvio|_http_|node:net|streams/.test(f.url)],
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '25' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [--from S] [--to S] [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;

// The gateway runs the bundle (dist/cli/), so a frame names a chunk's line. Its source map (beside
// the chunk) gives the file and line it came from, which the steps above and the table below name.
const maps = new Map<string, SourceMap | undefined>();
function original(frame: CallFrame & { columnNumber?: number }): void {
  if (!frame.url.startsWith('file://') || !frame.url.includes('/dist/cli/')) return;
  const file = fileURLToPath(frame.url);
  if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : undefined);
  const entry = maps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber ?? 0);
  if (!entry || !('originalSource' in entry)) return;
  frame.url = pathToFileURL(resolve(dirname(file), entry.originalSource)).href;
  frame.lineNumber = entry.originalLine;
}
for (const n of profile.nodes) original(n.callFrame);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const isIdle = (id: number): boolean => nodes.get(id)!.callFrame.functionName === '(idle)';

// Sample i lasts until sample i+1: timeDeltas[i + 1].
const samples: { id: number; at: number; us: number }[] = [];
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  samples.push({ id: profile.samples[i]!, at: at / 1e6, us: profile.timeDeltas[i + 1] ?? 0 });
}

let inWindow: (s: { at: number }) => boolean;
if (values.from !== undefined || values.to !== undefined) {
  const from = Number(values.from ?? 0);
  const to = Number(values.to ?? Infinity);
  inWindow = (s) => s.at >= from && s.at < to;
} else {
  const busy = new Map<number, { busy: number; all: number }>();
  for (const s of samples) {
    const b = busy.get(Math.floor(s.at)) ?? { busy: 0, all: 0 };
    b.all += s.us;
    if (!isIdle(s.id)) b.busy += s.us;
    busy.set(Math.floor(s.at), b);
  }
  inWindow = (s) => {
    const b = busy.get(Math.floor(s.at))!;
    return b.busy > 0.5 * b.all && s.at > 1; // the first second is start-up
  };
}

const stepTime = new Map<string, number>();
const selfTime = new Map<string, number>();
let total = 0;
let seconds = new Set<number>();
for (const s of samples) {
  if (!inWindow(s) || isIdle(s.id)) continue;
  seconds.add(Math.floor(s.at));
  total += s.us;
  const frames: CallFrame[] = [];
  for (let id: number | undefined = s.id; id !== undefined; id = parent.get(id)) frames.push(nodes.get(id)!.callFrame);
  const leaf = frames[0]!;
  const step = leaf.functionName === '(garbage collector)' ? 'garbage collection'
    : STEPS.find(([, test]) => frames.some(test))?.[0] ?? 'other';
  stepTime.set(step, (stepTime.get(step) ?? 0) + s.us);
  const where = leaf.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '').replace(/^.*\/src\//, 'src/').replace(/^file:\/\//, '');
  const key = `${leaf.functionName || '(anonymous)'}  ${where}${leaf.url ? `:${leaf.lineNumber + 1}` : ''}`;
  selfTime.set(key, (selfTime.get(key) ?? 0) + s.us);
}
seconds = new Set([...seconds].sort((a, b) => a - b));

const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const out: string[] = [];
out.push(`busy time ${(total / 1e6).toFixed(2)} s in seconds ${[...seconds][0]}-${[...seconds].at(-1)} of the profile`);
out.push('', 'by step (anywhere on the stack, first match):');
for (const [k, v] of [...stepTime].sort((a, b) => b[1] - a[1])) out.push(`  ${pct(v)}  ${k}`);
out.push('', `top ${values.top} functions by self time:`);
for (const [k, v] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) out.push(`  ${pct(v)}  ${k}`);
process.stdout.write(`${out.join('\n')}\n`);
