import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { secretsIn } from '../core/redact.js';
import type { Config } from './load.js';

/** Secrets the gateway makes for itself when the configuration gives none. */
export interface GeneratedSecrets {
  hookSecret: string;
  hashKey: string;
  /** The admin page's token, made only on the embedded defaults (no configuration file). */
  adminToken?: string;
}

/** Which secrets this run made: each is shown to the operator exactly once, on the run that made it. */
export interface Created {
  hookSecret: boolean;
  adminToken: boolean;
}

/**
 * Reads the generated secrets kept beside the delivery log, creating them on first run; with
 * `adminToken`, an admin token is added to a file made by an earlier version without one.
 * `created` (true when the file itself is new) tells the caller to show the hook secret.
 */
export function loadGeneratedSecrets(storePath: string, opts: { adminToken?: boolean } = {}): { secrets: GeneratedSecrets; created: boolean; made: Created; file: string } {
  const file = join(dirname(storePath), 'secrets.json');
  let kept: GeneratedSecrets | undefined;
  try {
    const read = JSON.parse(readFileSync(file, 'utf8')) as GeneratedSecrets;
    if (typeof read.hookSecret === 'string' && typeof read.hashKey === 'string') kept = read;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const token = (): string => randomBytes(24).toString('base64url');
  if (kept) {
    if (!opts.adminToken || typeof kept.adminToken === 'string') return { secrets: kept, created: false, made: { hookSecret: false, adminToken: false }, file };
    const secrets = { ...kept, adminToken: token() };
    // Written beside and renamed over, so a crash never leaves half a file.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, file);
    return { secrets, created: false, made: { hookSecret: false, adminToken: true }, file };
  }
  const secrets: GeneratedSecrets = { hookSecret: token(), hashKey: randomBytes(32).toString('base64url'), ...(opts.adminToken ? { adminToken: token() } : {}) };
  // The delivery log's folder: the gateway's alone (src/store/private-files.ts).
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { secrets, created: true, made: { hookSecret: true, adminToken: opts.adminToken === true }, file };
}

/**
 * Every secret value of a configuration, longest first: under secret keys, in URLs and templates,
 * the values `${VAR}` substituted, and `hashKey` (generated when not configured).
 */
export function configSecrets(config: Config, hashKey?: string): string[] {
  return secretsIn(config, [hashKey, config.admin.token, ...config.admin.users.map((u) => u.password), config.metrics.token,
    config.store.hashKey, ...(config.auth.type === 'header' ? config.auth.secrets : []), ...config.environmentValues]);
}
