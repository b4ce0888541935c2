// The toll-fraud guard: runs after the phone step and before routing. Policy first (number type,
// country per channel; nothing counted), then velocity limits and distinct numbers per prefix.
//
// Atomicity. Every counter is taken with an atomic consume (the consume itself is the gate: no
// read-then-write), and a request that ends refused gives back every slot it took (`reward`), so
// refused requests are not counted. The order makes bursts exact:
//   1. the phone windows, one after the other, tightest first;
//   2. only then, in parallel, user, IP, prefix, distinct-per-prefix, country and global.
// A burst for one number therefore reaches the other counters only with its `max` winners, and
// exactly `max` are admitted across instances. A slot is only ever held by a request that passed
// that counter, and an admitted request never gives its slots back, so no counter can admit more
// than its max. A concurrent request refused by a shared counter (user, IP, country…) can hold a
// slot there for a moment before giving it back, so near such a limit a burst may admit slightly
// fewer than it could: the guard errs on the side of not sending.
import type { Redis } from 'ioredis';
import type { Channel, Destination, RequestType } from '../core/domain.js';
import { maskPhone } from '../core/mask.js';
import type { GuardConfig, LimitWindow } from './schema.js';
import { enrollmentRule, policyRule } from './policy.js';
import { DistinctGate, StoreHealth, WindowGate, type Clock, type Gate, type GuardLog, type RedisStore, type Taken } from './counters.js';
import { ipIdentity, keyHasher, numberPrefix, type KeyHash } from './keys.js';
import { ConversionTracker, type SendRecord, type VerifiedRecord } from './conversion/tracker.js';
import type { BlockView } from './conversion/blocks.js';
import type { Alert } from './conversion/alerts.js';

export type { GuardLog } from './counters.js';

export interface GuardInput {
  channel: Channel;
  requestType: RequestType;
  dest: Destination;
  userId?: string;
  login?: string;
  /** Okta's data.context.request.ipAddress: the end user's address. */
  clientIp?: string;
}

export type Verdict =
  | {
    allow: true;
    /** Some counter was kept per instance (Redis down) or skipped (failMode open). */
    degraded?: boolean;
    /** The request skipped the limits because of an `allow` override. */
    allowedBy?: 'allow.phones' | 'allow.users';
    /** Conversion rules in monitor mode that would have refused it. */
    monitored?: string[];
  }
  | {
    allow: false;
    /** e.g. `numbers.invalid`, `numbers.type.PREMIUM_RATE`, `countries.voice`, `limits.phone.30s`,
     * `limits.distinctPerPrefix`, `store.unavailable`, `guard.error`. For logs and metrics only. */
    rule: string;
    degraded?: boolean;
  };

export interface GuardDeps {
  /** Shared counters for several instances; without it, counters live in this process. */
  redis?: Redis;
  /**
   * Key of the hashes that replace numbers, users and addresses in counter keys. Required with
   * Redis (every instance must use the same); unused otherwise.
   */
  hashKey?: string | Buffer;
  log: GuardLog;
  /** The clock of the in-memory counters and the conversion rules (a simulated one in bench/fraud.ts). */
  now?: Clock;
  /** Told when a conversion block starts, is lifted or ends (the `alerts:` webhook). */
  alert?: Alert;
}

export interface Guard {
  /** Never throws for a request: a failure inside becomes a verdict by `store.failMode`. */
  check(input: GuardInput): Promise<Verdict>;
  /** A code went out to a provider: counted for the conversion rules, pending until its otpExpires. */
  recordSend(send: SendRecord): void;
  /**
   * A code was used (the Okta verification feed matched the hook call's eventId). False when this
   * instance has no pending send with that eventId (unknown, already verified, or expired).
   */
  recordVerified(verified: VerifiedRecord): boolean;
  /** Active conversion blocks with their evidence, lifted ones included. */
  blocks(): Promise<BlockView[]>;
  /** Lifts a conversion block by id; undefined when no such block is active. */
  lift(id: string, by: string): Promise<BlockView | undefined>;
  /** Waits for checks in progress. The Redis client belongs to the caller and stays open. */
  close(): Promise<void>;
}

/** One dimension's windows, tightest (smallest max, then shortest) first. */
function gates(dimension: string, windows: false | LimitWindow[], keyPrefix: string, redis?: RedisStore, now?: Clock): WindowGate[] {
  if (windows === false) return [];
  return [...windows]
    .sort((a, b) => a.max - b.max || a.perSeconds - b.perSeconds)
    .map((w) => new WindowGate(dimension, w, keyPrefix, redis, now));
}

export function createGuard(config: GuardConfig, deps: GuardDeps): Guard {
  const { log } = deps;
  const { limits, store, allow } = config;
  if (deps.redis && deps.hashKey === undefined) {
    throw new Error('createGuard: a hashKey is required with Redis, so every instance counts under the same keys');
  }
  // Keys are hashed where they leave the process (Redis); in memory the value itself is the key.
  const hash: KeyHash = deps.redis ? keyHasher(deps.hashKey!) : (_kind, value) => value;
  const redis: RedisStore | undefined = deps.redis && {
    client: deps.redis,
    health: new StoreHealth(store.retryAfterMs, log, deps.redis),
    timeoutMs: store.timeoutMs,
    insuranceInstances: store.insurance.enabled ? store.insurance.instances : undefined,
    log,
  };
  const kp = store.keyPrefix;
  const now = deps.now;

  const phone = gates('phone', limits.phone, kp, redis, now);
  const user = gates('user', limits.user, kp, redis, now);
  const ip = gates('ip', limits.ip, kp, redis, now);
  const prefix = gates('prefix', limits.prefix, kp, redis, now);
  const country = gates('country', limits.country, kp, redis, now);
  const countryOverride = new Map(Object.entries(limits.countryOverrides).map(([cc, w]) => [cc, gates('country', w, kp, redis, now)]));
  const global = gates('global', limits.global, kp, redis, now);
  const distinct = limits.distinctPerPrefix === false ? undefined : new DistinctGate(limits.distinctPerPrefix, kp, redis, now);
  const conversion = new ConversionTracker(config.conversion, {
    now: now ?? Date.now,
    log,
    ...(deps.redis ? { store: { client: deps.redis, timeoutMs: store.timeoutMs, keyPrefix: kp }, hash } : {}),
    ...(deps.alert ? { alert: deps.alert } : {}),
  });

  const allowPhones = new Set(allow.phones);
  const allowUserIds = new Set(allow.users);
  const allowLogins = new Set(allow.users.map((u) => u.toLowerCase()));

  const inflight = new Set<Promise<Verdict>>();
  let closed = false;

  function allowedBy(input: GuardInput): 'allow.phones' | 'allow.users' | undefined {
    if (allowPhones.has(input.dest.e164)) return 'allow.phones';
    if (input.userId !== undefined && allowUserIds.has(input.userId)) return 'allow.users';
    if (input.login !== undefined && allowLogins.has(input.login.toLowerCase())) return 'allow.users';
    return undefined;
  }

  function refused(rule: string, degraded: boolean, input: GuardInput): Verdict {
    log.debug({ rule, degraded, channel: input.channel, requestType: input.requestType, to: maskPhone(input.dest.e164), country: input.dest.country },
      'guard refused a send');
    return degraded ? { allow: false, rule, degraded } : { allow: false, rule };
  }

  async function limited(input: GuardInput): Promise<Verdict> {
    const { e164 } = input.dest;
    const phoneKey = hash('phone', e164);
    const range = hash('prefix', numberPrefix(e164));
    const taken: Taken[] = [];
    let degraded = false;
    let unavailable = false;

    const refuse = async (rule: string): Promise<Verdict> => {
      await Promise.all(taken.map((t) => t.undo?.()));
      return refused(rule, degraded, input);
    };

    // 1. The number's own windows, one after the other: only a winner touches anything else.
    for (const gate of phone) {
      const t = await gate.take(phoneKey);
      taken.push(t);
      degraded ||= t.degraded;
      if (t.state === 'refused') return refuse(gate.rule);
      if (t.state === 'unavailable') {
        unavailable = true;
        if (store.failMode === 'closed') return refuse('store.unavailable');
      }
    }

    // 2. Everything shared, in parallel; the first refusing rule in this order is reported.
    const steps: [Gate, string, string?][] = [];
    const userKey = input.userId !== undefined && input.userId !== '' ? hash('user', `id:${input.userId}`)
      : input.login !== undefined && input.login !== '' ? hash('user', `login:${input.login.toLowerCase()}`) : undefined;
    if (userKey) for (const g of user) steps.push([g, userKey]);
    if (input.clientIp) {
      const ipKey = hash('ip', ipIdentity(input.clientIp));
      for (const g of ip) steps.push([g, ipKey]);
    }
    for (const g of prefix) steps.push([g, range]);
    if (distinct) steps.push([distinct, range, phoneKey]);
    const cc = input.dest.country ?? 'unknown';
    for (const g of countryOverride.get(cc) ?? country) steps.push([g, cc]);
    for (const g of global) steps.push([g, 'all']);

    const results = await Promise.all(steps.map(([gate, key, member]) => gate.take(key, member)));
    taken.push(...results);
    let refusedBy: string | undefined;
    results.forEach((t, i) => {
      degraded ||= t.degraded;
      if (t.state === 'unavailable') unavailable = true;
      if (t.state === 'refused' && refusedBy === undefined) refusedBy = steps[i]![0].rule;
    });
    if (refusedBy) return refuse(refusedBy);
    if (unavailable && store.failMode === 'closed') return refuse('store.unavailable');
    return degraded ? { allow: true, degraded } : { allow: true };
  }

  async function check(input: GuardInput): Promise<Verdict> {
    const by = allowedBy(input);
    if (!(by && allow.skipPolicy)) {
      const rule = policyRule(config, input.channel, input.dest) ?? enrollmentRule(config, input.requestType, input.channel, input.dest);
      if (rule) return refused(rule, false, input);
    }
    if (by) {
      log.info({ allowedBy: by, channel: input.channel, to: maskPhone(input.dest.e164), country: input.dest.country },
        'guard: limits skipped by an allow override');
      return { allow: true, allowedBy: by };
    }
    try {
      if (config.enrollment.requireVerifiedCountry && input.requestType === 'pre-enrollment' && !conversion.everVerified(input.channel, input.dest)) {
        return refused('enrollment.unproven', false, input);
      }
      let monitored: string[] | undefined;
      if (conversion.active) {
        // Before the counters: a blocked scope takes no slot anywhere.
        const decision = await conversion.check(input);
        if (decision.refuse) return refused(decision.refuse, false, input);
        if (decision.monitored.length > 0) monitored = decision.monitored;
      }
      const verdict = await limited(input);
      return monitored && verdict.allow ? { ...verdict, monitored } : verdict;
    } catch (err) {
      log.error({ err }, 'guard: unexpected failure while counting');
      return store.failMode === 'open' ? { allow: true, degraded: true } : { allow: false, rule: 'guard.error', degraded: true };
    }
  }

  return {
    check(input) {
      if (closed) return Promise.reject(new Error('guard closed'));
      const p = check(input).finally(() => inflight.delete(p));
      inflight.add(p);
      return p;
    },
    recordSend: (send) => {
      if (conversion.active || config.enrollment.requireVerifiedCountry) conversion.recordSend(send);
    },
    recordVerified: (verified) => conversion.recordVerified(verified),
    blocks: () => conversion.blocks(),
    lift: (id, by) => conversion.lift(id, by),
    async close() {
      closed = true;
      await Promise.allSettled([...inflight]);
    },
  };
}
