// Admin-page test helpers: a gateway with the admin on, and a small HTTP client that keeps the
// session cookie and sends the CSRF token and Origin the way the admin page's script does.
import { startGateway, type TestGateway, type TestGatewayOptions } from '../support/gateway.js';
import { ADMIN_PAGES } from '../../src/admin/ui/page-list.js';

export const ADMIN_TOKEN = 'admin-token-0123456789-abcdefghij';
export const ADMIN_USER = 'alice';
export const ADMIN_PASSWORD = 'correct-horse-battery-staple';

/** Every page and API route of the admin, with the method it answers. */
export const PAGES = ['/admin', ...ADMIN_PAGES.map((p) => `/admin${p.path}`)];
export const API_GETS = ['/admin/api/session', '/admin/api/overview', '/admin/api/deliveries', '/admin/api/deliveries/export', '/admin/api/providers', '/admin/api/conversion', '/admin/api/routing', '/admin/api/config', '/admin/api/blocks', '/admin/api/audit'];
export const API_POSTS = ['/admin/api/deliveries', '/admin/api/deliveries/export', '/admin/api/preview/request', '/admin/api/preview/plan', '/admin/api/preview/send', '/admin/logout'];

/**
 * Two providers — flaky (the tests make it fail) and steady — with routes for GB (flaky, then steady)
 * and FR (flaky alone), and a guard that refuses voice calls to France and nothing else.
 */
export const FLAKY_STEADY_YAML = `resilience:
  breaker: { threshold: 50 }
guard:
  numbers: { refuseInvalid: false }
  limits: { phone: false, user: false, prefix: false, country: false, ip: false, global: false, distinctPerPrefix: false }
  countries:
    voice: { deny: [FR] }
providers:
  flaky: { kind: console }
  steady: { kind: console }
routing:
  rules:
    - name: uk
      match: { country: GB }
      providers: [flaky]
      fallback: [steady]
    - name: france
      match: { country: FR }
      providers: [flaky]
  default: [steady]`;

/** `admin:` YAML with the test token and one user whose password comes from the environment. */
export function adminYaml(extra = ''): string {
  return `admin:\n  token: ${ADMIN_TOKEN}\n  users:\n    - username: ${ADMIN_USER}\n      password: \${BYOT_TEST_ADMIN_PASSWORD}\n  sessionTtlMinutes: 30\n${extra}`;
}

export async function startAdminGateway(opts: TestGatewayOptions & { yaml?: string } = {}): Promise<TestGateway> {
  return startGateway({
    ...opts,
    yaml: `${adminYaml()}\n${opts.yaml ?? 'providers:\n  console: { kind: console }'}`,
    env: { BYOT_TEST_ADMIN_PASSWORD: ADMIN_PASSWORD, ...opts.env },
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export class AdminClient {
  cookie?: string;
  csrf?: string;

  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(method !== 'GET' ? { origin: this.base } : {}),
        ...(method !== 'GET' && this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  get(path: string, headers?: Record<string, string>): Promise<Answer> {
    return this.request('GET', path, undefined, headers);
  }

  post(path: string, body: unknown = {}, headers?: Record<string, string>): Promise<Answer> {
    return this.request('POST', path, body, headers);
  }

  async login(username = ADMIN_USER, password = ADMIN_PASSWORD): Promise<Answer> {
    const res = await this.post('/admin/login', { username, password });
    const setCookie = res.headers.get('set-cookie');
    if (res.status === 200 && setCookie) {
      this.cookie = setCookie.split(';')[0];
      this.csrf = res.body.csrfToken;
    }
    return res;
  }
}

/** A client already logged in as the test user. */
export async function loggedIn(gw: TestGateway): Promise<AdminClient> {
  const c = new AdminClient(gw.url);
  const res = await c.login();
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return c;
}
