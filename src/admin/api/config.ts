// The Configuration page and the routing the Preview page shows: the effective settings, redacted.
import type { Config } from '../../config/load.js';
import { redactConfig } from '../redact.js';
import type { AdminContext } from './context.js';

export function routing(ctx: AdminContext): { defaultChain: string[]; rules: Config['routing']['rules']; defaultRegion: string; budgetMs: number } {
  return {
    defaultChain: ctx.config.routing.default ?? Object.keys(ctx.config.providers),
    rules: ctx.config.routing.rules,
    defaultRegion: ctx.config.phone.defaultRegion,
    budgetMs: ctx.config.hook.budgetMs,
  };
}

/** The effective configuration, every secret redacted (by key, by shape and by value). */
export function redactedConfig(ctx: AdminContext): unknown {
  const c = ctx.config;
  const known = [ctx.hashKey, c.admin.token, ...c.admin.users.map((u) => u.password), c.metrics.token, c.store.hashKey];
  if (c.auth.type === 'header') known.push(...c.auth.secrets);
  return redactConfig(c, known);
}
