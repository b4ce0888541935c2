// The `guard.conversion:` section: conversion-aware blocking (sends against verified codes), and
// the top-level `alerts:` section its blocks are announced through. Off by default: without a
// verification feed (Okta's event hook or System Log) every send would look unverified.
import * as z from 'zod';
import { strictObject } from '../../core/unknown-keys.js';

export const CONVERSION_MODES = ['enforce', 'monitor', 'off'] as const;
export type ConversionMode = (typeof CONVERSION_MODES)[number];

const mode = z.enum(CONVERSION_MODES, { error: 'expected enforce, monitor or off' });
const seconds = (max: number) => z.number().int('expected a whole number of seconds').min(1).max(max);
const share = z.number().min(0).max(1);

export const conversionSchema = strictObject({
  /** The mode of every rule that does not set its own: `enforce` refuses, `monitor` decides, logs, counts and alerts but sends, `off`. */
  mode: mode.default('off'),
  /** Per number prefix and channel: the E.164 number without its last `dropDigits` digits, one rule per length. */
  prefixes: strictObject({
    mode: mode.optional(),
    dropDigits: z.array(z.number().int().min(1).max(8)).min(1).max(4)
      .refine((l) => new Set(l).size === l.length, 'expected each length at most once').default([3, 4]),
    /** Decided sends (verified, or expired unverified) a prefix needs before it can be judged. */
    minSends: z.number().int().min(1).max(100_000).default(8),
  }).prefault({}),
  /** Per destination country and channel. */
  countries: strictObject({
    mode: mode.optional(),
    minSends: z.number().int().min(1).max(1_000_000).default(30),
  }).prefault({}),
  /** How far back the recent conversion looks, and the size of its time buckets. */
  windowSeconds: seconds(7 * 86_400).default(3_600),
  bucketSeconds: seconds(86_400).default(300),
  /** Block when the upper confidence bound of the recent conversion is below this share of the baseline. */
  share: share.default(0.5),
  /** Confidence of the Wilson upper bound (0.95: z = 1.96). */
  confidence: z.number().min(0.5).max(0.9999).default(0.95),
  /** The org's own conversion per country and channel, over a longer window; `floor` until it has `minSends`. */
  baseline: strictObject({
    windowSeconds: seconds(31 * 86_400).default(7 * 86_400),
    bucketSeconds: seconds(86_400).default(3_600),
    minSends: z.number().int().min(1).max(10_000_000).default(200),
    floor: share.default(0.6),
  }).prefault({}),
  /** How long a block lasts; renewed while refused requests keep arriving (default 12 h). */
  cooldownSeconds: seconds(31 * 86_400).default(43_200),
  /** After a code's otpExpires, how long a verification may still arrive before the send counts as unverified. */
  graceSeconds: seconds(86_400).default(300),
  /** A code's validity when Okta sends no otpExpires. */
  validitySeconds: seconds(86_400).default(300),
  /** Sends awaiting their verification, held in memory; the oldest are dropped beyond this. */
  maxPending: z.number().int().min(100).max(10_000_000).default(500_000),
}).refine((c) => c.windowSeconds >= c.bucketSeconds, 'expected windowSeconds at least bucketSeconds')
  .refine((c) => c.windowSeconds / c.bucketSeconds <= 1_000, 'expected at most 1,000 buckets in windowSeconds')
  .refine((c) => c.baseline.windowSeconds / c.baseline.bucketSeconds <= 1_000, 'expected at most 1,000 buckets in baseline.windowSeconds')
  .prefault({});

export type ConversionConfig = z.output<typeof conversionSchema>;

/** The top-level `alerts:` section. */
export const alertsSchema = strictObject({
  /** POSTed a small JSON document when a conversion block starts and ends. */
  webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
  /** Further tries after a failed call, with a growing pause. */
  retries: z.number().int().min(0).max(5).default(2),
}).prefault({});
export type AlertsConfig = z.output<typeof alertsSchema>;
