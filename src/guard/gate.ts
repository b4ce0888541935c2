// What the guard asks of its counters, whichever store holds them (memory-gate.ts, redis-gate.ts):
// admit one request against every counter it touches, in one atomic step. Either every counter has
// room and all of them count the request, or none counts it and the first one without room is
// named. Nothing is ever given back on this path, so a refused request can never hold a slot a
// concurrent one was refused for.
import type { LimitWindow } from './schema.js';

/** One counter of the configuration: a window of one dimension, or distinct numbers per prefix. */
export interface Counter {
  /** e.g. `limits.phone.30s`, `limits.distinctPerPrefix`. */
  readonly rule: string;
  /** `window`: sends per key and window; `distinct`: distinct members (numbers) per key (prefix) and window. */
  readonly kind: 'window' | 'distinct';
  readonly window: LimitWindow;
  /** Its part of the Redis key: `phone:30s`, `distinct:3600s`. */
  readonly name: string;
}

/** One counter as one request touches it. */
export interface Step {
  readonly counter: Counter;
  /** The (hashed, with Redis) number, user, address, range, country, or `all`. */
  readonly key: string;
  /** `distinct` only: the (hashed) number. */
  readonly member?: string;
}

/** An idempotency key claimed in the same atomic step (SET NX), when Redis holds the claims. */
export interface ClaimKey {
  key: string;
  value: string;
  ttlMs: number;
}

/**
 * A conversion block the request's scope may be under (conversion/tracker.ts). With Redis the block
 * is read, started or renewed in the admission's own round trip, before any counter: a blocked
 * scope takes no slot anywhere.
 */
export interface BlockStep {
  /** `{rule}:{hash}`: the block's id, the same on every instance. */
  readonly id: string;
  /** e.g. `conversion.prefix.4`: named when the block refuses. */
  readonly rule: string;
  /** A block of an enforced scope refuses; of a monitored one it is only reported. */
  readonly enforce: boolean;
  /** The block (BlockView JSON) to start when none is on: this instance's evidence calls for one. */
  readonly start?: string;
}

export interface BlockCheck {
  readonly steps: readonly BlockStep[];
  /** The tracker's clock: a block whose `until` has passed is not on. */
  readonly now: number;
  /** A block is started, and renewed, for this long. */
  readonly cooldownMs: number;
  /** An on-going block is renewed (to now + cooldown) at most this often. */
  readonly renewEveryMs: number;
  /** For a gate that cannot read the shared blocks (Redis down): the rule this instance's copies refuse with. */
  readonly offline?: string;
}

/** The blocks as Redis holds them after the admission: per block step, its JSON ('' when none is on). */
export interface SharedBlocks {
  values: string[];
  /** Per block step: this admission started it. */
  started: boolean[];
}

export interface Admission {
  /** In reporting order: when several have no room, the first is the rule named. */
  steps: readonly Step[];
  claim?: ClaimKey;
  blocks?: BlockCheck;
}

export type Admitted =
  /** Counted everywhere; `degraded`: by the per-instance insurance, not the shared store. */
  | { state: 'ok'; degraded: boolean; blocks?: SharedBlocks }
  /** Counted nowhere. `blocks`: present when Redis answered (a block step, or a counter, refused). */
  | { state: 'refused'; rule: string; degraded: boolean; blocks?: SharedBlocks }
  /** The store could not be asked and no insurance counted instead: nothing was counted. */
  | { state: 'unavailable' }
  /** The claim was already held by another call: nothing was counted. */
  | { state: 'claimed' };

export interface Gate {
  admit(admission: Admission): Promise<Admitted>;
}
