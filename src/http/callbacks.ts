// Provider status callbacks (delivery receipts) and the voice documents some providers fetch
// during a call. Each adapter verifies its own provider's signature scheme; this only adapts HTTP.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeliveryStore } from '../store/types.js';
import { CallbackRejected, type CallbackRequest, type DeliveryReceipt, type ProviderAdapter } from '../providers/types.js';
import { errorBody } from '../okta/contract.js';
import { CALLBACK_ROUTE, VOICE_ROUTE } from './paths.js';
import type { Metrics } from '../telemetry/metrics.js';

export interface CallbackDeps {
  adapters: ReadonlyMap<string, ProviderAdapter>;
  store: DeliveryStore;
  metrics: Metrics;
  /** The gateway's public address: provider signatures cover the URL they called. */
  publicUrl?: string;
  /** Told of each verified receipt once recorded (the resend after an undelivered one, pipeline/resend.ts); not awaited. */
  onReceipt?: OnReceipt;
}

export type OnReceipt = (provider: string, receipt: DeliveryReceipt) => unknown;

interface RawBody {
  raw: string;
  parsed: unknown;
}

interface Params {
  provider: string;
  name: string;
  token?: string;
}

export async function callbackRoutes(app: FastifyInstance, deps: CallbackDeps): Promise<void> {
  // Signatures are computed over the bytes as sent, so keep them beside the parsed body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, { raw: body as string, parsed: body === '' ? {} : JSON.parse(body as string) } satisfies RawBody);
    } catch {
      done(Object.assign(new Error('callback body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, { raw: body as string, parsed: Object.fromEntries(new URLSearchParams(body as string)) } satisfies RawBody);
  });

  const toCallback = (req: FastifyRequest<{ Params: Params }>): CallbackRequest => {
    const body = req.body as RawBody | undefined;
    return {
      url: `${deps.publicUrl ?? `${req.protocol}://${req.host}`}${req.url}`,
      headers: req.headers,
      rawBody: body?.raw ?? '',
      body: body?.parsed ?? Object.fromEntries(new URLSearchParams(req.url.split('?')[1] ?? '')),
      token: req.params.token,
      receivedAt: new Date(),
    };
  };

  const adapterFor = (params: Params, reply: FastifyReply): ProviderAdapter | undefined => {
    const adapter = deps.adapters.get(params.name);
    if (adapter?.kind === params.provider) return adapter;
    void reply.code(404).send(errorBody('Not found', []));
    return undefined;
  };

  const rejected = (req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply => {
    if (!(err instanceof CallbackRejected)) throw err;
    req.log.warn({ reason: err.message, status: err.status }, 'provider callback rejected');
    return reply.code(err.status).send(errorBody(err.status === 401 ? 'Unauthorized' : 'Forbidden', []));
  };

  const receive = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const adapter = adapterFor(req.params, reply);
    if (!adapter) return reply;
    if (!adapter.receipts) return reply.code(404).send(errorBody('Not found', []));
    let receipts;
    try {
      receipts = await adapter.receipts(toCallback(req));
    } catch (err) {
      return rejected(req, reply, err);
    }
    for (const r of receipts) {
      const updated = await deps.store.recordReceipt(adapter.name, r);
      deps.metrics.receipt(adapter.name, r.status);
      req.log.info({ provider: adapter.name, transactionId: r.transactionId, status: r.status, providerStatus: r.providerStatus,
        providerCode: r.providerCode, matched: updated > 0 }, 'delivery receipt');
      // After the receipt is recorded; the provider is answered without waiting for a resend.
      deps.onReceipt?.(adapter.name, r);
    }
    return reply.code(204).send();
  };
  // Some providers (Vonage SMS by default) deliver receipts as GET with query parameters.
  app.route({ method: ['GET', 'POST'], url: CALLBACK_ROUTE, handler: receive });
  app.route({ method: ['GET', 'POST'], url: `${CALLBACK_ROUTE}/:token`, handler: receive });

  const document = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const adapter = adapterFor(req.params, reply);
    if (!adapter) return reply;
    if (!adapter.voiceDocument) return reply.code(404).send(errorBody('Not found', []));
    try {
      const doc = await adapter.voiceDocument(toCallback(req));
      return reply.code(200).type(doc.contentType).send(doc.body);
    } catch (err) {
      return rejected(req, reply, err);
    }
  };
  app.route({ method: ['GET', 'POST'], url: VOICE_ROUTE, handler: document });
}
