import type { Channel } from '../domain.js';
import type { ProviderAdapter } from '../providers/types.js';

/**
 * The providers to try, in order: the configured default chain (or every provider in
 * configuration order), keeping those that serve the channel.
 */
export function planChain(adapters: ReadonlyMap<string, ProviderAdapter>, order: readonly string[], channel: Channel): ProviderAdapter[] {
  return order.map((name) => adapters.get(name)).filter((a): a is ProviderAdapter => a !== undefined && a.channels.has(channel));
}
