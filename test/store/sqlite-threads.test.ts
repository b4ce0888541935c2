// The SQLite store's threads (src/store/sqlite.ts): writes go to a writer thread in batches, and a
// checkpointer thread copies the WAL back into the database file. What a user relies on: every
// write asked for before close() is in the file after it, and the WAL does not grow without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { CallRecord } from '../../src/store/types.js';

function record(eventId: string): CallRecord {
  return {
    eventId, receivedAt: Date.now(), requestType: 'mfa-verification', channel: 'sms', phoneMasked: '+1415****100',
    phoneHash: `hash-${eventId}`, country: 'US', userId: `00u${eventId}`, login: `${eventId}@example.com`, locale: 'en', preview: false,
  };
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byot-threads-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('writes asked for just before close() are all committed by it', withDir(async (dir) => {
  const path = join(dir, 'log.sqlite');
  const store = await openSqliteStore(path);
  const claims = Array.from({ length: 500 }, (_, i) => store.claim(record(`evt-${i}`)));
  await store.close();
  assert.deepEqual(new Set((await Promise.all(claims)).map((c) => c.claimed)), new Set([true]));
  const db = new Database(path, { readonly: true });
  try {
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM hook_calls').get() as { n: number }).n, 500);
  } finally {
    db.close();
  }
  await assert.rejects(store.claim(record('late')), /closed/, 'a write after close() fails rather than vanishing');
}));

test('a repeated eventId in one batch is claimed once, and the second claim sees the first', withDir(async (dir) => {
  const store = await openSqliteStore(join(dir, 'log.sqlite'));
  try {
    const [first, second] = await Promise.all([store.claim(record('same')), store.claim(record('same'))]);
    assert.deepEqual(first, { claimed: true });
    assert.deepEqual(second, { claimed: false, answer: undefined });
  } finally {
    await store.close();
  }
}));

test('the checkpointer keeps the WAL small while calls are written', withDir(async (dir) => {
  const path = join(dir, 'log.sqlite');
  const store = await openSqliteStore(path);
  let largest = 0;
  try {
    // 40 rounds of 250 calls (claimed, then completed), 50 ms apart: about 2 s of steady writing,
    // which leaves a 12 MB WAL when nothing copies it back into the database file (under 1 MB here).
    for (let round = 0; round < 40; round++) {
      const ids = Array.from({ length: 250 }, (_, i) => `r${round}-${i}`);
      await Promise.all(ids.map((id) => store.claim(record(id))));
      await Promise.all(ids.map((id) => store.complete(id, {
        status: 'SUCCESSFUL', provider: 'p', transactionId: `tx-${id}`, attempts: [{ provider: 'p', ok: true, transactionId: `tx-${id}`, ms: 3 }],
        latencyMs: 3, answer: { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: 'p', transactionId: `tx-${id}` }] }] },
      })));
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      await sleep(50);
    }
  } finally {
    await store.close();
  }
  const MB = 1024 * 1024;
  assert.ok(largest < 4 * MB, `the WAL reached ${(largest / MB).toFixed(1)} MB`);
  const db = new Database(path, { readonly: true });
  try {
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM hook_calls WHERE state = 'done'").get() as { n: number }).n, 10_000);
  } finally {
    db.close();
  }
}));
