export { createGuard, type Guard, type GuardDeps, type GuardInput, type GuardLog, type Verdict } from './guard.js';
export { guardSchema, limitsSchema, type LimitsConfig, type GuardConfig, type GuardConfigInput, type LimitWindow, type CountryPolicy } from './schema.js';
export { policyRule } from './policy.js';
