// Builds the admin page's front end (src/admin/ui/app.js and everything it imports, uPlot and its
// CSS included) into dist/admin-ui/app.js and app.css with esbuild. The gateway serves those two
// files from memory; nothing is fetched from outside at run time.
//
//   node src/admin/ui/build.mjs            type-check the front end, then bundle into dist/admin-ui/
//   node src/admin/ui/build.mjs --no-check bundle only
//
// The gateway also imports `buildAdminUi` to bundle in memory when dist/admin-ui is missing or
// older than these sources (development and tests; esbuild is a devDependency).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..', '..');
export const OUTDIR = join(ROOT, 'dist', 'admin-ui');

/**
 * Bundles the front end. Resolves to the output files (`app.js`, `app.css`); writes them to
 * `outdir` unless `write` is false.
 * @param {{ write?: boolean, minify?: boolean, outdir?: string }} [options]
 * @returns {Promise<{ name: string, contents: Uint8Array }[]>}
 */
export async function buildAdminUi({ write = true, minify = true, outdir = OUTDIR } = {}) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(here, 'app.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16', 'edge110'],
    minify,
    sourcemap: false,
    legalComments: 'none',
    outdir,
    entryNames: '[name]',
    write: false,
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((f) => ({ name: relative(outdir, f.path), contents: f.contents }));
  if (write) {
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    for (const f of files) writeFileSync(join(outdir, f.name), f.contents);
  }
  return files;
}

/** Type-checks the front end (JSDoc-typed JavaScript) with its own tsconfig: DOM, no Node. */
function typeCheck() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write('build-admin: typescript is not installed; skipping the front-end type check\n');
    return true;
  }
  const r = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
  return r.status === 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  if (!process.argv.includes('--no-check') && !typeCheck()) {
    process.stderr.write('build-admin: the admin front end has type errors\n');
    process.exit(1);
  }
  try {
    const files = await buildAdminUi();
    const sizes = files.map((f) => `${f.name} ${(f.contents.length / 1024).toFixed(1)} KiB`).join(', ');
    process.stdout.write(`build-admin: ${relative(ROOT, OUTDIR)}/ ${sizes} (${Math.round(performance.now() - started)} ms)\n`);
  } catch (err) {
    process.stderr.write(`build-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
