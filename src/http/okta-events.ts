// Okta's event hook (README "Close the loop with Okta"): the one-time verification GET, then POSTs
// of `data.events[]`. A delivery is stored in the inbox and committed before the answer, and
// processed after it (okta/events/processor.ts): Okta waits 3 s and retries a 5xx once, so the
// answer is fast, and 503 only when the events could not be stored (then nothing was lost yet).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, type ErrorCause } from '../okta/contract.js';
import type { EventInbox } from '../okta/events/inbox.js';
import { eventTypeLabel } from '../okta/events/event-types.js';
import { receivable, type InboxEvent, type Receivable } from '../okta/events/log-event.js';
import type { EventProcessor } from '../okta/events/processor.js';
import type { OktaEventsConfig } from '../okta/events/schema.js';
import type { Metrics } from '../telemetry/metrics.js';
import { safeEqual } from '../providers/verify.js';

export interface OktaEventRouteDeps {
  settings: OktaEventsConfig & { secrets: string[] };
  inbox: EventInbox;
  processor: EventProcessor;
  metrics: Metrics;
}

const CHALLENGE_HEADER = 'x-okta-verification-challenge';
const MAX_CHALLENGE = 1_024;
/** More events than this in one delivery is not Okta's batching. */
export const MAX_EVENTS_PER_DELIVERY = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(reply: FastifyReply, causes: ErrorCause[]): FastifyReply {
  return reply.code(400).send(errorBody('Invalid event hook request', causes));
}

export async function oktaEventRoutes(app: FastifyInstance, deps: OktaEventRouteDeps): Promise<void> {
  const { settings, inbox, processor, metrics } = deps;
  const header = settings.header.toLowerCase();

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if ((err.statusCode ?? 500) < 500) {
      req.log.warn({ code: err.code }, 'rejected event hook delivery');
      metrics.oktaEvents('refused', 'none');
      return invalid(reply, [{ errorSummary: err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is too large' : 'The request body is not valid JSON', reason: err.code ?? 'BAD_REQUEST', locationType: 'body' }]);
    }
    req.log.error({ err }, 'could not store Okta events');
    // Okta retries a 5xx once: the events are not lost yet.
    return reply.code(503).send(errorBody('Events not stored; try again', []));
  });

  // Every secret is compared, in constant time, whichever matches.
  const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const given = req.headers[header];
    const value = typeof given === 'string' ? given : '';
    let ok = false;
    for (const secret of settings.secrets) if (safeEqual(value, secret) && value !== '') ok = true;
    if (!ok) {
      req.log.warn({ header: settings.header, present: value !== '' }, 'event hook call not authenticated');
      metrics.oktaEvents('unauthorized', 'none');
      await reply.code(401).send(errorBody('Unauthorized', []));
    }
  };

  app.get(settings.path, { onRequest: authenticate }, async (req, reply) => {
    const challenge = req.headers[CHALLENGE_HEADER];
    if (typeof challenge !== 'string' || challenge === '' || challenge.length > MAX_CHALLENGE) {
      return invalid(reply, [{ errorSummary: `the ${CHALLENGE_HEADER} header is missing or too long`, reason: 'MISSING_CHALLENGE', locationType: 'header', location: CHALLENGE_HEADER }]);
    }
    req.log.info('answered Okta\'s event hook verification');
    return reply.code(200).send({ verification: challenge });
  });

  app.post(settings.path, { onRequest: authenticate, bodyLimit: settings.bodyLimitBytes }, async (req, reply) => {
    const body = req.body;
    const events = isObject(body) && isObject(body.data) ? body.data.events : undefined;
    if (!Array.isArray(events)) {
      metrics.oktaEvents('refused', 'none');
      return invalid(reply, [{ errorSummary: 'data.events must be a list of events', reason: 'INVALID_TYPE', locationType: 'body', location: 'data.events' }]);
    }
    if (events.length > MAX_EVENTS_PER_DELIVERY) {
      metrics.oktaEvents('refused', 'none');
      return invalid(reply, [{ errorSummary: `at most ${MAX_EVENTS_PER_DELIVERY} events in one delivery`, reason: 'TOO_MANY_EVENTS', locationType: 'body', location: 'data.events' }]);
    }
    const kept: InboxEvent[] = [];
    const problems = new Map<string, number>();
    events.forEach((raw: unknown) => {
      const r: Receivable = receivable(raw);
      if (r.ok) kept.push(r.event);
      else problems.set(r.problem, (problems.get(r.problem) ?? 0) + 1);
    });
    if (problems.size > 0) {
      // One line per delivery, whatever the number of bad events in it.
      req.log.warn({ eventId: isObject(body) ? body.eventId : undefined, unusable: Object.fromEntries(problems), kept: kept.length }, 'unusable events in an event hook delivery');
      metrics.oktaEvents('invalid', 'none', events.length - kept.length);
    }
    if (kept.length === 0 && events.length > 0) {
      return invalid(reply, [...problems.keys()].map((p) => ({ errorSummary: `events lack a usable ${p}`, reason: 'INVALID_EVENT', locationType: 'body' as const, location: 'data.events' })));
    }
    const { stored, duplicates } = await inbox.receive(kept, 'hook', Date.now());
    for (const e of kept) metrics.oktaEvents('received', eventTypeLabel(e.eventType));
    if (duplicates > 0) metrics.oktaEvents('duplicate', 'none', duplicates);
    if (stored > 0) processor.kick();
    return reply.code(200).send();
  });
}
