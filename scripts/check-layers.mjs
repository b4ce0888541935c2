#!/usr/bin/env node
// Fails when a part of src/ imports a part above it, or when the parts import each other in a cycle.
// The layers are read from the table in docs/architecture.md, so the document and the tree cannot
// drift apart: a folder missing from the table, or a row naming no folder, fails too.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** `| 3 | `store/` | … |` rows of the layer table: part name → layer number. */
function layersFromDoc() {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const layers = new Map();
  for (const m of doc.matchAll(/^\|\s*(\d+)\s*\|\s*`([a-z-]+)(\/|\.ts)`\s*\|/gm)) layers.set(m[2], Number(m[1]));
  return layers;
}

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs)$/.test(entry)) out.push(p);
  }
  return out;
}

/** The part a file belongs to: its first folder under src/, or its own name for a file at the top. */
function partOf(file) {
  const [first, ...rest] = relative(src, file).split(sep);
  return rest.length === 0 ? first.replace(/\.(ts|js|mjs)$/, '') : first;
}

// Static, type-only and dynamic imports alike: a type import ties two parts as much as any other.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

const layers = layersFromDoc();
const problems = [];
const edges = new Map();
const parts = new Set(readdirSync(src).map((e) => partOf(join(src, e))));
for (const part of parts) if (!layers.has(part)) problems.push(`src/${part}: not in the layer table of docs/architecture.md`);
for (const part of layers.keys()) if (!parts.has(part)) problems.push(`docs/architecture.md names ${part}, which src/ does not have`);

for (const file of walk(src)) {
  const from = partOf(file);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = resolve(dirname(file), m[1]);
    if (!target.startsWith(src + sep)) continue;
    const to = partOf(existsSync(target) ? target : target.replace(/\.js$/, '.ts'));
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    edges.get(from).set(to, relative(root, file));
    const lf = layers.get(from);
    const lt = layers.get(to);
    if (lf !== undefined && lt !== undefined && lt >= lf) {
      problems.push(`${relative(root, file)}: ${from} (layer ${lf}) imports ${to} (layer ${lt}); a part imports only parts of lower layers`);
    }
  }
}

// A cycle is impossible when every edge goes down, but say it plainly if the table ever allows one.
const state = new Map();
function visit(part, path) {
  state.set(part, 'open');
  for (const next of edges.get(part)?.keys() ?? []) {
    if (state.get(next) === 'open') problems.push(`import cycle: ${[...path, part, next].slice(path.indexOf(next) >= 0 ? path.indexOf(next) : 0).join(' → ')}`);
    else if (!state.has(next)) visit(next, [...path, part]);
  }
  state.set(part, 'done');
}
for (const part of edges.keys()) if (!state.has(part)) visit(part, []);

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-layers: ${parts.size} parts of src/, every import goes down a layer, no cycle`);
