import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { ProviderAdapter } from './types.js';
import { providerKind } from './registry.js';

/** One adapter per configured provider, in configuration order. */
export function buildAdapters(config: Config, log: Logger): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const [name, options] of Object.entries(config.providers)) {
    const kind = providerKind(options.kind);
    // loadConfig already refused unknown kinds; this guards callers that built a Config by hand.
    if (!kind) throw new Error(`providers.${name}.kind: unknown provider kind "${options.kind}"`);
    const base = config.server.publicUrl;
    adapters.set(name, kind.create(name, options, {
      log: log.child({ provider: name }),
      callbackUrl: base ? `${base}/callbacks/${kind.kind}/${name}` : undefined,
      voiceUrl: base ? `${base}/voice/${kind.kind}/${name}` : undefined,
    }));
  }
  return adapters;
}
