// Conversion-aware blocking (issue 17, item 1). Every send admitted is counted per number prefix
// (one count per configured length) and per country × channel; the verification feed (Okta's
// event hook or System Log, through `recordVerified`) marks it verified. A send is a failure only
// once its code expired (otpExpires plus a grace for late events): until then it is pending and
// counts for nothing. A scope is blocked when it has enough decided sends and the Wilson upper
// bound of its conversion is below `share` × its country × channel baseline.
//
// Work per request is constant: a few Map lookups and sums over each key's fixed ring of buckets
// (rolling.ts); expired sends are settled a few at a time from the front of an insertion-ordered Map.
import { createHash } from 'node:crypto';
import type { Channel, Destination, RequestType } from '../../core/domain.js';
import type { GuardLog } from '../store-health.js';
import type { ConversionConfig, ConversionMode } from './schema.js';
import { RollingCounts } from './rolling.js';
import { wilsonUpper, zFor } from './wilson.js';
import { BlockBook, RENEW_EVERY_MS, type BlockStore, type BlockView, type Evidence } from './blocks.js';
import type { BlockCheck, BlockStep, SharedBlocks } from '../gate.js';
import type { Alert } from './alerts.js';

export interface SendRecord {
  /** Okta's eventId: what the verification is later matched by. */
  eventId: string;
  channel: Channel;
  requestType: RequestType;
  dest: Destination;
  otpExpires?: Date;
}

export interface VerifiedRecord {
  /** The eventId of the hook call whose code was used (the delivery-log row the join matched). */
  eventId: string;
}

/** One request's scopes, between the two steps of its check (`probe`, then `decide`). */
export interface ConversionProbe {
  now: number;
  cooldownMs: number;
  scopes: {
    id: string;
    rule: string;
    enforce: boolean;
    /** The block this instance's evidence calls for, started where none is on. */
    fresh?: BlockView;
  }[];
}

export interface ConversionDecision {
  /** The enforced rule that refuses the request. */
  refuse?: string;
  /** Rules in monitor mode that would have refused it. */
  monitored: string[];
}

export interface ConversionDeps {
  now: () => number;
  log: GuardLog;
  /** Blocks shared through Redis. */
  store?: BlockStore;
  /** Keyed hash for block ids (the same on every instance); an unkeyed SHA-256 without it. */
  hash?: (kind: string, value: string) => string;
  alert?: Alert;
  /**
   * False while verifications processed on other instances cannot reach this one (relay.ts):
   * expired sends then wait instead of counting as failures.
   */
  live?: () => boolean;
}

interface Scope {
  rule: string;
  mode: ConversionMode;
  minSends: number;
  key: string;
  label: string;
}

interface Pending {
  sentAt: number;
  keys: string[];
  baselineKey: string;
  bucket: number;
  baselineBucket: number;
  /** otpExpires + grace: unverified by then, it is a failure. */
  settleAt: number;
  /** Sent while one of its scopes was blocked or monitored: kept out of the baseline. */
  suspect: boolean;
}

/** Expired sends settled per call, at most: more than one, so settling keeps ahead of sending. */
const SETTLE_BUDGET = 16;
/** How often ended blocks are looked for. */
const SWEEP_EVERY_MS = 60_000;
/** How long a computed baseline is reused. */
const BASELINE_TTL_MS = 60_000;

export class ConversionTracker {
  private readonly recent: RollingCounts;
  private readonly longRun: RollingCounts;
  private readonly pending = new Map<string, Pending>();
  private readonly baselines = new Map<string, { at: number; value: number; floor: boolean }>();
  private readonly book: BlockBook;
  /** Blocks this instance started: it announces their end. */
  private readonly owned = new Set<string>();
  private readonly z: number;
  private readonly hash: (kind: string, value: string) => string;
  private lastSweep = 0;
  private feedWarned = false;

  constructor(private readonly config: ConversionConfig, private readonly deps: ConversionDeps) {
    this.recent = new RollingCounts(config.bucketSeconds * 1_000, config.windowSeconds * 1_000);
    this.longRun = new RollingCounts(config.baseline.bucketSeconds * 1_000, config.baseline.windowSeconds * 1_000);
    this.book = new BlockBook(deps.now, deps.log, deps.store);
    this.z = zFor(config.confidence);
    this.hash = deps.hash ?? ((kind, value) => createHash('sha256').update(`${kind}\0${value}`).digest('base64url').slice(0, 22));
  }

  /** Whether any rule is on: when none is, the guard skips the tracker entirely. */
  get active(): boolean {
    return this.modeOf(this.config.prefixes.mode) !== 'off' || this.modeOf(this.config.countries.mode) !== 'off';
  }

  private modeOf(own: ConversionMode | undefined): ConversionMode {
    return own ?? this.config.mode;
  }

  private scopes(channel: Channel, dest: Destination): Scope[] {
    const { prefixes, countries } = this.config;
    const out: Scope[] = [];
    const prefixMode = this.modeOf(prefixes.mode);
    for (const drop of prefixes.dropDigits) {
      const prefix = dest.e164.slice(0, Math.max(2, dest.e164.length - drop));
      out.push({ rule: `conversion.prefix.${drop}`, mode: prefixMode, minSends: prefixes.minSends, key: `p${drop}:${channel}:${prefix}`, label: `${prefix}${'x'.repeat(drop)}` });
    }
    const cc = dest.country ?? 'unknown';
    out.push({ rule: 'conversion.country', mode: this.modeOf(countries.mode), minSends: countries.minSends, key: `cc:${channel}:${cc}`, label: cc });
    return out;
  }

  private idOf(scope: Scope): string {
    return `${scope.rule}:${this.hash('block', scope.key)}`;
  }

  /** The baseline of a country × channel: its long-run conversion outside blocked scopes, or the floor. */
  private baseline(key: string, now: number): { value: number; floor: boolean } {
    const cached = this.baselines.get(key);
    if (cached && now - cached.at < BASELINE_TTL_MS) return cached;
    const t = this.longRun.sum(key, now);
    const decided = t.verified + t.failed;
    const { minSends, floor } = this.config.baseline;
    const entry = decided >= minSends ? { at: now, value: t.verified / decided, floor: false } : { at: now, value: floor, floor: true };
    this.baselines.set(key, entry);
    if (this.baselines.size > 10_000) this.baselines.delete(this.baselines.keys().next().value!);
    return entry;
  }

  /** The evidence against a scope now, and whether it is strong enough to block. */
  private judge(scope: Scope, channel: Channel, dest: Destination, now: number): { evidence: Evidence; block: boolean } {
    const t = this.recent.sum(scope.key, now);
    const decided = t.verified + t.failed;
    const base = this.baseline(`${channel}:${dest.country ?? 'unknown'}`, now);
    const upper = wilsonUpper(t.verified, decided, this.z);
    const threshold = this.config.share * base.value;
    const evidence: Evidence = {
      sent: t.sent, verified: t.verified, failed: t.failed, windowSeconds: this.config.windowSeconds,
      baseline: round(base.value), baselineIsFloor: base.floor, upper: round(upper), threshold: round(threshold),
    };
    return { evidence, block: decided >= scope.minSends && upper < threshold && this.feedAlive(now) };
  }

  /**
   * Whether verifications arrive at all. With no feed configured (or a broken one) every send
   * would look unverified and every scope would be blocked; a warning says so instead.
   */
  private feedAlive(now: number): boolean {
    const all = this.longRun.sum('all', now);
    if (all.verified > 0) return true;
    if (!this.feedWarned) {
      this.feedWarned = true;
      this.deps.log.warn('guard: conversion rules are on but no verification has arrived; they act once the Okta verification feed delivers');
    }
    return false;
  }

  /**
   * Step one of a request's conversion check, before the counters: its enforced or monitored
   * scopes, each with its block id and this instance's judgement. Undefined when every rule is off.
   */
  probe(input: { channel: Channel; dest: Destination }): ConversionProbe | undefined {
    const now = this.deps.now();
    this.settle(now);
    this.sweep(now);
    const scopes = this.scopes(input.channel, input.dest).filter((s) => s.mode !== 'off');
    if (scopes.length === 0) return undefined;
    const cooldownMs = this.config.cooldownSeconds * 1_000;
    return {
      now,
      cooldownMs,
      scopes: scopes.map((scope) => {
        const id = this.idOf(scope);
        const judged = this.judge(scope, input.channel, input.dest, now);
        const fresh: BlockView | undefined = judged.block ? {
          id, rule: scope.rule, mode: scope.mode as 'enforce' | 'monitor', channel: input.channel, scope: scope.label,
          ...(input.dest.country === undefined ? {} : { country: input.dest.country }),
          startedAt: now, until: now + cooldownMs, evidence: judged.evidence,
        } : undefined;
        return { id, rule: scope.rule, enforce: scope.mode === 'enforce', ...(fresh ? { fresh } : {}) };
      }),
    };
  }

  /** What the admission script needs for the probe's scopes, and the rule this instance's copies refuse with. */
  blockCheck(probe: ConversionProbe): BlockCheck {
    const steps = probe.scopes.map((s): BlockStep => ({ id: s.id, rule: s.rule, enforce: s.enforce, ...(s.fresh ? { start: JSON.stringify(s.fresh) } : {}) }));
    const offline = probe.scopes.find((s) => {
      const copy = this.book.copy(s.id);
      return s.enforce && (copy ? copy.lifted === undefined : s.fresh !== undefined);
    })?.rule;
    return {
      steps, now: probe.now, cooldownMs: probe.cooldownMs, renewEveryMs: Math.min(RENEW_EVERY_MS, probe.cooldownMs / 2),
      ...(offline ? { offline } : {}),
    };
  }

  /**
   * Step two: the decision. `shared`: the blocks as the admission script left them (it started
   * and renewed them in Redis); without it (no Redis, or Redis did not answer) this instance's
   * copies decide, and a block is started or renewed here (and written to Redis when it answers).
   */
  decide(probe: ConversionProbe, shared?: SharedBlocks): ConversionDecision {
    const decision: ConversionDecision = { monitored: [] };
    const found = shared ? this.book.shared(probe.scopes.map((s) => s.id), shared.values) : probe.scopes.map((s) => this.book.copy(s.id));
    probe.scopes.forEach((scope, i) => {
      let block = found[i];
      if (block?.lifted) return;
      if (shared) {
        if (!block) return;
        if (shared.started[i]) this.started(block);
      } else if (!block) {
        if (!scope.fresh) return;
        block = scope.fresh;
        this.book.put(block, true);
        this.started(block);
      } else if (scope.enforce || scope.fresh) {
        // Renewed while it goes on: refused requests keep arriving, or the evidence still holds.
        block = { ...block, mode: scope.enforce ? 'enforce' : 'monitor', until: probe.now + probe.cooldownMs, ...(scope.fresh ? { evidence: scope.fresh.evidence } : {}) };
        this.book.put(block);
      }
      if (scope.enforce) decision.refuse ??= scope.rule;
      else decision.monitored.push(scope.rule);
    });
    return decision;
  }

  private started(block: BlockView): void {
    this.owned.add(block.id);
    this.deps.log.warn({ rule: block.rule, mode: block.mode, channel: block.channel, country: block.country, scope: block.scope, evidence: block.evidence },
      block.mode === 'enforce' ? 'guard: conversion block started' : 'guard: conversion block started (monitor: still sending)');
    this.deps.alert?.({ event: 'block.started', block });
  }

  /** Counts a send that went out (called once per hook call that reached a provider). */
  recordSend(send: SendRecord): void {
    const now = this.deps.now();
    this.settle(now);
    if (this.pending.has(send.eventId)) return;
    const validity = this.config.validitySeconds * 1_000;
    const expires = send.otpExpires ? Math.min(Math.max(send.otpExpires.getTime(), now), now + 86_400_000) : now + validity;
    const keys = this.scopes(send.channel, send.dest).map((s) => s.key);
    const bucket = this.recent.bucketOf(now);
    for (const key of keys) this.recent.add(key, bucket, 'sent', now);
    const suspect = keys.some((key, i) => this.locallyBlocked(key, i));
    const baselineKey = `${send.channel}:${send.dest.country ?? 'unknown'}`;
    const baselineBucket = this.longRun.bucketOf(now);
    this.pending.set(send.eventId, { sentAt: now, keys, baselineKey, bucket, baselineBucket, settleAt: expires + this.config.graceSeconds * 1_000, suspect });
    if (this.pending.size > this.config.maxPending) this.pending.delete(this.pending.keys().next().value!);
  }

  private locallyBlocked(key: string, index: number): boolean {
    const rule = index < this.config.prefixes.dropDigits.length ? `conversion.prefix.${this.config.prefixes.dropDigits[index]}` : 'conversion.country';
    return this.book.has(`${rule}:${this.hash('block', key)}`);
  }

  /**
   * A code was used. Returns false when the send is unknown here (never sent by this instance,
   * already verified, or settled as expired), so a duplicate event never counts twice.
   */
  recordVerified(v: VerifiedRecord): boolean {
    const now = this.deps.now();
    const p = this.pending.get(v.eventId);
    if (!p) return false;
    this.pending.delete(v.eventId);
    for (const key of p.keys) this.recent.add(key, p.bucket, 'verified', now);
    if (!p.suspect) this.longRun.add(p.baselineKey, p.baselineBucket, 'verified', now);
    this.longRun.add('all', p.baselineBucket, 'verified', now);
    return true;
  }

  /** Whether a code sent to this country × channel was verified within the baseline window. */
  everVerified(channel: Channel, dest: Destination): boolean {
    return this.longRun.sum(`${channel}:${dest.country ?? 'unknown'}`, this.deps.now()).verified > 0;
  }

  /** When the oldest send still awaiting its verification went out; undefined when none waits. */
  oldestPendingAt(): number | undefined {
    return this.pending.values().next().value?.sentAt;
  }

  private settle(now: number): void {
    if (this.deps.live?.() === false) return;
    let budget = SETTLE_BUDGET;
    for (const [eventId, p] of this.pending) {
      if (budget-- === 0 || p.settleAt > now) return;
      this.pending.delete(eventId);
      for (const key of p.keys) this.recent.add(key, p.bucket, 'failed', now);
      if (!p.suspect) this.longRun.add(p.baselineKey, p.baselineBucket, 'failed', now);
      this.longRun.add('all', p.baselineBucket, 'failed', now);
    }
  }

  /** At most once a minute: announce the end of the blocks this instance started. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    const over = this.book.ended();
    if (over.length === 0) return;
    void this.book.lookup(over.map((b) => b.id)).then((still) => {
      over.forEach((block, i) => {
        // Another instance renewed it: still on (lookup keeps the shared copy).
        if (still[i]) return;
        if (!this.owned.delete(block.id)) return;
        this.deps.log.info({ rule: block.rule, channel: block.channel, country: block.country, scope: block.scope }, 'guard: conversion block ended');
        if (!block.lifted) this.deps.alert?.({ event: 'block.ended', block });
      });
    }, () => undefined);
  }

  /** Active blocks with their evidence (lifted ones included, marked). */
  blocks(): Promise<BlockView[]> {
    return this.book.list();
  }

  /**
   * Lifts a block: the scope sends again and is not blocked again before the cooldown it had
   * would have ended. Returns the lifted block, or undefined when no such block is active.
   */
  async lift(id: string, by: string): Promise<BlockView | undefined> {
    const [block] = await this.book.lookup([id]);
    if (!block || block.lifted) return undefined;
    const now = this.deps.now();
    const lifted: BlockView = { ...block, until: now + this.config.cooldownSeconds * 1_000, lifted: { by, at: now } };
    this.book.put(lifted, true);
    this.deps.log.warn({ rule: block.rule, channel: block.channel, country: block.country, scope: block.scope, by }, 'guard: conversion block lifted by an admin');
    this.deps.alert?.({ event: 'block.lifted', block: lifted });
    return lifted;
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
