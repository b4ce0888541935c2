import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';
import type { CallRecord, CallResult, Claim, DeliveryStore } from './types.js';
import type { OktaAnswer } from '../okta/contract.js';

/** The default delivery log: one SQLite file, WAL mode, so a killed process keeps every committed row. */
export function openSqliteStore(path: string): DeliveryStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const insert = db.prepare(`
    INSERT INTO hook_calls (event_id, received_at, state, request_type, channel, phone_masked, phone_hash,
                            country, user_id, login, locale, preview)
    VALUES (@eventId, @receivedAt, 'pending', @requestType, @channel, @phoneMasked, @phoneHash,
            @country, @userId, @login, @locale, @preview)
    ON CONFLICT (event_id) DO NOTHING`);
  const selectAnswer = db.prepare<[string], { state: string; answer: string | null }>(
    'SELECT state, answer FROM hook_calls WHERE event_id = ?');
  const update = db.prepare(`
    UPDATE hook_calls SET state = 'done', status = @status, reason = @reason, blocked_by = @blockedBy,
      provider = @provider, transaction_id = @transactionId, attempts = @attempts, attempt_count = @attemptCount,
      latency_ms = @latencyMs, answer = @answer, completed_at = @completedAt
    WHERE event_id = @eventId`);

  // 'sent' is the only state a later receipt may move on from; a replayed or late 'sent' changes nothing.
  const receipt = db.prepare(`
    UPDATE hook_calls SET receipt_status = @status, receipt_provider_status = @providerStatus,
      receipt_code = @providerCode, receipt_at = @at
    WHERE provider = @provider AND transaction_id = @transactionId
      AND (receipt_status IS NULL OR receipt_status = 'sent' OR (@status <> 'sent' AND receipt_at <= @at))`);

  const answerOf = (eventId: string): OktaAnswer | undefined => {
    const row = selectAnswer.get(eventId);
    return row?.state === 'done' && row.answer ? (JSON.parse(row.answer) as OktaAnswer) : undefined;
  };

  return {
    async claim(r: CallRecord): Promise<Claim> {
      const { changes } = insert.run({
        ...r,
        country: r.country ?? null,
        userId: r.userId ?? null,
        login: r.login ?? null,
        preview: r.preview ? 1 : 0,
      });
      return changes === 1 ? { claimed: true } : { claimed: false, answer: answerOf(r.eventId) };
    },
    async complete(eventId: string, r: CallResult) {
      update.run({
        eventId,
        status: r.status,
        reason: r.reason ?? null,
        blockedBy: r.blockedBy ?? null,
        provider: r.provider ?? null,
        transactionId: r.transactionId ?? null,
        attempts: JSON.stringify(r.attempts),
        attemptCount: r.attempts.length,
        latencyMs: r.latencyMs,
        answer: JSON.stringify(r.answer),
        completedAt: Date.now(),
      });
    },
    async answerOf(eventId: string) {
      return answerOf(eventId);
    },
    async recordReceipt(provider, r) {
      return receipt.run({
        provider,
        transactionId: r.transactionId,
        status: r.status,
        providerStatus: r.providerStatus,
        providerCode: r.providerCode ?? null,
        at: r.at.getTime(),
      }).changes;
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  const applied = new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version));
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    })();
  }
}
