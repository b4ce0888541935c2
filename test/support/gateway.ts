// Starts a real gateway on loopback for a test: temp SQLite file, captured logs, optional adapters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { type Config } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/file.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import type { ProviderAdapter } from '../../src/providers/types.js';

export const SECRET = 'test-hook-secret-0123456789';

export interface TestGateway {
  url: string;
  gateway: Gateway;
  config: Config;
  /** Every log line written so far, raw. */
  logs: string[];
  dir: string;
  /** POSTs an Okta hook request with the test secret (or the given headers). */
  hook(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; ms: number }>;
  /** The delivery log's rows, oldest first, read straight from the SQLite file. */
  rows(): Record<string, any>[];
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** YAML appended to the base test config (auth header secret, temp store). */
  yaml?: string;
  adapters?: Map<string, ProviderAdapter>;
  env?: Record<string, string>;
}

export async function startGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'byot-test-'));
  const yaml = opts.yaml ?? '';
  const base = [
    /^auth:/m.test(yaml) ? '' : `auth:\n  type: header\n  header: Authorization\n  secrets: ["${SECRET}"]`,
    /^store:/m.test(yaml) ? '' : `store:\n  path: ${join(dir, 'byot.sqlite')}\n  hashKey: test-hash-key-0123456789`,
    /^log:/m.test(yaml) ? '' : 'log:\n  level: info',
    // Tests send Okta's sample (an invalid number) many times; the guard has tests of its own.
    /^guard:/m.test(yaml) ? '' : `guard:\n  numbers: { refuseInvalid: false }\n  limits: { ${['phone', 'user', 'prefix', 'country', 'ip', 'global', 'distinctPerPrefix'].map((l) => `${l}: false`).join(', ')} }`,
  ].join('\n');
  const config = parseConfigText(`${base}\n${yaml}`, { ...opts.env });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(chunk.toString('utf8')); cb(); } });
  const log = createLogger(config.log.level, sink);
  const gateway = await createGateway({ config, log, adapters: opts.adapters });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    url, gateway, config, logs, dir,
    async hook(body, headers = { authorization: SECRET }) {
      const started = performance.now();
      const res = await fetch(`${url}/okta/telephony`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
    },
    rows() {
      const db = new Database(config.store.path, { readonly: true });
      try {
        return db.prepare('SELECT * FROM hook_calls ORDER BY received_at').all() as Record<string, any>[];
      } finally {
        db.close();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
