import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { CALLBACK_ROUTE, VOICE_ROUTE, providerUrl } from '../http/paths.js';
import type { ProviderAdapter } from '../providers/types.js';
import { providerKind } from '../providers/registry.js';

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
      callbackUrl: base ? providerUrl(base, CALLBACK_ROUTE, kind.kind, name) : undefined,
      voiceUrl: base ? providerUrl(base, VOICE_ROUTE, kind.kind, name) : undefined,
    }));
  }
  return adapters;
}
