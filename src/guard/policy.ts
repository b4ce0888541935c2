// Policy: what may never be sent, whatever the counters say. Pure functions over the config; no
// counting, no I/O, so they cannot fail at runtime: nothing for a fail-open setting to open.
import type { Channel, Destination, NumberType, RequestType } from '../core/domain.js';
import type { GuardConfig } from './schema.js';

/** The policy rule a destination breaks on a channel, or undefined when it may be sent to. */
export function policyRule(config: GuardConfig, channel: Channel, dest: Destination): string | undefined {
  const { numbers, countries } = config;
  if (!dest.valid && numbers.refuseInvalid) return 'numbers.invalid';
  if (refusedTypes(config).has(dest.type)) return `numbers.type.${dest.type}`;
  const policy = countries[channel];
  if (policy.allow && (dest.country === undefined || !policy.allow.includes(dest.country))) return `countries.${channel}`;
  if (policy.deny && dest.country !== undefined && policy.deny.includes(dest.country)) return `countries.${channel}`;
  return undefined;
}

/** The enrollment rule a pre-enrollment request breaks (a smaller country list), or undefined. */
export function enrollmentRule(config: GuardConfig, requestType: RequestType, channel: Channel, dest: Destination): string | undefined {
  if (requestType !== 'pre-enrollment') return undefined;
  const policy = config.enrollment.countries[channel];
  if (policy.allow && (dest.country === undefined || !policy.allow.includes(dest.country))) return `enrollment.countries.${channel}`;
  if (policy.deny && dest.country !== undefined && policy.deny.includes(dest.country)) return `enrollment.countries.${channel}`;
  return undefined;
}

const cache = new WeakMap<GuardConfig, ReadonlySet<NumberType>>();

function refusedTypes(config: GuardConfig): ReadonlySet<NumberType> {
  let types = cache.get(config);
  if (!types) {
    types = new Set<NumberType>([...config.numbers.refuseTypes, ...(config.numbers.allowVoip ? [] : ['VOIP' as const])]);
    cache.set(config, types);
  }
  return types;
}
