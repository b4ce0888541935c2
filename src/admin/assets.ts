// The admin front end, held in memory: dist/admin-ui/ as `npm run build` left it (src/admin/ui/build.mjs),
// or, when that is missing or older than the sources and esbuild is installed, bundled at start-up.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';

export interface Asset {
  type: string;
  body: Buffer;
}

export interface UiAssets {
  /** By file name: `app.js`, `app.css`. */
  files: ReadonlyMap<string, Asset>;
  /** Where they came from, for the log. */
  from: string;
  /** Set when there is no front end to serve. */
  problem?: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The project folder: the nearest one above this file with a package.json (works from src/ and dist/src/). */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** One load per project folder and process: every gateway started in a process (tests) shares it. */
const loaded = new Map<string, Promise<UiAssets>>();

export function loadUiAssets(log: FastifyBaseLogger, root = projectRoot()): Promise<UiAssets> {
  const key = root ?? '';
  let assets = loaded.get(key);
  if (!assets) {
    assets = load(log, root);
    loaded.set(key, assets);
  }
  return assets;
}

async function load(log: FastifyBaseLogger, root: string | undefined): Promise<UiAssets> {
  if (!root) return { files: new Map(), from: 'nowhere', problem: 'cannot find the project folder' };
  const built = join(root, 'dist', 'admin-ui');
  const sources = join(root, 'src', 'admin', 'ui');
  const builtAt = mtime(join(built, 'app.js'));
  const sourcesAt = existsSync(sources) ? newest(sources) : 0;

  if (builtAt > 0 && builtAt >= sourcesAt) return fromFolder(built);
  if (sourcesAt > 0) {
    try {
      const mod = (await import(pathToFileURL(join(sources, 'build.mjs')).href)) as {
        buildAdminUi(o: { write: boolean }): Promise<{ name: string; contents: Uint8Array }[]>;
      };
      const files = await mod.buildAdminUi({ write: false });
      log.info({ built: builtAt > 0 ? 'older than the sources' : 'missing' }, 'admin front end bundled in memory from src/admin/ui');
      return { files: toAssets(files.map((f) => [f.name, Buffer.from(f.contents)])), from: 'src/admin/ui (bundled at start-up)' };
    } catch (err) {
      log.warn({ err }, 'could not bundle the admin front end (is esbuild installed?)');
    }
  }
  if (builtAt > 0) return fromFolder(built);
  return { files: new Map(), from: 'nowhere', problem: 'the admin front end is not built: run npm run build' };
}

function fromFolder(dir: string): UiAssets {
  const entries = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f)).map((f) => [f, readFileSync(join(dir, f))] as [string, Buffer]);
  return { files: toAssets(entries), from: dir };
}

function toAssets(entries: [string, Buffer][]): Map<string, Asset> {
  return new Map(entries.flatMap(([name, body]) => {
    const type = TYPES[name.split('.').pop() ?? ''];
    return type ? [[name, { type, body }] as const] : [];
  }));
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The latest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : mtime(p));
  }
  return latest;
}
