// Admin logins: random session ids kept in memory (a restart logs everyone out), each with its
// own CSRF token, expiring `sessionTtlMinutes` after login; and a brake on password guessing.
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'byot_admin';
export const COOKIE_PATH = '/admin';

export interface Session {
  user: string;
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
  create(user: string): { id: string; session: Session } {
    this.sweep();
    // At the cap the oldest login goes: memory stays bounded whatever happens.
    while (this.byDigest.size >= this.max) this.byDigest.delete(this.byDigest.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    const session = { user, csrf: randomBytes(32).toString('base64url'), createdAt: t, expiresAt: t + this.ttlMs };
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

/** Failed logins per client address: after `max` in `windowMs`, logins are refused until the window ends. */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait, or 0 when the address may try. */
  retryAfter(ip: string): number {
    const f = this.failures.get(ip);
    if (!f) return 0;
    const left = f.resetAt - this.now();
    if (left <= 0) {
      this.failures.delete(ip);
      return 0;
    }
    return f.count >= this.max ? Math.ceil(left / 1_000) : 0;
  }

  failed(ip: string): void {
    const t = this.now();
    const f = this.failures.get(ip);
    if (f && f.resetAt > t) f.count++;
    else {
      if (this.failures.size >= 10_000) this.failures.clear();
      this.failures.set(ip, { count: 1, resetAt: t + this.windowMs });
    }
  }

  succeeded(ip: string): void {
    this.failures.delete(ip);
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
