import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { secretsIn } from '../core/redact.js';
import type { Config } from './load.js';

/** Secrets the gateway makes for itself when the configuration gives none. */
export interface GeneratedSecrets {
  hookSecret: string;
  hashKey: string;
}

/**
 * Reads the generated secrets kept beside the delivery log, creating them on first run.
 * `created` tells the caller to show the hook secret, which happens exactly once.
 */
export function loadGeneratedSecrets(storePath: string): { secrets: GeneratedSecrets; created: boolean; file: string } {
  const file = join(dirname(storePath), 'secrets.json');
  try {
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as GeneratedSecrets;
    if (typeof secrets.hookSecret === 'string' && typeof secrets.hashKey === 'string') return { secrets, created: false, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const secrets = { hookSecret: randomBytes(24).toString('base64url'), hashKey: randomBytes(32).toString('base64url') };
  // The delivery log's folder: the gateway's alone (src/store/private-files.ts).
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { secrets, created: true, file };
}

/**
 * Every secret value of a configuration, longest first: under secret keys, in URLs and templates,
 * the values `${VAR}` substituted, and `hashKey` (generated when not configured).
 */
export function configSecrets(config: Config, hashKey?: string): string[] {
  return secretsIn(config, [hashKey, config.admin.token, ...config.admin.users.map((u) => u.password), config.metrics.token,
    config.store.hashKey, ...(config.auth.type === 'header' ? config.auth.secrets : []), ...config.environmentValues]);
}
