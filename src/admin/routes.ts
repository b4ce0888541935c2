// The admin page at /admin: a login, the pages of ui/page-list.ts and the JSON API they read. Off —
// every /admin path 404 — unless the configuration gives credentials. Sessions live in memory;
// state-changing requests need the session's CSRF token and a same-origin Origin; every answer
// carries strict security headers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from '../core/zod.js';
import { safeEqual } from '../providers/verify.js';
import { isGatewayError } from '../core/errors.js';
import { adminEnabled, type Role } from './schema.js';
import { loadUiAssets, type UiAssets } from './assets.js';
import { ADMIN_PAGES } from './ui/page-list.js';
import { conversionQuery, conversionView } from './conversion.js';
import { LoginBrake, SESSION_COOKIE, SessionStore, clearedCookie, readCookie, sessionCookie, type BrakeDecision, type Session } from './session.js';
import { BadRequest, read, type AdminContext } from './api/context.js';
import { overview, overviewQuery } from './api/overview.js';
import { deliveries, deliveriesQuery, exportQuery } from './api/deliveries.js';
import { EXPORT_MAX_ROWS, deliveriesCsv } from './api/export.js';
import { providers } from './api/providers.js';
import { planFor, previewBody, previewRequest, previewRequestInput, sendPreview } from './api/preview.js';
import { redactedConfig, routing } from './api/config.js';
import { liftBlock, liftBody, listBlocks } from './blocks.js';
import { auditor, auditPage, auditQuery, requireAdmin, sendDetail } from './audit.js';

/** What the admin page reads and runs: the gateway's own parts. */
export type AdminDeps = AdminContext;

export const ADMIN_PREFIX = '/admin';

/** No inline script or style anywhere; nothing from another origin; never framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

type Auth =
  | { via: 'session'; user: string; role: Role; id: string; session: Session }
  | { via: 'bearer'; user: string; role: Role };

const loginBody = z.object({
  username: z.optional(z.string().check(z.maxLength(256))),
  password: z.optional(z.string().check(z.maxLength(1_024))),
  token: z.optional(z.string().check(z.maxLength(1_024))),
});

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const settings = deps.config.admin;
  if (!adminEnabled(settings)) {
    app.log.info('admin page off: no admin.token or admin.users in the configuration, so every /admin path answers 404');
    return;
  }
  const ctx: AdminContext = deps;
  const assets = await loadUiAssets(app.log);
  if (assets.problem) app.log.warn(`admin page: ${assets.problem}`);
  const ttlMs = settings.sessionTtlMinutes * 60_000;
  const sessions = new SessionStore(ttlMs);
  const brake = new LoginBrake();
  const sweeper = setInterval(() => sessions.sweep(), 60_000);
  sweeper.unref();
  const now = deps.now ?? Date.now;
  const audit = auditor(deps.store.audit, app.log, now);
  const pruneAudit = (): void => {
    deps.store.audit.prune(now() - settings.auditRetentionDays * 86_400_000)
      .catch((err: unknown) => app.log.warn({ err }, 'admin audit: could not prune old entries'));
  };
  pruneAudit();
  const pruner = setInterval(pruneAudit, 3_600_000);
  pruner.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    clearInterval(pruner);
  });
  app.log.info({ users: settings.users.length, token: settings.token !== undefined, sessionTtlMinutes: settings.sessionTtlMinutes, ui: assets.from },
    `admin page on at ${ADMIN_PREFIX}`);

  const auths = new WeakMap<FastifyRequest, Auth>();

  /** What guessing is counted against: the client address (as trustProxy decides it) and the user name or the token. */
  const brakeKeys = (req: FastifyRequest, who: { username?: string; token?: boolean }): string[] => [
    `address:${req.ip}`,
    ...(who.username !== undefined ? [`user:${who.username.toLowerCase()}`] : []),
    ...(who.token ? ['token'] : []),
  ];

  /** One line per throttling decision (each failure that starts or lengthens a delay), naming the kind of key, never its value. */
  const logBrake = (req: FastifyRequest, decisions: BrakeDecision[]): void => {
    for (const d of decisions) {
      req.log.warn({ by: d.key.split(':')[0], failures: d.failures, delayMs: d.delayMs }, 'admin credentials throttled');
    }
  };

  const tooSoon = (reply: FastifyReply, waitMs: number): FastifyReply => {
    const sec = Math.ceil(waitMs / 1_000);
    return reply.code(429).header('retry-after', String(sec)).send({ error: `Too many failed attempts; try again in ${sec} s` });
  };

  function authenticate(req: FastifyRequest): Auth | undefined {
    const header = req.headers.authorization;
    if (header !== undefined && /^bearer\s/i.test(header)) {
      // A wrong token is refused outright, not rescued by a cookie that happens to be there.
      const ok = settings.token !== undefined && safeEqual(header.replace(/^bearer\s+/i, '').trim(), settings.token);
      const keys = brakeKeys(req, { token: true });
      if (ok) brake.succeeded(keys);
      else logBrake(req, brake.failed(keys));
      return ok ? { via: 'bearer', user: 'token', role: settings.tokenRole } : undefined;
    }
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = sessions.get(id);
    return session && id ? { via: 'session', user: session.user, role: session.role, id, session } : undefined;
  }

  /** The origins a browser may call from: this address as the request reached us, and the configured public URL. */
  function sameOrigin(origin: string, req: FastifyRequest): boolean {
    const own = `${req.protocol}://${req.host}`;
    if (origin === own) return true;
    const publicUrl = deps.config.server.publicUrl;
    return publicUrl !== undefined && origin === new URL(publicUrl).origin;
  }

  function originOf(req: FastifyRequest): string | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined) return origin;
    const referer = req.headers.referer;
    if (referer === undefined) return undefined;
    try {
      return new URL(referer).origin;
    } catch {
      return 'invalid';
    }
  }

  const secure = (req: FastifyRequest): boolean => req.protocol === 'https';

  /** onRequest guard: who is calling (401 without credentials), and for state changes, CSRF token and Origin (403). */
  const guard = (kind: 'page' | 'api') => async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // A bearer token is a guess like a password: held back while its brake is on, right or wrong.
    if (/^bearer\s/i.test(req.headers.authorization ?? '')) {
      const wait = brake.wait(brakeKeys(req, { token: true }));
      if (wait > 0) {
        await tooSoon(reply, wait);
        return;
      }
    }
    const auth = authenticate(req);
    if (!auth) {
      if (kind === 'page') {
        await reply.code(401).type('text/html; charset=utf-8').send(shell('login', assets));
      } else {
        await reply.code(401).header('www-authenticate', 'Bearer realm="byot-admin"').send({ error: 'Unauthorized: log in on /admin/login, or send Authorization: Bearer <admin token>' });
      }
      return;
    }
    if (UNSAFE_METHODS.has(req.method) && auth.via === 'session') {
      const origin = originOf(req);
      if (origin === undefined || !sameOrigin(origin, req)) {
        req.log.warn({ origin }, 'admin request refused: cross-origin or no Origin');
        await reply.code(403).send({ error: 'Forbidden: the request does not come from this admin page (Origin)' });
        return;
      }
      const token = req.headers['x-csrf-token'];
      if (typeof token !== 'string' || !safeEqual(token, auth.session.csrf)) {
        req.log.warn('admin request refused: missing or wrong CSRF token');
        await reply.code(403).send({ error: 'Forbidden: missing or wrong CSRF token (x-csrf-token)' });
        return;
      }
    }
    auths.set(req, auth);
  };

  await app.register(async (admin) => {
    admin.addHook('onRequest', async (_req, reply) => {
      void reply.headers(SECURITY_HEADERS);
    });
    admin.setNotFoundHandler((_req, reply) => reply.headers(SECURITY_HEADERS).code(404).send({ error: 'Not found' }));
    admin.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      void reply.headers(SECURITY_HEADERS);
      if (err instanceof BadRequest) return reply.code(400).send({ error: err.message, code: err.code, causes: err.causes });
      const status = err.statusCode ?? 500;
      if (status < 500) return reply.code(status).send({ error: err.message, ...(isGatewayError(err) ? { code: err.code } : {}) });
      req.log.error({ err }, 'admin request failed');
      return reply.code(500).send({ error: 'Internal error' });
    });

    // ----- Front end: the shell for each page, the login page, the bundled script and style -----
    // Each page is the same shell; the script draws the page it names.
    for (const { path, id } of ADMIN_PAGES) {
      admin.get(path, { onRequest: guard('page') }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(shell(id, assets)));
    }
    admin.get('/login', async (_req, reply) => reply.type('text/html; charset=utf-8').send(shell('login', assets)));
    admin.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
      const asset = assets.files.get(req.params.name);
      if (!asset) return reply.code(404).send({ error: 'Not found' });
      return reply.type(asset.type).send(asset.body);
    });

    // ----- Login and logout -----
    admin.post('/login', async (req, reply) => {
      const origin = originOf(req);
      if (origin !== undefined && !sameOrigin(origin, req)) {
        req.log.warn({ origin }, 'admin login refused: cross-origin');
        return reply.code(403).send({ error: 'Forbidden: cross-origin login' });
      }
      const body = read(loginBody, req.body, 'login');
      const keys = brakeKeys(req, { username: body.username, token: usedToken(body) });
      const wait = brake.wait(keys);
      if (wait > 0) return tooSoon(reply, wait);
      const login = checkCredentials(body);
      if (!login) {
        logBrake(req, brake.failed(keys));
        req.log.warn({ username: body.username?.slice(0, 64) }, 'admin login failed');
        await audit({ actor: failedActor(body), action: 'login.failed', address: req.ip, detail: usedToken(body) ? 'wrong token' : 'wrong user name or password' });
        return reply.code(401).send({ error: 'Wrong user name or password' });
      }
      brake.succeeded(keys);
      const { user, role } = login;
      const { id, session } = sessions.create(user, role);
      await audit({ actor: user, action: 'login', address: req.ip, detail: `${user === 'token' ? 'with the admin token' : 'with a password'}, role ${role}` });
      return reply
        .header('set-cookie', sessionCookie(id, Math.floor(ttlMs / 1_000), secure(req)))
        .send({ user, role, csrfToken: session.csrf, expiresAt: session.expiresAt });
    });

    admin.post('/logout', { onRequest: guard('api') }, async (req, reply) => {
      const auth = auths.get(req)!;
      if (auth.via === 'session') {
        sessions.delete(auth.id);
        await audit({ actor: auth.user, action: 'logout', address: req.ip, detail: '' });
      }
      return reply.header('set-cookie', clearedCookie(secure(req))).send({ ok: true });
    });

    // ----- The API (JSON) -----
    const api = { onRequest: guard('api') };
    admin.get('/api/session', api, async (req) => {
      const auth = auths.get(req)!;
      return auth.via === 'session'
        ? { user: auth.user, role: auth.role, via: auth.via, csrfToken: auth.session.csrf, expiresAt: auth.session.expiresAt }
        : { user: auth.user, role: auth.role, via: auth.via };
    });
    admin.get('/api/overview', api, async (req) => overview(ctx, read(overviewQuery, req.query, 'query')));
    admin.get('/api/deliveries', api, async (req) => deliveries(ctx, read(deliveriesQuery, req.query, 'query')));
    // The same search with the filters in the body, so a typed phone number stays out of URLs and access logs.
    admin.post('/api/deliveries', api, async (req) => deliveries(ctx, read(deliveriesQuery, req.body, 'search')));
    // The same search as a CSV file; POST for the same reason.
    const exportCsv = async (reply: FastifyReply, input: unknown) => {
      const csv = await deliveriesCsv(ctx, read(exportQuery, input, 'export'));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="deliveries-${new Date().toISOString().slice(0, 10)}.csv"`)
        .header('x-total-count', String(csv.total))
        .header('x-export-limit', String(EXPORT_MAX_ROWS))
        .send(csv.body);
    };
    admin.get('/api/deliveries/export', api, async (req, reply) => exportCsv(reply, req.query));
    admin.post('/api/deliveries/export', api, async (req, reply) => exportCsv(reply, req.body));
    admin.get('/api/providers', api, async () => providers(ctx));
    admin.get('/api/conversion', api, async (req) => conversionView(ctx, read(conversionQuery, req.query, 'query').window));
    admin.get('/api/routing', api, async () => routing(ctx));
    admin.get('/api/config', api, async () => redactedConfig(ctx));
    admin.get('/api/blocks', api, async () => listBlocks(ctx));
    admin.post('/api/blocks/lift', api, async (req) => {
      const auth = auths.get(req)!;
      requireAdmin(auth.role, 'lift a block');
      const lifted = await liftBlock(ctx, read(liftBody, req.body, 'lift').id, auth.user, req.log);
      const b = lifted.block;
      await audit({ actor: auth.user, action: 'block.lifted', address: req.ip, detail: `${b.rule} ${b.scope} (${b.country ? `${b.country} ` : ''}${b.channel})` });
      return lifted;
    });
    admin.get('/api/audit', api, async (req) => auditPage(deps.store.audit, read(auditQuery, req.query, 'query')));
    admin.post('/api/preview/request', api, async (req) => ({ request: previewRequest(read(previewRequestInput, req.body, 'preview choices')) }));
    admin.post('/api/preview/plan', api, async (req) => planFor(ctx, read(previewBody, req.body, 'preview').request));
    admin.post('/api/preview/send', api, async (req) => {
      const body = read(previewBody, req.body, 'preview');
      const auth = auths.get(req)!;
      if (!body.dryRun) requireAdmin(auth.role, 'send for real (a dry run is allowed)');
      const result = await sendPreview(ctx, body.request, body.dryRun);
      req.log.info({ user: auth.user, dryRun: body.dryRun, status: result.outcome?.status, httpStatus: result.httpStatus }, 'admin preview sent');
      if (!body.dryRun) await audit({ actor: auth.user, action: 'preview.sent', address: req.ip, detail: sendDetail(body.request, result) });
      return result;
    });
  }, { prefix: ADMIN_PREFIX });

  /** The user the credentials belong to, and their role. Every configured user is compared, in constant time, whatever matches. */
  function checkCredentials(body: z.output<typeof loginBody>): { user: string; role: Role } | undefined {
    let match: { user: string; role: Role } | undefined;
    if (usedToken(body) && settings.token !== undefined && safeEqual(body.token!, settings.token)) match = { user: 'token', role: settings.tokenRole };
    if (body.username !== undefined && body.password !== undefined && body.password !== '') {
      for (const u of settings.users) {
        const sameUser = safeEqual(body.username.toLowerCase(), u.username.toLowerCase());
        const samePassword = safeEqual(body.password, u.password);
        if (sameUser && samePassword && match === undefined) match = { user: u.username, role: u.role };
      }
    }
    return match;
  }

  /**
   * Who a failed login is recorded against: the token, a configured user, or `(unknown)`. What was
   * typed as a user name is not kept unless it is one: it may be a password typed in the wrong field.
   */
  function failedActor(body: z.output<typeof loginBody>): string {
    if (usedToken(body)) return 'token';
    const name = body.username?.toLowerCase();
    return settings.users.find((u) => u.username.toLowerCase() === name)?.username ?? '(unknown)';
  }
}

function usedToken(body: { token?: string }): boolean {
  return body.token !== undefined && body.token !== '';
}

/** The page shell: no inline script or style (the CSP forbids both); the bundled script draws `page`. */
export function shell(page: string, assets: UiAssets): string {
  const problem = assets.problem ? `<p class="fatal">${escapeHtml(assets.problem)}</p>` : '<noscript>The admin page needs JavaScript.</noscript>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>byot-gateway admin</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ADMIN_PREFIX}/assets/app.css">
<script type="module" src="${ADMIN_PREFIX}/assets/app.js"></script>
</head>
<body data-page="${escapeHtml(page)}">
<div id="app">${problem}</div>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
