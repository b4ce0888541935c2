// The `guard.conversion:` section: conversion-aware blocking (sends against verified codes), and
// the top-level `alerts:` section its blocks are announced through. Off by default: without a
// verification feed (Okta's event hook or System Log) every send would look unverified.
import * as z from '../../core/zod.js';
import { strictObject } from '../../core/unknown-keys.js';

export const CONVERSION_MODES = ['enforce', 'monitor', 'off'] as const;
export type ConversionMode = (typeof CONVERSION_MODES)[number];

const mode = z.enum(CONVERSION_MODES, { error: 'expected enforce, monitor or off' });
const seconds = (max: number) => z.number().check(z.int('expected a whole number of seconds'), z.gte(1), z.lte(max));
const share = z.number().check(z.gte(0), z.lte(1));

export const conversionSchema = z.prefault(strictObject({
  /** The mode of every rule that does not set its own: `enforce` refuses, `monitor` decides, logs, counts and alerts but sends, `off`. */
  mode: z._default(mode, 'off'),
  /** Per number prefix and channel: the E.164 number without its last `dropDigits` digits, one rule per length. */
  prefixes: z.prefault(strictObject({
    mode: z.optional(mode),
    dropDigits: z._default(z.array(z.int().check(z.gte(1), z.lte(8))).check(
      z.minLength(1), z.maxLength(4), z.refine((l) => new Set(l).size === l.length, 'expected each length at most once'),
    ), [3, 4]),
    /** Decided sends (verified, or expired unverified) a prefix needs before it can be judged. */
    minSends: z._default(z.int().check(z.gte(1), z.lte(100_000)), 8),
  }), {}),
  /** Per destination country and channel. */
  countries: z.prefault(strictObject({
    mode: z.optional(mode),
    minSends: z._default(z.int().check(z.gte(1), z.lte(1_000_000)), 30),
  }), {}),
  /** How far back the recent conversion looks, and the size of its time buckets. */
  windowSeconds: z._default(seconds(7 * 86_400), 3_600),
  bucketSeconds: z._default(seconds(86_400), 300),
  /** Block when the upper confidence bound of the recent conversion is below this share of the baseline. */
  share: z._default(share, 0.5),
  /** Confidence of the Wilson upper bound (0.95: z = 1.96). */
  confidence: z._default(z.number().check(z.gte(0.5), z.lte(0.9999)), 0.95),
  /** The org's own conversion per country and channel, over a longer window; `floor` until it has `minSends`. */
  baseline: z.prefault(strictObject({
    windowSeconds: z._default(seconds(31 * 86_400), 7 * 86_400),
    bucketSeconds: z._default(seconds(86_400), 3_600),
    minSends: z._default(z.int().check(z.gte(1), z.lte(10_000_000)), 200),
    floor: z._default(share, 0.6),
  }), {}),
  /** How long a block lasts; renewed while refused requests keep arriving (default 12 h). */
  cooldownSeconds: z._default(seconds(31 * 86_400), 43_200),
  /** After a code's otpExpires, how long a verification may still arrive before the send counts as unverified. */
  graceSeconds: z._default(seconds(86_400), 300),
  /** A code's validity when Okta sends no otpExpires. */
  validitySeconds: z._default(seconds(86_400), 300),
  /** Sends awaiting their verification, held in memory; the oldest are dropped beyond this. */
  maxPending: z._default(z.int().check(z.gte(100), z.lte(10_000_000)), 500_000),
}).check(
  z.refine((c) => c.windowSeconds >= c.bucketSeconds, 'expected windowSeconds at least bucketSeconds'),
  z.refine((c) => c.windowSeconds / c.bucketSeconds <= 1_000, 'expected at most 1,000 buckets in windowSeconds'),
  z.refine((c) => c.baseline.windowSeconds / c.baseline.bucketSeconds <= 1_000, 'expected at most 1,000 buckets in baseline.windowSeconds'),
), {});

export type ConversionConfig = z.output<typeof conversionSchema>;

/** The top-level `alerts:` section. */
export const alertsSchema = z.prefault(strictObject({
  /** POSTed a small JSON document when a conversion block starts and ends. */
  webhookUrl: z.optional(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })),
  timeoutMs: z._default(z.int().check(z.gte(100), z.lte(30_000)), 3_000),
  /** Further tries after a failed call, with a growing pause. */
  retries: z._default(z.int().check(z.gte(0), z.lte(5)), 2),
}), {});
export type AlertsConfig = z.output<typeof alertsSchema>;
