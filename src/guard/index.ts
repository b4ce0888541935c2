export { createGuard, type Guard, type GuardDeps, type GuardInput, type GuardLog, type Verdict } from './guard.js';
export { guardSchema, limitsSchema, type LimitsConfig, type GuardConfig, type GuardConfigInput, type LimitWindow, type CountryPolicy } from './schema.js';
export { enrollmentRule, policyRule } from './policy.js';
export { conversionSchema, alertsSchema, type ConversionConfig, type AlertsConfig } from './conversion/schema.js';
export { createAlerter, type Alerter, type BlockAlert } from './conversion/alerts.js';
export type { BlockView, Evidence } from './conversion/blocks.js';
export type { SendRecord, VerifiedRecord } from './conversion/tracker.js';
export { withTimeout } from './store-timeout.js';
