// Admin logins: random session ids kept in memory (a restart logs everyone out), each with its
// own CSRF token, expiring `sessionTtlMinutes` after login; and a brake on guessing passwords and tokens.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from './schema.js';

export const SESSION_COOKIE = 'byot_admin';
export const COOKIE_PATH = '/admin';

export interface Session {
  user: string;
  role: Role;
  /** Sent back in the `x-csrf-token` header of every state-changing request. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** Sessions by the SHA-256 of their id, so the map never holds a usable cookie value. */
export class SessionStore {
  private readonly byDigest = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 1_000,
  ) {}

  /** A new session and its id (the cookie value). */
  create(user: string, role: Role): { id: string; session: Session } {
    this.sweep();
    // At the cap the oldest login goes: memory stays bounded whatever happens.
    while (this.byDigest.size >= this.max) this.byDigest.delete(this.byDigest.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    const session = { user, role, csrf: randomBytes(32).toString('base64url'), createdAt: t, expiresAt: t + this.ttlMs };
    this.byDigest.set(digest(id), session);
    return { id, session };
  }

  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const key = digest(id);
    const s = this.byDigest.get(key);
    if (s && s.expiresAt <= this.now()) {
      this.byDigest.delete(key);
      return undefined;
    }
    return s;
  }

  delete(id: string | undefined): void {
    if (id) this.byDigest.delete(digest(id));
  }

  get size(): number {
    return this.byDigest.size;
  }

  sweep(): void {
    const t = this.now();
    for (const [k, s] of this.byDigest) if (s.expiresAt <= t) this.byDigest.delete(k);
  }
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** What a brake decided about one key: how many failures it holds, and for how long it holds the next attempt. */
export interface BrakeDecision {
  key: string;
  failures: number;
  delayMs: number;
}

/**
 * A brake on guessing: failures counted per key (a user name, a client address, the admin token),
 * each failure past `free` holding that key's next attempt back for a delay that doubles, up to
 * `maxMs`. Never a lockout: once the delay has passed, the right credentials are let in, however
 * many wrong ones came before. Failures are forgotten `forgetMs` after the last one, or on success.
 */
export class LoginBrake {
  private readonly entries = new Map<string, { failures: number; lastAt: number }>();

  constructor(
    private readonly free = 5,
    private readonly baseMs = 1_000,
    private readonly maxMs = 30_000,
    private readonly forgetMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  /** Milliseconds before an attempt for any of `keys` may be checked; 0 when it may go ahead. */
  wait(keys: readonly string[]): number {
    const t = this.now();
    let wait = 0;
    for (const key of keys) {
      const e = this.entries.get(key);
      if (!e) continue;
      if (t - e.lastAt >= this.forgetMs) {
        this.entries.delete(key);
        continue;
      }
      wait = Math.max(wait, e.lastAt + this.delay(e.failures) - t);
    }
    return wait;
  }

  /** Records a failure for each key; returns the keys this failure starts or lengthens a delay for. */
  failed(keys: readonly string[]): BrakeDecision[] {
    const t = this.now();
    const decisions: BrakeDecision[] = [];
    for (const key of keys) {
      const old = this.entries.get(key);
      const failures = old && t - old.lastAt < this.forgetMs ? old.failures + 1 : 1;
      // Re-inserted, so the map's first entry is always the longest idle one: at the cap it goes first.
      this.entries.delete(key);
      while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { failures, lastAt: t });
      const delayMs = this.delay(failures);
      if (delayMs > 0) decisions.push({ key, failures, delayMs });
    }
    return decisions;
  }

  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.entries.delete(key);
  }

  private delay(failures: number): number {
    return failures < this.free ? 0 : Math.min(this.baseMs * 2 ** (failures - this.free), this.maxMs);
  }
}

/** The value of one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie: HttpOnly, SameSite=Strict, scoped to /admin, Secure over https. */
export function sessionCookie(id: string, maxAgeSec: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${id}`, `Path=${COOKIE_PATH}`, `Max-Age=${maxAgeSec}`, 'HttpOnly', 'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, `Path=${COOKIE_PATH}`, 'Max-Age=0', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}
