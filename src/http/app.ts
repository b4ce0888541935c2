// The HTTP face of the gateway: the hook route, callbacks, health and metrics. Routes only adapt
// HTTP to the hook pipeline (src/pipeline/hook.ts); the composition root adds the admin pages.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from './schema.js';
import type { MetricsConfig } from '../telemetry/schema.js';
import type { HookConfig } from '../delivery/schema.js';
import type { DeliveryStore } from '../store/types.js';
import type { Authenticator } from '../okta/auth.js';
import type { HandleHook } from '../pipeline/hook.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import { safeEqual } from '../providers/verify.js';
import { errorBody, GENERIC_FAILURE, parseHookRequest } from '../okta/contract.js';
import { Deadline } from '../core/deadline.js';
import { HOOK_PATH } from './paths.js';
import { callbackRoutes, type OnReceipt } from './callbacks.js';
import { endEarlyAnswers } from './early-answer.js';
import { RefusalLog } from './refusal-log.js';
import { oktaEventRoutes, type OktaEventRouteDeps } from './okta-events.js';

export interface AppDeps {
  config: { server: ServerConfig; metrics: MetricsConfig; hook: HookConfig };
  log: Logger;
  store: DeliveryStore;
  authenticator: Authenticator;
  handleHook: HandleHook;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  metrics: Metrics;
  /** Certificate and key, read from the configured files, for direct HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Told of each verified delivery receipt (callbacks.ts). */
  onReceipt?: OnReceipt;
  /** Okta's event hook endpoint, when it has a secret (routes/okta-events.ts). */
  oktaEvents?: Omit<OktaEventRouteDeps, 'inbox' | 'metrics'>;
}

/** One year: what HSTS preload lists ask for, and long enough to matter. */
export const HSTS_MAX_AGE_SEC = 31_536_000;

/**
 * No route declares a JSON schema: the hook's body is read by src/okta/contract.ts, everything else by
 * its zod schema. Fastify's own compilers (ajv, fast-json-stringify) would be loaded and set up at every
 * start for nothing, a tenth of `byot serve`'s start-up; these refuse instead, so a schema added to a
 * route one day fails at start-up rather than being compiled by something nobody chose.
 */
const NO_SCHEMA_COMPILERS = {
  buildValidator: () => () => {
    throw new Error('route schemas are not compiled here: validate with zod (src/admin/api/context.ts read())');
  },
  buildSerializer: () => () => {
    throw new Error('response schemas are not compiled here: routes send their own JSON');
  },
};

export function buildApp(deps: AppDeps): FastifyInstance {
  const { config, store, authenticator, handleHook, metrics } = deps;
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    // Okta waits 3 s; a request still unread after 10 s is not Okta's.
    requestTimeout: 10_000,
    // One access line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: NO_SCHEMA_COMPILERS },
    ...(deps.tls ? { https: deps.tls } : {}),
  }) as unknown as FastifyInstance;
  endEarlyAnswers(app);
  if (deps.tls) {
    // Browsers (the admin page) keep to https for this host from then on. Not includeSubDomains:
    // the gateway cannot speak for its neighbours.
    app.addHook('onSend', (_req, reply, payload, done) => {
      void reply.header('strict-transport-security', `max-age=${HSTS_MAX_AGE_SEC}`);
      done(null, payload);
    });
  }
  const refusals = new RefusalLog(deps.log, 'hook call not authenticated');
  app.addHook('onClose', async () => refusals.close());
  app.addHook('onResponse', async (req, reply) => {
    // An answered hook call has its own line (src/pipeline/hook.ts): one line per OTP, not two;
    // refusals have theirs, counted per address and reason (src/http/refusal-log.ts).
    if ((reply.statusCode === 200 || reply.statusCode === 401) && req.routeOptions.url === HOOK_PATH) return;
    req.log.info({ req, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  // Okta sends JSON only; anything else is refused rather than read as text.
  app.removeContentTypeParser('text/plain');

  // Every client error (bad JSON, wrong content type, empty or oversized body) answers in Okta's error form.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status < 500) {
      req.log.warn({ code: err.code, status }, 'rejected request');
      metrics.refused('bad_request', err.code ?? 'BAD_REQUEST');
      return reply.code(400).send(errorBody('Invalid telephony hook request', [{
        errorSummary: clientErrorSummary(err.code), reason: err.code ?? 'BAD_REQUEST', locationType: 'body',
      }]));
    }
    req.log.error({ err }, 'unexpected error');
    // Okta falls back to its own providers on an error object; a 5xx would tell it nothing more.
    return reply.code(200).send(errorBody(GENERIC_FAILURE, [{
      errorSummary: 'Internal error', reason: 'INTERNAL_ERROR',
    }]));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('Not found', [])));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (req, reply) => {
    const token = config.metrics.token;
    if (token !== undefined && !safeEqual(req.headers.authorization ?? '', `Bearer ${token}`)) {
      return reply.code(401).send(errorBody('Unauthorized', []));
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/readyz', async (req, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch (err) {
      req.log.error({ err }, 'store unreachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  // Authentication runs on onRequest, before the body is read.
  const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await authenticator.verify(req.headers);
    if (!result.ok) {
      refusals.note(req.ip, result.reason);
      metrics.refused('unauthorized', 'credentials');
      await reply.code(401).send(errorBody('Unauthorized', []));
    }
  };

  const answerHook = async (body: unknown, req: FastifyRequest, reply: FastifyReply, deadline: Deadline): Promise<FastifyReply> => {
    const parsed = parseHookRequest(body);
    if (!parsed.ok) {
      req.log.warn({ causes: parsed.causes.map((c) => `${c.reason} ${c.location ?? ''}`.trim()) }, 'invalid hook request');
      metrics.refused('bad_request', parsed.causes[0]?.reason ?? 'INVALID');
      return reply.code(400).send(errorBody('Invalid telephony hook request', parsed.causes));
    }
    if (parsed.notes.length > 0) {
      req.log.info({ eventId: parsed.request.eventId, notes: parsed.notes }, 'unusual hook request');
      for (const note of parsed.notes) metrics.unusual(note);
    }
    const dryRun = req.headers['x-byot-dry-run'] === '1';
    const { answer } = await handleHook(parsed.request, deadline, { dryRun, remoteAddress: req.ip });
    if (dryRun) void reply.header('x-byot-dry-run', '1');
    return reply.code(200).send(answer);
  };

  app.post(HOOK_PATH, { onRequest: authenticate }, async (req, reply) => {
    const deadline = new Deadline(performance.now() - reply.elapsedTime, config.hook.budgetMs, config.hook.reserveMs);
    try {
      return await answerHook(req.body, req, reply, deadline);
    } finally {
      deadline.dispose();
    }
  });

  if (deps.oktaEvents) app.register(oktaEventRoutes, { ...deps.oktaEvents, inbox: store.events, metrics });
  app.register(callbackRoutes, { adapters: deps.adapters, store, metrics, publicUrl: config.server.publicUrl, onReceipt: deps.onReceipt });

  return app;
}

function clientErrorSummary(code: string | undefined): string {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return 'Content-Type must be application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return 'The request body is empty';
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return 'The request body is too large';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    default: return 'The request body is not valid JSON';
  }
}
