// What every admin page's API reads: the gateway's own parts, and how a request is checked.
// Each page has its own module beside this one; routes.ts only adapts HTTP.
import * as z from '../../core/zod.js';
import { ERROR_CODES, GatewayError } from '../../core/errors.js';
import type { AdminSettings } from '../schema.js';
import type { DeliveryStore } from '../../store/types.js';
import type { ProviderAdapter } from '../../providers/types.js';
import type { Breaker } from '../../delivery/breaker.js';
import type { Router } from '../../routing/plan.js';
import type { HandleHook } from '../../pipeline/hook.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { Guard } from '../../guard/index.js';

export interface AdminContext {
  config: AdminSettings;
  store: DeliveryStore;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  breakers: ReadonlyMap<string, Breaker>;
  router: Router;
  handleHook: HandleHook;
  /** The process's counters: refusals before the pipeline are counted only there. */
  metrics?: Pick<Metrics, 'refusals'>;
  /** Key of the phone hash in the delivery log, to search by number. */
  hashKey: string;
  /** Conversion blocks: listed and lifted on the admin page (blocks.ts). */
  guard?: Pick<Guard, 'blocks' | 'lift'>;
  /** Every secret value of the configuration (config/secrets.ts): the Configuration page redacts them. */
  secrets: readonly string[];
  now?: () => number;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** A request the admin API refuses, with the problems found. */
export class BadRequest extends GatewayError {
  readonly causes: { path: string; message: string }[];
  constructor(message: string, causes: { path: string; message: string }[] = []) {
    super(ERROR_CODES.BAD_REQUEST, message);
    this.causes = causes;
  }
}

/** Reads `input` with a zod schema; a BadRequest names every problem. */
export function read<T extends z.ZodMiniType>(schema: T, input: unknown, what: string): z.output<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new BadRequest(`invalid ${what}`, r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })));
}

