// The HTTP face of the gateway. Routes only adapt HTTP to the hook pipeline (hook.ts).
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/load.js';
import type { DeliveryStore } from './store/types.js';
import type { Authenticator } from './okta/auth.js';
import type { HandleHook } from './hook.js';
import type { ProviderAdapter } from './providers/types.js';
import type { Metrics } from './metrics.js';
import { safeEqual } from './providers/verify.js';
import { errorBody, GENERIC_FAILURE, parseHookRequest } from './okta/contract.js';
import { Deadline } from './delivery/deadline.js';
import { callbackRoutes } from './routes/callbacks.js';
import { adminRoutes } from './admin/routes.js';
import type { Breaker } from './delivery/breaker.js';
import type { Router } from './routing/plan.js';

export interface AppDeps {
  config: Config;
  log: Logger;
  store: DeliveryStore;
  authenticator: Authenticator;
  handleHook: HandleHook;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  metrics: Metrics;
  breakers: ReadonlyMap<string, Breaker>;
  router: Router;
  /** Key of the phone hash in the delivery log (the admin page searches by it). */
  hashKey: string;
  /** Certificate and key, read from the configured files, for direct HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
}

export const HOOK_PATH = '/okta/telephony';

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
    ...(deps.tls ? { https: deps.tls } : {}),
  }) as unknown as FastifyInstance;
  app.addHook('onResponse', async (req, reply) => {
    // An answered hook call has its own line (src/hook.ts): one line per OTP, not two.
    if (reply.statusCode === 200 && req.routeOptions.url === HOOK_PATH) return;
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
      req.log.warn({ reason: result.reason }, 'hook call not authenticated');
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

  app.register(callbackRoutes, { adapters: deps.adapters, store, metrics, publicUrl: config.server.publicUrl });
  app.register(adminRoutes, { config, store, adapters: deps.adapters, breakers: deps.breakers, router: deps.router, handleHook, hashKey: deps.hashKey, metrics });

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
