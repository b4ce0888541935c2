// The README's configuration examples are real configurations: each one must pass `check-config`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfigText } from '../src/config/file.js';

const readme = readFileSync(resolve(process.cwd(), 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
const env: Record<string, string> = {
  PORT: '8080',
  OKTA_HOOK_SECRET: 'a-long-enough-hook-secret',
  TWILIO_ACCOUNT_SID: 'AC' + '0123456789abcdef'.repeat(2),
  TWILIO_API_KEY_SID: 'SK' + '0123456789abcdef'.repeat(2),
  TWILIO_MESSAGING_SERVICE_SID: 'MG' + '0123456789abcdef'.repeat(2),
  VONAGE_PRIVATE_KEY: rsa,
  VONAGE_APPLICATION_ID: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  SINCH_SERVICE_PLAN_ID: 'a1b2c3d4e5f6',
  TELNYX_PUBLIC_KEY: ed25519,
  SINCH_APPLICATION_SECRET: Buffer.from('sinch-application-secret').toString('base64'),
};
// Anything else the examples name: a value long enough for every token and password rule.
const withDefaults = new Proxy(env, { get: (target, name: string) => target[name] ?? `value-of-${name.toLowerCase()}-0123456789` });

test('the README has configuration examples', () => {
  assert.ok(blocks.length >= 3, `found ${blocks.length} yaml blocks`);
});

test('every configuration example in the README is valid', () => {
  for (const block of blocks) {
    // Fragments (a providers list, a scale-out excerpt) are checked as part of a whole configuration.
    const whole = /^auth:/m.test(block) ? block : `auth: { type: header, secrets: ["a-long-enough-hook-secret"] }\n${/^providers:/m.test(block) ? '' : 'providers: { dev: { kind: console } }\n'}${block}`;
    assert.doesNotThrow(() => parseConfigText(whole, withDefaults), (err: unknown) => `${block.slice(0, 60)}…\n${String(err)}`);
  }
});
