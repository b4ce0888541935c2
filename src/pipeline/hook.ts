// The one path every OTP request takes (docs/architecture.md): normalise the number, claim the eventId,
// plan, deliver under the deadline, record, answer. The HTTP route, the admin Preview and the
// CLI all call this; nothing here knows about HTTP.
import type { Logger } from 'pino';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Destination, OtpRequest, Outcome } from '../core/domain.js';
import type { PhoneConfig } from '../core/phone.js';
import type { HookConfig, MessagesConfig } from '../delivery/schema.js';
import type { DeliveryStore } from '../store/types.js';
import { answerFor, type OktaAnswer } from '../okta/contract.js';
import { toDestination } from '../core/phone.js';
import { maskLogin, maskPhone, phoneHash } from '../core/mask.js';
import { Deadline, pause, untilAborted } from '../core/deadline.js';
import { deliver, type AttemptMessage } from '../delivery/deliver.js';
import { spokenLocale } from '../delivery/spoken.js';
import { smsText, voiceScript } from '../delivery/messages.js';
import type { RoutePlan, Router } from '../routing/plan.js';
import type { Breaker } from '../delivery/breaker.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Guard, GuardConfig, Verdict } from '../guard/index.js';
import { dryRun, onFailureOf } from './dry-run.js';
import type { RedisClaims } from '../store/redis-claims.js';
import { verifyUntil } from '../store/sql.js';
import type { HeldSend, Resender } from './resend.js';

/** What the pipeline reads of the configuration. */
export interface PipelineConfig {
  phone: PhoneConfig;
  hook: HookConfig;
  guard: GuardConfig;
  messages: MessagesConfig;
}

export interface HookDeps {
  config: PipelineConfig;
  store: DeliveryStore;
  router: Router;
  breakers: ReadonlyMap<string, Breaker>;
  metrics: Metrics;
  guard: Guard;
  /** Idempotency keys shared through Redis, when instances share one. */
  claims?: RedisClaims;
  /** Key of the phone hash kept in the delivery log. */
  hashKey: string;
  log: Logger;
  /** The clock rows are stamped with (a simulated one in bench/fraud.ts). */
  now?: () => number;
  /** Holds the calls of routes with `resendOnUndelivered` for their receipts (pipeline/resend.ts). */
  resender?: Resender;
}

export interface HookResult {
  answer: OktaAnswer;
  /** Absent when the answer was replayed for a repeated eventId. */
  outcome?: Outcome;
  /** The route taken, with reasons (absent for replays and unusable numbers). */
  plan?: RoutePlan;
  /** Dry runs only: what each provider of the plan would be given to send or speak, in attempt order. */
  texts?: PlannedText[];
}

/** The exact text an attempt carries: the SMS body, or the script a call speaks (with the code in it). */
export interface PlannedText {
  provider: string;
  text: string;
  locale: string;
}

export interface HookOptions {
  /** Route the request and build the answer, but send nothing and record nothing (Preview's dry run). */
  dryRun?: boolean;
  /** Where the call came from (Okta, or the proxy in front), for the call's log line. */
  remoteAddress?: string;
}

export type HandleHook = (req: OtpRequest, deadline: Deadline, opts?: HookOptions) => Promise<HookResult>;

/** How often a duplicate whose first call runs elsewhere looks for the stored answer. */
const DUPLICATE_POLL_MS = 25;

export function createHook(deps: HookDeps): HandleHook {
  const { config, store, router, breakers, metrics, guard, claims, log } = deps;
  const now = deps.now ?? Date.now;
  const region = config.phone.defaultRegion as CountryCode;
  /** A repeat whose first call has not finished by the deadline: nothing was sent for the repeat. */
  const stillInFlight = answerFor({ status: 'PENDING', attempts: [], reason: 'duplicate_in_flight' }, config.hook.onFailure);
  // Calls in progress in this process: a concurrent duplicate waits for the same answer.
  const inflight = new Map<string, Promise<HookResult>>();

  async function run(req: OtpRequest, deadline: Deadline, remoteAddress: string | undefined): Promise<HookResult> {
    const started = performance.now();
    const replay = async (lookup: (eventId: string) => Promise<OktaAnswer | undefined>, first?: OktaAnswer): Promise<HookResult> => {
      const answer = first ?? (await awaitAnswer(req.eventId, lookup, deadline));
      metrics.hook('replayed', req.channel, req.requestType, (performance.now() - started) / 1_000);
      return { answer };
    };
    const dest = toDestination(req.phone, region);
    const guardInput = dest && {
      channel: req.channel, requestType: req.requestType, dest, userId: req.user.userId, login: req.user.login, clientIp: req.clientIp,
    };
    // With claims in Redis, a usable number is claimed in the guard's own round trip, together
    // with the counting, before the delivery log's claim: a repeat is then never counted. (Should
    // the delivery log know the eventId all the same, after Redis lost its key, the repeat counted
    // once more than needed: stricter, never looser.)
    let verdict: Verdict | undefined;
    if (claims) {
      verdict = guardInput && (await guard.check({ ...guardInput, claim: claims.claimKey(req.eventId) }));
      const duplicate = verdict ? !verdict.allow && verdict.duplicate === true : !(await claimShared(req.eventId));
      // The delivery log is asked too: it has the answer even when storing it in Redis failed.
      if (duplicate) return replay(async (id) => (await claims.answerOf(id).catch(() => undefined)) ?? store.answerOf(id));
    }

    const masked = maskPhone(dest?.e164 ?? req.phone);
    const receivedAt = now();
    const claim = await store.claim({
      eventId: req.eventId,
      receivedAt,
      requestType: req.requestType,
      channel: req.channel,
      phoneMasked: masked,
      phoneHash: phoneHash(dest?.e164 ?? req.phone, deps.hashKey),
      country: dest?.country,
      userId: req.user.userId,
      login: req.user.login,
      locale: req.locale,
      preview: req.preview,
      otpExpires: req.otpExpires?.getTime(),
    });
    if (!claim.claimed) return replay((id) => store.answerOf(id), claim.answer);

    let outcome: Outcome = { status: 'FAILED', reason: 'invalid_number', attempts: [] };
    let plan: RoutePlan | undefined;
    let monitored: string[] | undefined;
    /** Kept for a resend once the row records the send: a receipt can only find a completed row. */
    let resendable: HeldSend | undefined;
    if (dest && guardInput) {
      // After the claim, so a repeated eventId is never counted twice.
      verdict ??= await guard.check(guardInput);
      if (!verdict.allow) {
        metrics.blocked(verdict.rule);
        outcome = { status: 'FAILED', reason: 'blocked', blockedBy: verdict.rule, attempts: [] };
      } else {
        monitored = verdict.monitored;
        for (const rule of monitored ?? []) metrics.monitored(rule);
        plan = router.plan({ channel: req.channel, requestType: req.requestType, locale: req.locale, dest, eventId: req.eventId });
        const msg = message(req, dest, config.messages);
        outcome = await deliver(plan.chain, msg, deadline, { opts: config.hook, log, breakers, metrics });
        if (plan.resendOnUndelivered && outcome.status === 'SUCCESSFUL' && outcome.provider !== undefined && outcome.transactionId !== undefined) {
          resendable = {
            eventId: req.eventId, channel: req.channel, message: msg, chain: plan.chain, attempts: outcome.attempts,
            provider: outcome.provider, transactionId: outcome.transactionId, until: verifyUntil({ receivedAt, otpExpires: req.otpExpires?.getTime() }),
          };
        }
        // A code that reached a provider awaits its verification (the conversion rules).
        if (outcome.status !== 'FAILED') {
          guard.recordSend({ eventId: req.eventId, channel: req.channel, requestType: req.requestType, dest, otpExpires: req.otpExpires });
        }
      }
    }
    const answer = answerFor(outcome, onFailureOf(outcome, config));
    const latencyMs = Math.round(performance.now() - started);
    try {
      await store.complete(req.eventId, { ...outcome, latencyMs, answer });
      if (resendable) deps.resender?.hold(resendable);
    } catch (err) {
      // The message may be out already: Okta still gets the true answer, the operator an error line.
      log.error({ err, eventId: req.eventId }, 'could not record the hook call');
    }
    await claims?.complete(req.eventId, answer).catch((err: unknown) => log.warn({ err, eventId: req.eventId }, 'could not store the answer in Redis'));
    metrics.hook(outcome.status, req.channel, req.requestType, latencyMs / 1_000);
    log.info({
      eventId: req.eventId, requestType: req.requestType, channel: req.channel, to: masked, country: dest?.country,
      user: req.user.login ? maskLogin(req.user.login) : req.user.userId, route: plan?.rule, status: outcome.status, reason: outcome.reason,
      blockedBy: outcome.blockedBy, monitored, provider: outcome.provider, transactionId: outcome.transactionId, attempts: outcome.attempts.length, ms: latencyMs,
      remoteAddress,
    }, 'hook call');
    return { answer, outcome, plan };
  }

  /** Claims the eventId in Redis; if Redis cannot answer, the delivery log's claim still guards this instance. */
  async function claimShared(eventId: string): Promise<boolean> {
    try {
      return await claims!.claim(eventId);
    } catch (err) {
      log.warn({ err, eventId }, 'could not claim the eventId in Redis; relying on the delivery log');
      return true;
    }
  }

  /** The first call with this eventId runs in another process (or died): wait for its answer until the deadline. */
  async function awaitAnswer(eventId: string, lookup: (eventId: string) => Promise<OktaAnswer | undefined>, deadline: Deadline): Promise<OktaAnswer> {
    while (!deadline.signal.aborted) {
      await pause(DUPLICATE_POLL_MS, deadline.signal);
      const answer = await lookup(eventId).catch(() => undefined);
      if (answer) return answer;
    }
    log.warn({ eventId }, 'repeated eventId still in progress at the deadline; answering PENDING without sending');
    return stillInFlight;
  }

  return async (req, deadline, opts = {}) => {
    if (opts.dryRun) {
      const d = dryRun({ ...req }, config, router);
      const texts = d.plan && d.destination ? plannedTexts(message(req, d.destination, config.messages), d.plan) : undefined;
      return { answer: d.answer, ...(d.destination ? { outcome: d.outcome } : {}), ...(d.plan ? { plan: d.plan } : {}), ...(texts ? { texts } : {}) };
    }
    const running = inflight.get(req.eventId);
    if (running) {
      const waitedFrom = performance.now();
      return untilAborted(running, deadline.signal).then(
        (r) => {
          metrics.hook('replayed', req.channel, req.requestType, (performance.now() - waitedFrom) / 1_000);
          return { answer: r.answer };
        },
        () => ({ answer: stillInFlight }),
      );
    }
    const result = run(req, deadline, opts.remoteAddress).finally(() => inflight.delete(req.eventId));
    inflight.set(req.eventId, result);
    return result;
  };
}

/** The message each attempt of the plan would carry: the same one a real send builds. */
function plannedTexts(msg: AttemptMessage, plan: RoutePlan): PlannedText[] {
  return plan.chain.map((adapter) => {
    const m = typeof msg === 'function' ? msg(adapter) : msg;
    return { provider: adapter.name, text: m.text, locale: m.locale };
  });
}

/** The SMS, or per provider the voice script in the language it has a voice for (delivery/spoken.ts). */
function message(req: OtpRequest, to: Destination, texts: MessagesConfig): AttemptMessage {
  const base = { channel: req.channel, to, code: req.otp, reference: req.eventId };
  if (req.channel !== 'voice') return { ...base, text: smsText(req, texts.sms.templates), locale: req.locale };
  return (adapter) => ({ ...base, ...voiceScript(req.otp, spokenLocale(adapter, req.locale), texts.voice) });
}
