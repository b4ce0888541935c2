// The Configuration page and the routing the Preview page shows: the effective settings, redacted.
import type { RoutingRule } from '../../routing/schema.js';
import { redactConfig } from '../../core/redact.js';
import type { AdminContext } from './context.js';

export function routing(ctx: AdminContext): { defaultChain: string[]; rules: RoutingRule[]; defaultRegion: string; budgetMs: number } {
  return {
    defaultChain: ctx.config.routing.default ?? Object.keys(ctx.config.providers),
    rules: ctx.config.routing.rules,
    defaultRegion: ctx.config.phone.defaultRegion,
    budgetMs: ctx.config.hook.budgetMs,
  };
}

/** The effective configuration, every secret redacted (by key, by shape and by value). */
export function redactedConfig(ctx: AdminContext): unknown {
  // The substituted values are the secrets to look for, not settings to show.
  const shown: Record<string, unknown> = { ...ctx.config };
  delete shown.environmentValues;
  return redactConfig(shown, ctx.secrets);
}
