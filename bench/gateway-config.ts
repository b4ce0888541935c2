// The gateway configuration every benchmark runs: header auth, two http-kind providers on the mock
// (bench/mock-provider.ts), routing rules, the guard (GUARD_YAML) and the delivery log — a SQLite
// file in the run's temp dir, or, for the scale-out comparison (bench/scale-out.ts), PostgreSQL and
// Redis.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const HOOK_HEADER = 'X-Telephony-Key';

// ─── GUARD ──────────────────────────────────────────────────────────────────────────────────────
// The guard (src/guard) runs on every hook call, with defaults when the config has no `guard:`
// section; this section is always part of the benchmark's config, so the guard's cost is measured.
// The traffic never repeats a phone number, user, eventId or client IP, and a number's prefix
// (E.164 without the last 3 digits) repeats only every 150,000+ requests, so the per-phone, user,
// IP, prefix and distinct-numbers-per-prefix limits keep their defaults and never refuse. Only the
// aggregate limits are raised (defaults: 300 per country and 1,000 in all per hour), since the
// benchmark sends thousands per second to one country; their counters still run. A refusal shows
// in the errors column (it is not a SUCCESSFUL answer). Edit here to benchmark other guard settings.
export const GUARD_YAML = `guard:
  limits:
    country: { max: 1000000000, perSeconds: 3600 }
    global: { max: 1000000000, perSeconds: 3600 }
`;
// ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Fresh secrets for one run, in the environment the configuration above reads them from, and the
 * hook header the load generator sends.
 */
export function benchSecrets(): { env: NodeJS.ProcessEnv; headers: Record<string, string> } {
  const secret = randomBytes(24).toString('base64url');
  return {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      BENCH_HOOK_SECRET: secret,
      BENCH_PROVIDER_TOKEN: randomBytes(16).toString('hex'),
      BENCH_HASH_KEY: randomBytes(24).toString('base64url'),
    },
    headers: { [HOOK_HEADER]: secret },
  };
}

export interface GatewayConfigOptions {
  port: number;
  mockUrl: string;
  /** The run's temp dir: the SQLite log lives there when `storeUrl` is absent. */
  dir: string;
  /** postgres:// URL of the delivery log (store.url). */
  storeUrl?: string;
  /** redis:// URL of the shared limits (limits.url). */
  redisUrl?: string;
  /** guard.store.keyPrefix, so a run's keys in a shared Redis can be found and deleted. */
  keyPrefix?: string;
  /** routing.adaptive: true, to measure the cost of ordering by measured figures. */
  adaptive?: boolean;
}

export function gatewayConfig(o: GatewayConfigOptions): string {
  const { port, mockUrl, dir } = o;
  const provider = (path: string): string => `
    kind: http
    timeoutMs: 1000
    sms:
      url: ${mockUrl}/${path}/sms
      headers:
        Authorization: "Bearer \${BENCH_PROVIDER_TOKEN}"
      body: '{"to":"{{phone}}","text":"{{text}}","ref":"{{reference}}"}'
      idPath: data.id
      errorPath: error.code
      errors:
        INVALID_NUMBER: invalid_number
        NO_CREDIT: insufficient_funds
    voice:
      url: ${mockUrl}/${path}/calls
      headers:
        Authorization: "Bearer \${BENCH_PROVIDER_TOKEN}"
      body: '{"to":"{{phone}}","say":"{{text}}","language":"{{locale}}","ref":"{{reference}}"}'
      idPath: data.id`;
  return `# byot-gateway benchmark configuration, written by bench/run.ts
server:
  host: 127.0.0.1
  port: ${port}
auth:
  type: header
  header: ${HOOK_HEADER}
  secrets: ["\${BENCH_HOOK_SECRET}"]
hook:
  budgetMs: 2500
phone:
  defaultRegion: US
providers:
  fast:${provider('fast')}
  slow:${provider('slow')}
routing:${o.adaptive ? '\n  adaptive: true' : ''}
  rules:
    - name: uk
      match: { country: GB }
      providers: [slow]
      fallback: [fast]
    - name: north-america-sms
      match: { country: [US, CA], channel: sms }
      providers: [fast]
      fallback: [slow]
  default: [fast, slow]
store:
  path: ${JSON.stringify(join(dir, 'byot.sqlite'))}${o.storeUrl ? `\n  url: ${JSON.stringify(o.storeUrl)}` : ''}
  hashKey: "\${BENCH_HASH_KEY}"
log:
  level: info
# ─── guard: GUARD_YAML in bench/gateway-config.ts ───
${GUARD_YAML}${o.keyPrefix ? `  store:\n    keyPrefix: ${JSON.stringify(o.keyPrefix)}\n` : ''}${o.redisUrl ? `limits:\n  url: ${JSON.stringify(o.redisUrl)}\n` : ''}`;
}
