// Wires a configuration into a running gateway: store, providers, authentication, pipeline, app.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { DeliveryStore } from '../store/types.js';
import { loadGeneratedSecrets } from '../config/secrets.js';
import { openStore } from '../store/open.js';
import { buildAdapters } from './adapters.js';
import { scrubbedAdapter } from '../providers/scrub.js';
import { configSecrets } from '../config/secrets.js';
import { createAuthenticator } from '../okta/auth.js';
import { createHook } from '../pipeline/hook.js';
import { createResender } from '../pipeline/resend.js';
import { localReceipts, startReceiptRelay } from './receipt-relay.js';
import { createRouter } from '../routing/plan.js';
import { RouteScores } from '../routing/adaptive.js';
import { scoreRefresh, type ScoreRefresh } from '../routing/score-refresh.js';
import { Breaker } from '../delivery/breaker.js';
import { createMetrics, type Metrics } from '../telemetry/metrics.js';
import type { Router } from '../routing/plan.js';
import type { Redis } from 'ioredis';
import { createAlerter, createGuard, type Guard } from '../guard/index.js';
import { redisClaims } from '../store/redis-claims.js';
import { buildApp } from '../http/app.js';
import { adminRoutes } from '../admin/routes.js';
import { startOktaEvents } from '../okta/events/start.js';
import { createFeedbackWorker, type FeedbackWorker } from '../feedback/worker.js';

export interface GatewayOptions {
  config: Config;
  log: Logger;
  /** Adapters to use instead of building them from `config.providers` (tests, benchmarks). */
  adapters?: Map<string, ProviderAdapter>;
  /** Called once, on the run that generated the hook secret, so it can be shown to the operator. */
  onSecretCreated?: (header: string, secret: string) => void;
  /** Called once, on the run that generated the admin token (embedded defaults only), likewise. */
  onAdminTokenCreated?: (token: string) => void;
}

export interface Gateway {
  app: FastifyInstance;
  config: Config;
  store: DeliveryStore;
  metrics: Metrics;
  router: Router;
  breakers: ReadonlyMap<string, Breaker>;
  /** With `routing.adaptive`: the measured figures routing orders by, read from the delivery log. */
  routeScores?: ScoreRefresh;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  /**
   * The toll-fraud guard. Whoever learns that a code was used (the Okta verification feed) calls
   * `guard.recordVerified({ eventId })` with the hook call's eventId.
   */
  guard: Guard;
  /** Conversion feedback to the providers that take it (`feedback: true`). */
  feedback: FeedbackWorker;
  close(): Promise<void>;
}

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const { log } = opts;
  let config = opts.config;
  const generated = config.generateHookSecret || config.generateAdminToken || config.store.hashKey === undefined
    ? loadGeneratedSecrets(config.store.path, { adminToken: config.generateAdminToken })
    : undefined;
  if (generated && config.generateHookSecret && config.auth.type === 'header') {
    const auth = { ...config.auth, secrets: [generated.secrets.hookSecret] };
    config = { ...config, auth };
    if (generated.made.hookSecret) opts.onSecretCreated?.(auth.header, generated.secrets.hookSecret);
  }
  const adminToken = generated?.secrets.adminToken;
  if (config.generateAdminToken && adminToken !== undefined) {
    config = { ...config, admin: { ...config.admin, token: adminToken } };
    if (generated?.made.adminToken) opts.onAdminTokenCreated?.(adminToken);
  }
  const hashKey = config.store.hashKey ?? generated!.secrets.hashKey;

  const store = await openStore(config.store.url ?? config.store.path, {
    poolSize: config.store.poolSize,
    onError: (err) => log.error({ err }, 'delivery log connection error'),
  });
  // Whatever a provider answers is scrubbed of the passcode, the number and every configured secret.
  const secrets = configSecrets(config, hashKey);
  const adapters = new Map([...(opts.adapters ?? buildAdapters(config, log))].map(([name, a]) => [name, scrubbedAdapter(a, secrets)]));
  const authenticator = createAuthenticator(config.auth);
  try {
    await authenticator.warm();
  } catch (err) {
    // Not fatal: verification fetches the keys again on the first call.
    log.warn({ err }, 'could not fetch the OAuth signing keys at start-up');
  }
  const metrics = createMetrics();
  const breakers = new Map([...adapters.keys()].map((name) => {
    metrics.breaker(name, 'closed');
    return [name, new Breaker(name, config.resilience.breaker, (provider, state) => {
      metrics.breaker(provider, state);
      log[state === 'closed' ? 'info' : 'warn']({ provider, state }, 'circuit breaker changed state');
    })];
  }));
  const adaptive = config.routing.adaptive;
  const routeScores = adaptive && scoreRefresh(new RouteScores(adaptive), adaptive, {
    load: (sinceMs, untilMs) => store.routeStats(sinceMs, untilMs),
    onError: (err) => log.warn({ err }, 'could not read the delivery figures for adaptive routing; keeping the last ones'),
  });
  if (routeScores) {
    // Read once before the first request, so a restart keeps the order it had.
    await routeScores.refresh();
    routeScores.start();
  }
  const router = createRouter(config, adapters, breakers, routeScores ? routeScores.scores : undefined);
  const redis = config.limits.url ? await connectRedis(config.limits.url, log) : undefined;
  const guardLog = log.child({ component: 'guard' });
  const alerter = createAlerter(config.alerts, guardLog);
  const guard = createGuard(config.guard, {
    redis, hashKey, log: guardLog, alert: alerter.alert,
    // What an instance missed of the verifications the others published (a lost Redis subscription).
    verifiedSince: (since, limit) => store.events.verifiedSince(since, limit),
  });
  // A shared PostgreSQL log is itself the claim every instance sees (one row per eventId, made
  // durable before any send): idempotency keys in Redis are for instances with a log each.
  const claims = redis && config.store.url === undefined ? redisClaims(redis, undefined, config.guard.store.timeoutMs) : undefined;
  const resender = createResender({ store, hook: config.hook, log: log.child({ component: 'resend' }), metrics, breakers });
  const handleHook = createHook({ config, store, router, breakers, metrics, guard, claims, hashKey, log, resender });
  // A receipt may reach an instance that does not hold its call: with Redis, it reaches the one that does.
  const receipts = redis
    ? startReceiptRelay(redis, `${config.guard.store.keyPrefix}:receipts`, resender, log.child({ component: 'resend' }))
    : localReceipts(resender);
  const tls = config.server.tls
    ? { cert: readFileSync(config.server.tls.cert), key: readFileSync(config.server.tls.key) }
    : undefined;
  const feedback = createFeedbackWorker({ log: log.child({ component: 'feedback' }), store: store.feedback, adapters, metrics });
  feedback.start();
  // Each code Okta reports as used feeds the guard's conversion rules (counted once per send) and,
  // once the verification is stored, the provider's feedback queue.
  const oktaEvents = startOktaEvents(config.oktaEvents, {
    inbox: store.events, metrics, log: log.child({ component: 'okta-events' }),
    onVerified: (send, at) => {
      guard.recordVerified({ eventId: send.eventId });
      resender.forget(send.eventId);
      feedback.verified(send, at);
    },
  });
  const app = buildApp({
    config, log, store, authenticator, handleHook, adapters, metrics, tls, oktaEvents: oktaEvents.route,
    onReceipt: (provider, receipt) => receipts.onReceipt(provider, receipt),
  });
  void app.register(adminRoutes, { config, store, adapters, breakers, router, handleHook, hashKey, secrets, metrics, guard });

  return {
    app,
    config,
    store,
    metrics,
    router,
    breakers,
    ...(routeScores ? { routeScores } : {}),
    adapters,
    guard,
    feedback,
    async close() {
      await routeScores?.close();
      // Fastify lets in-flight hook calls finish before it resolves.
      await app.close();
      await oktaEvents.close();
      await feedback.close();
      await receipts.close();
      // Resends under way finish before their providers and the log close.
      await resender.close();
      await guard.close();
      await alerter.close();
      await Promise.all([...adapters.values()].map((a) => a.close?.()));
      await store.close();
      redis?.disconnect();
    },
  };
}

/**
 * The shared Redis. Start-up waits briefly for it so the first requests count in Redis rather
 * than in memory; if it does not answer, the gateway starts anyway and the guard's fail mode applies.
 */
async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Loaded only when configured, like the PostgreSQL client.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true });
  redis.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'redis does not answer at start-up; the guard falls back per its settings');
  }
  return redis;
}
