// What a hook call would do, without sending or recording anything: read the number, apply the
// guard's number and country policy (velocity limits are read by counting, so a dry run never
// consults them), plan the route and build the answer Okta would get. The admin Preview,
// `byot preview --dry-run` (through the hook route) and `byot explain` all show this one result.
import type { CountryCode } from 'libphonenumber-js/max';
import type { Destination, Outcome } from '../core/domain.js';
import { toDestination } from '../core/phone.js';
import type { PhoneConfig } from '../core/phone.js';
import { answerFor, type OktaAnswer } from '../okta/contract.js';
import { enrollmentRule, policyRule, type GuardConfig } from '../guard/index.js';
import type { HookConfig } from '../delivery/schema.js';
import type { RouteInput, RoutePlan, Router } from '../routing/plan.js';

export interface DryRunConfig {
  phone: PhoneConfig;
  guard: GuardConfig;
  hook: HookConfig;
}

export interface DryRunRequest extends Omit<RouteInput, 'dest'> {
  /** The number exactly as Okta sent it. */
  phone: string;
}

export interface DryRun {
  /** Undefined when the text is not a phone number at all. */
  destination?: Destination;
  /** The policy rule that refuses the request, when one does. */
  refusedBy?: string;
  /** Undefined when routing was not reached (not a number, or refused by policy). */
  plan?: RoutePlan;
  outcome: Outcome;
  answer: OktaAnswer;
}

export function dryRun(req: DryRunRequest, config: DryRunConfig, router: Router): DryRun {
  const finish = (outcome: Outcome, rest: Omit<DryRun, 'outcome' | 'answer'> = {}): DryRun =>
    ({ ...rest, outcome, answer: answerFor(outcome, onFailureOf(outcome, config)) });
  const destination = toDestination(req.phone, config.phone.defaultRegion as CountryCode);
  if (!destination) return finish({ status: 'FAILED', reason: 'invalid_number', attempts: [] });
  const refusedBy = policyRule(config.guard, req.channel, destination) ?? enrollmentRule(config.guard, req.requestType, req.channel, destination);
  if (refusedBy) return finish({ status: 'FAILED', reason: 'blocked', blockedBy: refusedBy, attempts: [] }, { destination, refusedBy });
  const plan = router.plan({ channel: req.channel, requestType: req.requestType, locale: req.locale, dest: destination, eventId: req.eventId });
  const first = plan.chain[0];
  return finish(first
    ? { status: 'SUCCESSFUL', provider: first.name, transactionId: 'dry-run', attempts: [] }
    : { status: 'FAILED', reason: 'no_provider', attempts: [] }, { destination, plan });
}

/** Okta's answer to a refusal by the guard may differ from its answer to a failed delivery (`guard.onBlock`). */
export function onFailureOf(outcome: Outcome, config: { hook: HookConfig; guard: GuardConfig }): 'error' | 'FAILED' {
  return outcome.reason === 'blocked' ? (config.guard.onBlock ?? config.hook.onFailure) : config.hook.onFailure;
}
