// The toll-fraud guard: runs after the phone step and before routing. Policy first (number type,
// country per channel; nothing counted), then velocity limits and distinct numbers per prefix.
//
// Atomicity. A request's counters are admitted in one atomic step (gate.ts): in memory one
// synchronous step (memory-gate.ts), with Redis one Lua script (redis-gate.ts,
// admission-script.ts). Either every counter has room and all count the request, or none counts
// it and the first without room, in the order below, is the rule reported:
//   the phone windows, tightest first; then user, IP, prefix, distinct per prefix, country, global.
// With conversion rules on, the blocks of the request's scopes come first, in the same step: a
// blocked scope refuses before any counter, so it takes no slot anywhere.
// Nothing is given back afterwards, so a burst for one number admits exactly its max across
// instances, and a refused request never holds a slot another request was refused for.
import type { Redis } from 'ioredis';
import type { Channel, Destination, RequestType } from '../core/domain.js';
import { maskPhone } from '../core/mask.js';
import type { GuardConfig, LimitWindow } from './schema.js';
import { enrollmentRule, policyRule } from './policy.js';
import type { ClaimKey, Counter, Gate, Step } from './gate.js';
import { MemoryGate } from './memory-gate.js';
import { RedisGate } from './redis-gate.js';
import { StoreHealth, type GuardLog } from './store-health.js';
import { ConversionTracker, type ConversionDecision, type ConversionProbe, type SendRecord, type VerifiedRecord } from './conversion/tracker.js';
import type { BlockView } from './conversion/blocks.js';
import { VerificationRelay } from './conversion/relay.js';
import type { Alert } from './conversion/alerts.js';
import { ipIdentity, keyHasher, numberPrefix, type KeyHash } from './keys.js';

export type { GuardLog } from './store-health.js';
export type { ClaimKey } from './gate.js';

export interface GuardInput {
  channel: Channel;
  requestType: RequestType;
  dest: Destination;
  userId?: string;
  login?: string;
  /** Okta's data.context.request.ipAddress: the end user's address. */
  clientIp?: string;
  /**
   * With Redis: the call's idempotency key, claimed in the same round trip as the counting. When
   * another call holds it, nothing is counted and the verdict is `duplicate`. Ignored without Redis.
   */
  claim?: ClaimKey;
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
    /** With rule `claim.held`: `input.claim` is held by another call, which answers; nothing was counted. */
    duplicate?: true;
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
  now?: () => number;
  /** Told when a conversion block starts, is lifted or ends (the `alerts:` webhook). */
  alert?: Alert;
  /**
   * With Redis: the eventIds of sends received since `sinceMs` (at most `limit`, newest first)
   * that the delivery log has as verified. Read after this instance's subscription to other
   * instances' verifications was down (conversion/relay.ts); without it those are lost.
   */
  verifiedSince?: (sinceMs: number, limit: number) => Promise<string[]>;
}

export interface Guard {
  /** Never throws for a request: a failure inside becomes a verdict by `store.failMode`. */
  check(input: GuardInput): Promise<Verdict>;
  /** A code went out to a provider: counted for the conversion rules, pending until its otpExpires. */
  recordSend(send: SendRecord): void;
  /**
   * A code was used (the Okta verification feed matched the hook call's eventId). False when this
   * instance has no pending send with that eventId (unknown, already verified, or expired); with
   * Redis the eventId is then published, so the instance that sent the code counts it.
   */
  recordVerified(verified: VerifiedRecord): boolean;
  /**
   * Whether verifications processed on other instances reach this one: always without Redis; with
   * it, once subscribed and caught up (conversion/relay.ts). While false, expired sends wait.
   */
  listening(): boolean;
  /** Active conversion blocks with their evidence, lifted ones included. */
  blocks(): Promise<BlockView[]>;
  /** Lifts a conversion block by id; undefined when no such block is active. */
  lift(id: string, by: string): Promise<BlockView | undefined>;
  /**
   * Waits for checks in progress and ends the subscription to other instances' verifications.
   * The Redis client belongs to the caller and stays open.
   */
  close(): Promise<void>;
}

/** How far before its oldest pending send an instance reads the delivery log after a lost subscription. */
const CATCH_UP_MARGIN_MS = 60_000;

/** One dimension's windows, tightest (smallest max, then shortest) first. */
function windowCounters(dimension: string, windows: false | LimitWindow[]): Counter[] {
  if (windows === false) return [];
  return [...windows]
    .sort((a, b) => a.max - b.max || a.perSeconds - b.perSeconds)
    .map((window): Counter => ({ rule: `limits.${dimension}.${window.perSeconds}s`, kind: 'window', window, name: `${dimension}:${window.perSeconds}s` }));
}

export function createGuard(config: GuardConfig, deps: GuardDeps): Guard {
  const { log } = deps;
  const { limits, store, allow } = config;
  if (deps.redis && deps.hashKey === undefined) {
    throw new Error('createGuard: a hashKey is required with Redis, so every instance counts under the same keys');
  }
  // Keys are hashed where they leave the process (Redis); in memory the value itself is the key.
  const hash: KeyHash = deps.redis ? keyHasher(deps.hashKey!) : (_kind, value) => value;
  const now = deps.now;
  const gate: Gate = deps.redis
    ? new RedisGate({
      client: deps.redis,
      health: new StoreHealth(store.retryAfterMs, log, deps.redis),
      timeoutMs: store.timeoutMs,
      keyPrefix: store.keyPrefix,
      ...(store.insurance.enabled ? { insurance: new MemoryGate(store.insurance.instances, true, now) } : {}),
      failMode: store.failMode,
      log,
    })
    : new MemoryGate(1, false, now);

  const phone = windowCounters('phone', limits.phone);
  const user = windowCounters('user', limits.user);
  const ip = windowCounters('ip', limits.ip);
  const prefix = windowCounters('prefix', limits.prefix);
  const country = windowCounters('country', limits.country);
  const countryOverride = new Map(Object.entries(limits.countryOverrides).map(([cc, w]) => [cc, windowCounters('country', w)]));
  const global = windowCounters('global', limits.global);
  const dpp = limits.distinctPerPrefix;
  const distinct: Counter | undefined = dpp === false ? undefined
    : { rule: 'limits.distinctPerPrefix', kind: 'distinct', window: dpp, name: `distinct:${dpp.perSeconds}s` };
  let relay: VerificationRelay | undefined;
  const listening = (): boolean => relay === undefined || relay.live;
  const conversion: ConversionTracker = new ConversionTracker(config.conversion, {
    now: now ?? Date.now,
    log,
    ...(deps.redis ? { store: { client: deps.redis, timeoutMs: store.timeoutMs, keyPrefix: store.keyPrefix }, hash } : {}),
    ...(deps.alert ? { alert: deps.alert } : {}),
    live: listening,
  });
  // Sends are tracked for their verification: a conversion rule or requireVerifiedCountry is on.
  const tracking = conversion.active || config.enrollment.requireVerifiedCountry;
  if (deps.redis && tracking) {
    const { verifiedSince } = deps;
    relay = new VerificationRelay({
      client: deps.redis, channel: `${store.keyPrefix}:verified`, timeoutMs: store.timeoutMs, log,
      apply: (eventId) => conversion.recordVerified({ eventId }),
      ...(verifiedSince ? {
        catchUp: async () => {
          const oldest = conversion.oldestPendingAt();
          // The delivery log stamps a call when it arrives, a little before the send was counted.
          return oldest === undefined ? [] : verifiedSince(oldest - CATCH_UP_MARGIN_MS, config.conversion.maxPending);
        },
      } : {}),
    });
  }

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

  /** Every counter the request touches, in reporting order. */
  function steps(input: GuardInput): Step[] {
    const { e164 } = input.dest;
    const phoneKey = hash('phone', e164);
    const range = hash('prefix', numberPrefix(e164));
    const out: Step[] = [];
    const add = (counters: Counter[], key: string) => {
      for (const counter of counters) out.push({ counter, key });
    };
    add(phone, phoneKey);
    const userKey = input.userId !== undefined && input.userId !== '' ? hash('user', `id:${input.userId}`)
      : input.login !== undefined && input.login !== '' ? hash('user', `login:${input.login.toLowerCase()}`) : undefined;
    if (userKey) add(user, userKey);
    if (input.clientIp) add(ip, hash('ip', ipIdentity(input.clientIp)));
    add(prefix, range);
    if (distinct) out.push({ counter: distinct, key: range, member: phoneKey });
    const cc = input.dest.country ?? 'unknown';
    add(countryOverride.get(cc) ?? country, cc);
    add(global, 'all');
    return out;
  }

  const duplicate: Verdict = { allow: false, rule: 'claim.held', duplicate: true };

  /**
   * The counters and, with conversion rules on, the blocks of the request's scopes. With Redis
   * both are one admission script (one round trip); in memory, and while Redis does not answer,
   * this instance's copies of the blocks decide first, so a blocked scope takes no slot anywhere.
   */
  async function limited(input: GuardInput, probe: ConversionProbe | undefined): Promise<Verdict> {
    let decision: ConversionDecision | undefined;
    if (probe && !deps.redis) {
      decision = conversion.decide(probe);
      if (decision.refuse) return refused(decision.refuse, false, input);
    }
    const admitted = await gate.admit({
      steps: steps(input), ...(input.claim ? { claim: input.claim } : {}),
      ...(probe && deps.redis ? { blocks: conversion.blockCheck(probe) } : {}),
    });
    if (admitted.state === 'claimed') return duplicate;
    if (probe && deps.redis) {
      decision = conversion.decide(probe, admitted.state === 'unavailable' ? undefined : admitted.blocks);
      if (decision.refuse) return refused(decision.refuse, false, input);
    }
    const monitored = decision && decision.monitored.length > 0 ? { monitored: decision.monitored } : {};
    switch (admitted.state) {
      case 'refused':
        return refused(admitted.rule, admitted.degraded, input);
      case 'unavailable':
        return store.failMode === 'closed' ? refused('store.unavailable', true, input) : { allow: true, degraded: true, ...monitored };
      case 'ok':
        return admitted.degraded ? { allow: true, degraded: true, ...monitored } : { allow: true, ...monitored };
    }
  }

  /** Claims `input.claim` alone, for a request that counts nothing; true when another call holds it. */
  async function heldElsewhere(input: GuardInput): Promise<boolean> {
    if (!input.claim || !deps.redis) return false;
    return (await gate.admit({ steps: [], claim: input.claim })).state === 'claimed';
  }

  async function check(input: GuardInput): Promise<Verdict> {
    const by = allowedBy(input);
    if (!(by && allow.skipPolicy)) {
      const rule = policyRule(config, input.channel, input.dest) ?? enrollmentRule(config, input.requestType, input.channel, input.dest);
      if (rule) return (await heldElsewhere(input)) ? duplicate : refused(rule, false, input);
    }
    if (by) {
      if (await heldElsewhere(input)) return duplicate;
      log.info({ allowedBy: by, channel: input.channel, to: maskPhone(input.dest.e164), country: input.dest.country },
        'guard: limits skipped by an allow override');
      return { allow: true, allowedBy: by };
    }
    try {
      if (config.enrollment.requireVerifiedCountry && input.requestType === 'pre-enrollment' && !conversion.everVerified(input.channel, input.dest)) {
        return refused('enrollment.unproven', false, input);
      }
      return await limited(input, conversion.active ? conversion.probe(input) : undefined);
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
      if (tracking) conversion.recordSend(send);
    },
    recordVerified: (verified) => {
      const here = conversion.recordVerified(verified);
      // Another instance may hold the send (the feed is processed on one instance only).
      if (!here) relay?.publish(verified.eventId);
      return here;
    },
    listening,
    blocks: () => conversion.blocks(),
    lift: (id, by) => conversion.lift(id, by),
    async close() {
      closed = true;
      await Promise.allSettled([...inflight]);
      relay?.close();
    },
  };
}
