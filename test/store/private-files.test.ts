// The delivery log's folder is 0700 and every file the gateway writes in it 0600: the SQLite file,
// its -wal and -shm, secrets.json (issue 13, item 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';

const mode = (path: string): number => statSync(path).mode & 0o777;
const octal = (m: number): string => m.toString(8).padStart(4, '0');

function assertPrivate(dir: string): void {
  assert.equal(octal(mode(dir)), '0700', `${dir}`);
  const files = readdirSync(dir);
  for (const f of files) assert.equal(octal(mode(join(dir, f))), '0600', f);
}

const record = (eventId: string) => ({
  eventId, receivedAt: Date.now(), requestType: 'mfa-verification' as const, channel: 'sms' as const,
  phoneMasked: '+1415****100', phoneHash: 'h', userId: 'u', login: 'l', locale: 'en', preview: false,
});

test('a new delivery log: folder 0700, the file, its -wal and -shm 0600', async () => {
  const root = mkdtempSync(join(tmpdir(), 'byot-modes-'));
  try {
    const dir = join(root, 'data');
    const store = await openSqliteStore(join(dir, 'byot.sqlite'));
    await store.claim(record('e1'));
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['byot.sqlite', 'byot.sqlite-shm', 'byot.sqlite-wal']);
    assertPrivate(dir);
    await store.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an existing log written 0644 in a 0755 folder is narrowed at start-up', async () => {
  const root = mkdtempSync(join(tmpdir(), 'byot-modes-'));
  try {
    const dir = join(root, 'data');
    const first = await openSqliteStore(join(dir, 'byot.sqlite'));
    await first.claim(record('e1'));
    await first.close();
    chmodSync(dir, 0o755);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
    const again = await openSqliteStore(join(dir, 'byot.sqlite'));
    await again.claim(record('e2'));
    assertPrivate(dir);
    await again.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a gateway that generates its hash key keeps it (secrets.json) and its log private', async () => {
  const root = mkdtempSync(join(tmpdir(), 'byot-modes-'));
  const dir = join(root, 'state');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'unrelated.txt'), 'x');
  const gw = await startGateway({ yaml: `store:\n  path: ${join(dir, 'byot.sqlite')}` });
  try {
    const res = await gw.hook(oktaRequest());
    assert.equal(res.status, 200);
    assert.ok(readdirSync(dir).includes('secrets.json'));
    assertPrivate(dir);
  } finally {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  }
});
