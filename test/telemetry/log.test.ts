// The logger's redaction (src/telemetry/log.ts): keys named like a passcode or a credential are censored at
// any depth and in any case, on the line as written; a line without such a key is written as is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, lineRedactor, REDACTED_KEYS } from '../../src/telemetry/log.js';

function capture(extra: string[] = []) {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  return { log: createLogger('info', sink, extra), lines };
}

test('passcodes and credentials are censored at any depth, in arrays and in any letter case', async () => {
  const { log, lines } = capture(['X-Telephony-Key']);
  log.info({
    deep: { a: { b: { c: { d: { otpCode: '48213957' } } } } },
    list: [{ token: 'tok-1' }, { nested: [{ Password: 'pw-2' }] }],
    headers: { Authorization: 'Bearer abc', 'x-telephony-key': 'hook-secret-3' },
    secrets: ['s-4', 's-5'],
    msgTemplate: 'Your code is 48213957',
    kept: 'visible',
  }, 'something');
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  for (const secret of ['48213957', 'tok-1', 'pw-2', 'Bearer abc', 'hook-secret-3', 's-4', 's-5']) {
    assert.ok(!line.includes(secret), `${secret} reached the log: ${line}`);
  }
  const parsed = JSON.parse(line) as Record<string, any>;
  assert.equal(parsed.deep.a.b.c.d.otpCode, '[redacted]');
  assert.equal(parsed.list[1].nested[0].Password, '[redacted]');
  assert.equal(parsed.headers['x-telephony-key'], '[redacted]');
  assert.equal(parsed.secrets, '[redacted]');
  assert.equal(parsed.kept, 'visible');
  assert.equal(parsed.msg, 'something');
  assert.ok(line.endsWith('\n'));
});

test('a line without such a key is written exactly as pino made it', () => {
  const redact = lineRedactor(REDACTED_KEYS);
  const line = '{"level":30,"eventId":"e1","to":"+1415****100","msg":"text that says token and otp"}\n';
  assert.equal(redact(line), line);
  // A key name inside a string value is text, not a key.
  const quoted = '{"level":30,"msg":"{\\"otp\\":\\"123\\"}"}\n';
  assert.equal(redact(quoted), quoted);
});

test('a line that names a redacted key but is not JSON is withheld whole', () => {
  const out = lineRedactor(REDACTED_KEYS)('not json "otp": 123456\n');
  assert.ok(!out.includes('123456'));
  assert.match(out, /withheld/);
});

test('log.format: readable lines (local time, level, message, fields) on a terminal or when asked; JSON otherwise', async () => {
  const pretty = (format: 'json' | 'pretty' | 'auto', isTTY: boolean) => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const log = createLogger('info', sink, [], { format, stream: { isTTY }, env: { NO_COLOR: '1' } });
    log.warn({ provider: 'twilio', otpCode: '48213957' }, 'circuit breaker changed state');
    return lines.join('');
  };
  const text = pretty('pretty', false);
  // e.g. "[2026-12-01 09:55:01.123] WARN: circuit breaker changed state {"provider":"twilio","otpCode":"[redacted]"}"
  assert.match(text, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN: circuit breaker changed state \{.*"provider":"twilio"/);
  assert.ok(!text.includes('48213957'), 'redaction applies to pretty lines too');
  assert.ok(!text.includes('\u001b['), 'NO_COLOR: no colour');
  assert.ok(!text.includes('"service"'), 'the fields every line has are left out');
  const hour = String(new Date().getHours()).padStart(2, '0');
  assert.match(text, new RegExp(` ${hour}:`), 'local time, not UTC');

  assert.match(pretty('auto', true), /WARN: circuit breaker changed state/);
  for (const [format, tty] of [['auto', false], ['json', true]] as const) {
    const line = JSON.parse(pretty(format, tty)) as Record<string, unknown>;
    assert.equal(line.level, 40);
    assert.equal(line.otpCode, '[redacted]');
  }
});
