import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { secrets, created: true, made: { hookSecret: true, adminToken: opts.adminToken === true }, file };
}
