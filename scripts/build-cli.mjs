// Bundles the `byot` command (src/cli/main.ts and everything it imports) into dist/cli/ with esbuild,
// so that bin/byot.js loads a handful of files instead of some four hundred modules: on Node.js 20,
// which has no module compile cache, resolving and compiling each ESM module one by one was most of
// `byot check-config`'s and `byot serve`'s start-up (bench/startup.ts measures it).
//
//   node scripts/build-cli.mjs
//
// Code splitting keeps each command's lazy imports lazy: `byot --help` loads no schema, `check-config`
// loads no HTTP server. The tests import the modules tsc writes to dist/src/; the tests that run
// bin/byot.js (test/support/cli.ts, test/scale/support.ts) run this bundle.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUTDIR = join(ROOT, 'dist', 'cli');

// Left to Node's own loader at run time:
// - better-sqlite3: a native addon; pg-native: pg's optional native driver, not installed;
// - ioredis and pino: they read files beside their own sources (__dirname: ioredis its package.json
//   and error stacks, pino its worker for transports), which a bundle would move;
// - pino-pretty and libphonenumber-js: loaded on first use through createRequire (src/telemetry/log.ts,
//   src/core/phone.ts), which a bundler does not follow;
// - the AWS SDK clients: large, and imported only when an AWS provider is configured;
// - what Fastify requires only when asked: its schema compilers (src/http/app.ts gives its own) and
//   light-my-request (inject(), for tests).
const EXTERNAL = [
  'better-sqlite3', 'pg-native', 'ioredis', 'pino', 'pino-pretty', '@aws-sdk/*',
  '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request',
];

// yaml publishes the same parser twice: CommonJS for Node (its package.json's "node" condition) and ES
// modules for everything else. The ES build bundles without CommonJS wrappers and with what
// src/config/file.ts does not use left out (198 KB instead of 263 KB), which takes about a twentieth
// off what `byot check-config` adds to a bare node start. It differs only in how a YAML warning is
// printed (console.warn instead of process.emitWarning).
const yamlAsEsModules = {
  name: 'yaml-as-es-modules',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: join(ROOT, 'node_modules', 'yaml', 'browser', 'dist', 'index.js') }));
  },
};

const started = performance.now();
rmSync(OUTDIR, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  // The SQLite writer threads are started by file name (src/store/sqlite-writes.ts: new URL('./sqlite-writer.js',
  // import.meta.url)), so they are entry points of their own, written beside the chunks that start them.
  entryPoints: ['src/cli/main.ts', 'src/store/sqlite-writer.ts', 'src/store/sqlite-checkpointer.ts'],
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __byotCreateRequire } from 'node:module'; const require = __byotCreateRequire(import.meta.url);" },
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'linked',
  outdir: OUTDIR,
  logLevel: 'warning',
  plugins: [yamlAsEsModules],
});
process.stdout.write(`build-cli: dist/cli/ (${Math.round(performance.now() - started)} ms)\n`);
