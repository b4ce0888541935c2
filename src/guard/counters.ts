// The counting half of the guard: one gate per limit window (rate-limiter-flexible) and one for
// distinct numbers per prefix, in memory or in Redis, with an in-memory insurance when Redis fails.
//
// A gate's `take` is the atomic admission step: RateLimiterRedis increments and reads a key in one
// Lua script, MemoryWindows in one synchronous step, so two requests can never both see the last
// free slot. A request refused later by another gate gives its slots back with `undo`.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LimitWindow } from './schema.js';
import { ERROR_CODES, GatewayError } from '../core/errors.js';

export type GuardLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** What one gate said about one request. */
export interface Taken {
  /** `unavailable`: the store failed and no insurance counted instead. */
  state: 'ok' | 'refused' | 'unavailable';
  /** Counted by the per-instance insurance instead of the shared store, or not counted at all. */
  degraded: boolean;
  /** Gives back what this request took; called when the request is refused after all. Never throws. */
  undo?: () => Promise<void>;
}

export interface Gate {
  /** e.g. `limits.phone.30s`, `limits.distinctPerPrefix`. */
  readonly rule: string;
  take(key: string, member?: string): Promise<Taken>;
}

/** Thrown when Redis did not answer in time. */
export class StoreTimeout extends GatewayError {
  constructor(ms: number) {
    super(ERROR_CODES.STORE_TIMEOUT, `Redis did not answer within ${ms} ms`);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeout(ms)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e); },
    );
  });
}

/**
 * Whether Redis is worth asking. After a failure (an error, a timeout, or rate-limiter-flexible
 * falling back to its insurance) the gates count in memory for `retryAfterMs` without a round trip,
 * so an outage costs one timeout, not one per counter per request.
 */
export class StoreHealth {
  private downUntil = 0;
  private down = false;

  constructor(private readonly retryAfterMs: number, private readonly log: GuardLog, private readonly client: Redis) {}

  usable(): boolean {
    return Date.now() >= this.downUntil;
  }

  failed(err: unknown): void {
    this.downUntil = Date.now() + this.retryAfterMs;
    if (!this.down) {
      this.down = true;
      this.log.warn({ err: describe(err), redisStatus: this.client.status, retryAfterMs: this.retryAfterMs },
        'guard: Redis unavailable; counting limits per instance until it answers again');
    }
  }

  succeeded(): void {
    if (this.down) {
      this.down = false;
      this.log.info('guard: Redis answers again; limits are shared across instances again');
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Set on the options object of a consume that rate-limiter-flexible handed to the insurance limiter. */
const INSURED = 'byotInsured';
type Marks = Record<string, unknown>;

/** The memory limiter given to RateLimiterRedis as `insuranceLimiter`; it marks the calls it serves. */
class InsuranceLimiter extends RateLimiterMemory {
  override consume(key: string | number, points?: number, options?: Marks): Promise<RateLimiterRes> {
    if (options) options[INSURED] = true;
    return super.consume(key, points, options);
  }
}

/** Redis failures: how the gates reach Redis and what they do when it fails. */
export interface RedisStore {
  client: Redis;
  health: StoreHealth;
  timeoutMs: number;
  /** Divides each max for the per-instance insurance; undefined: no insurance. */
  insuranceInstances?: number;
  log: GuardLog;
}

/**
 * A refund is skipped when the window is about to end (within a tenth of it, at most 1 s): the
 * counter is about to vanish anyway, and in Redis a refund landing after expiry would start the
 * next window below zero. The in-memory windows follow the same rule, so both give the same verdicts.
 */
function tooLateToRefund(windowEnd: number, perSeconds: number, now: number): boolean {
  return windowEnd - now <= Math.min(1_000, perSeconds * 100);
}

/** The clock of the in-memory counters: Date.now, or a simulated one (bench/fraud.ts). */
export type Clock = () => number;

/**
 * Window starts in order, so that ended windows are found at the front without walking a Map
 * (a Map walked from its start also steps over every entry deleted since it last shrank). All
 * windows of a queue have the same length, so the order of starts is the order of ends. A key
 * whose window starts again is queued again; its earlier place is then stale, and `drop` is told
 * which window ended so it can tell.
 */
class ExpiryQueue {
  private keys: string[] = [];
  private ends: number[] = [];
  private head = 0;

  constructor(private readonly drop: (key: string, end: number) => void) {}

  /** When the first queued window ends (Infinity when none is queued). */
  get nextEnd(): number {
    return this.head < this.ends.length ? this.ends[this.head]! : Infinity;
  }

  push(key: string, end: number): void {
    this.keys.push(key);
    this.ends.push(end);
  }

  /** Drops a few windows that ended by `now`: more than one per take, so dropping keeps ahead of new keys. */
  expire(now: number): void {
    for (let budget = 8; budget > 0 && this.head < this.ends.length && this.ends[this.head]! <= now; budget--) {
      this.drop(this.keys[this.head]!, this.ends[this.head]!);
      this.head++;
    }
    if (this.head >= 1_024 && this.head * 2 >= this.ends.length) {
      this.keys = this.keys.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Per-key windows in this process: a key's window starts at its first count and lasts perSeconds
 * (as rate-limiter-flexible's, whose memory limiter keeps an object and a timer per key). A day's
 * window holds an entry per number, user and range seen that day, so entries are kept small: the
 * Map holds a slot number, the slot's count and end live in typed arrays. Each take frees a few
 * ended windows (ExpiryQueue), so no sweep ever walks the whole Map on the hot path.
 */
export class MemoryWindows {
  private readonly slots = new Map<string, number>();
  private ends = new Float64Array(256);
  private counts = new Uint32Array(256);
  private readonly free: number[] = [];
  private used = 0;
  private readonly ms: number;
  private readonly queue = new ExpiryQueue((key, end) => {
    const slot = this.slots.get(key);
    if (slot === undefined || this.ends[slot] !== end) return;
    this.slots.delete(key);
    this.free.push(slot);
  });

  constructor(private readonly window: LimitWindow, private readonly now: Clock = Date.now) {
    this.ms = window.perSeconds * 1_000;
  }

  /** Counts one send under `key` if the window has room; the window's end identifies it for `giveBack`. */
  take(key: string): { ok: boolean; until: number } {
    const now = this.now();
    if (now >= this.queue.nextEnd) this.queue.expire(now);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.allocate();
      this.slots.set(key, slot);
    } else if (this.ends[slot]! > now) {
      const until = this.ends[slot]!;
      if (this.counts[slot]! >= this.window.max) return { ok: false, until };
      this.counts[slot]!++;
      return { ok: true, until };
    }
    const until = now + this.ms;
    this.ends[slot] = until;
    this.counts[slot] = 1;
    this.queue.push(key, until);
    return { ok: true, until };
  }

  /** Keys held, ended windows not yet freed included. */
  get size(): number {
    return this.slots.size;
  }

  /** Gives back one send counted in the window ending at `until`; nothing once that window is about to end. */
  giveBack(key: string, until: number): void {
    if (tooLateToRefund(until, this.window.perSeconds, this.now())) return;
    const slot = this.slots.get(key);
    if (slot !== undefined && this.ends[slot] === until && this.counts[slot]! > 0) this.counts[slot]!--;
  }

  private allocate(): number {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    if (this.used === this.ends.length) {
      const ends = new Float64Array(this.used * 2);
      ends.set(this.ends);
      this.ends = ends;
      const counts = new Uint32Array(this.used * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    return this.used++;
  }
}

/** One `{ max, perSeconds }` window of one dimension. */
export class WindowGate implements Gate {
  readonly rule: string;
  /** Without Redis: the counters of this process. */
  private readonly memory?: MemoryWindows;
  /** With Redis. */
  private readonly primary?: RateLimiterRedis;
  /** Redis only: the same counters without insurance, so a refund never lands in the wrong store. */
  private readonly refunder?: RateLimiterRedis;
  private readonly insurance?: RateLimiterMemory;

  constructor(dimension: string, private readonly window: LimitWindow, keyPrefix: string, private readonly redis?: RedisStore, now?: Clock) {
    this.rule = `limits.${dimension}.${window.perSeconds}s`;
    const base = { keyPrefix: `${keyPrefix}:${dimension}:${window.perSeconds}s`, points: window.max, duration: window.perSeconds };
    if (!redis) {
      this.memory = new MemoryWindows(window, now);
      return;
    }
    if (redis.insuranceInstances !== undefined) {
      this.insurance = new InsuranceLimiter({ ...base, points: Math.ceil(window.max / redis.insuranceInstances) });
    }
    // Not `rejectIfRedisNotReady`: a client still connecting (at start-up) or reconnecting may
    // answer within the timeout from its offline queue; the timeout bounds the wait either way.
    this.primary = new RateLimiterRedis({
      ...base,
      storeClient: redis.client,
      ...(this.insurance ? { insuranceLimiter: this.insurance } : {}),
    });
    this.refunder = new RateLimiterRedis({ ...base, storeClient: redis.client });
  }

  async take(key: string): Promise<Taken> {
    const redis = this.redis;
    if (!redis) return this.inMemory(key);
    if (redis.health.usable()) {
      const marks: Marks = {};
      const at = Date.now();
      try {
        const res = await withTimeout(this.primary!.consume(key, 1, marks), redis.timeoutMs);
        return this.afterStore(true, res, key, marks, at);
      } catch (err) {
        if (err instanceof RateLimiterRes) return this.afterStore(false, err, key, marks, at);
        // A timeout (the late answer, if any, is ignored: at worst it counts a send twice), or an
        // error with no insurance configured to absorb it.
        redis.health.failed(err);
      }
    }
    if (!this.insurance) return { state: 'unavailable', degraded: true };
    return this.counted(this.insurance, key, true);
  }

  private inMemory(key: string): Taken {
    const memory = this.memory!;
    const { ok, until } = memory.take(key);
    // A refused request counted nothing here, so it has nothing to give back.
    return ok ? { state: 'ok', degraded: false, undo: async () => memory.giveBack(key, until) } : { state: 'refused', degraded: false };
  }

  private afterStore(ok: boolean, res: RateLimiterRes, key: string, marks: Marks, at: number): Taken {
    const insured = marks[INSURED] === true;
    if (insured) this.redis?.health.failed(new Error('a Redis command failed; rate-limiter-flexible counted in its insurance limiter'));
    else this.redis?.health.succeeded();
    const limiter = insured ? this.insurance! : this.refunder!;
    return { state: ok ? 'ok' : 'refused', degraded: insured, undo: this.refund(limiter, key, res, at) };
  }

  private async counted(limiter: RateLimiterAbstract, key: string, degraded: boolean): Promise<Taken> {
    const at = Date.now();
    try {
      const res = await limiter.consume(key, 1);
      return { state: 'ok', degraded, undo: this.refund(limiter, key, res, at) };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { state: 'refused', degraded, undo: this.refund(limiter, key, err, at) };
      throw err;
    }
  }

  private refund(limiter: RateLimiterAbstract, key: string, res: RateLimiterRes, at: number): () => Promise<void> {
    return async () => {
      if (tooLateToRefund(at + res.msBeforeNext, this.window.perSeconds, Date.now())) return;
      try {
        const reward = limiter.reward(key, 1);
        await (this.redis && limiter === this.refunder ? withTimeout(reward, this.redis.timeoutMs) : reward);
      } catch (err) {
        // The slot stays taken until the window ends: stricter than needed, never looser.
        this.redis?.log.debug({ err: describe(err), rule: this.rule }, 'guard: could not give back a counted send');
      }
    };
  }
}

/** Distinct members (numbers) per key (prefix) and window, in memory; ended windows freed as in MemoryWindows. */
export class DistinctMemory {
  private readonly sets = new Map<string, { expiresAt: number; members: Set<string> }>();
  private readonly queue = new ExpiryQueue((key, end) => {
    if (this.sets.get(key)?.expiresAt === end) this.sets.delete(key);
  });

  constructor(private readonly window: LimitWindow, private readonly now: Clock = Date.now) {}

  /** True when `member` is already counted or fits; a member that does not fit is not added. */
  take(key: string, member: string): boolean {
    const now = this.now();
    if (now >= this.queue.nextEnd) this.queue.expire(now);
    let entry = this.sets.get(key);
    if (entry && entry.expiresAt <= now) entry = undefined;
    if (entry?.members.has(member)) return true;
    if ((entry?.members.size ?? 0) >= this.window.max) return false;
    if (!entry) {
      entry = { expiresAt: now + this.window.perSeconds * 1_000, members: new Set() };
      this.sets.set(key, entry);
      this.queue.push(key, entry.expiresAt);
    }
    entry.members.add(member);
    return true;
  }
}

/**
 * Check-and-add in one step. A set rather than a HyperLogLog: a prefix holds at most 1,000 numbers,
 * so the set stays small, is exact, and tells a number already counted from a new one.
 * Returns 1 (already counted), 2 (added) or 0 (refused: the set is full; nothing added).
 */
const DISTINCT_SCRIPT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 2
`;

/**
 * Distinct numbers per prefix. A number that passes stays counted even when another limit then
 * refuses the request: the set holds the numbers that were tried, which is the pumping signal, and
 * giving members back could let a concurrent request for the same number through uncounted.
 */
export class DistinctGate implements Gate {
  readonly rule = 'limits.distinctPerPrefix';
  private readonly memory?: DistinctMemory;
  private readonly keyPrefix: string;

  constructor(private readonly window: LimitWindow, keyPrefix: string, private readonly redis?: RedisStore, now?: Clock) {
    this.keyPrefix = `${keyPrefix}:distinct:${window.perSeconds}s`;
    if (!redis) this.memory = new DistinctMemory(window, now);
    else if (redis.insuranceInstances !== undefined) {
      this.memory = new DistinctMemory({ ...window, max: Math.ceil(window.max / redis.insuranceInstances) });
    }
  }

  async take(key: string, member = ''): Promise<Taken> {
    const redis = this.redis;
    if (!redis) return { state: this.memory!.take(key, member) ? 'ok' : 'refused', degraded: false };
    if (redis.health.usable()) {
      try {
        const answer = await withTimeout(
          redis.client.eval(DISTINCT_SCRIPT, 1, `${this.keyPrefix}:${key}`, member, this.window.max, this.window.perSeconds * 1_000),
          redis.timeoutMs,
        );
        redis.health.succeeded();
        return { state: Number(answer) === 0 ? 'refused' : 'ok', degraded: false };
      } catch (err) {
        redis.health.failed(err);
      }
    }
    if (!this.memory) return { state: 'unavailable', degraded: true };
    return { state: this.memory.take(key, member) ? 'ok' : 'refused', degraded: true };
  }
}
