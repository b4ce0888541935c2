// The feedback record of verified sends (src/feedback/) over either database: the same SQL for
// SQLite and PostgreSQL, through the store's reads and one-transaction writes. The columns are
// migration 6's (migrations.ts).
import type { Channel } from '../core/domain.js';
import type { SqlDb } from './okta-events.js';
import type { Param } from './sql.js';
import type { FeedbackDue, FeedbackLog } from './types.js';

/** Unsettled: never taken, or taken (`sending`) so long ago that its instance must have died. */
const UNSETTLED = "(feedback_status IS NULL OR (feedback_status = 'sending' AND feedback_at < ?))";
/** The message the user got: the resend's when there was one (its first message was undelivered). */
const RESENT = "resend_state = 'sent' AND resend_transaction_id IS NOT NULL";
const TARGET = `CASE WHEN ${RESENT} THEN resend_provider ELSE provider END AS provider,
  CASE WHEN ${RESENT} THEN resend_transaction_id ELSE transaction_id END AS transaction_id`;

const toDue = (r: DueDbRow): FeedbackDue => ({
  eventId: r.event_id, provider: r.provider, transactionId: r.transaction_id, channel: r.channel as Channel, verifiedAt: Number(r.verified_at),
});

interface DueDbRow { event_id: string; provider: string; transaction_id: string; channel: string; verified_at: number | string }

export function createFeedbackLog(db: SqlDb): FeedbackLog {
  const one = async (sql: string, ...params: Param[]): Promise<number> => (await db.steps([{ sql, params }], false))[0] ?? 0;
  return {
    async due(providers, sinceMs, staleBefore, limit) {
      if (providers.length === 0) return [];
      const marks = providers.map(() => '?').join(', ');
      const rows = await db.all<DueDbRow>({
        sql: `SELECT event_id, ${TARGET}, channel, verified_at FROM hook_calls
          WHERE verified_at >= ? AND transaction_id IS NOT NULL AND ${UNSETTLED}
            AND (CASE WHEN ${RESENT} THEN resend_provider ELSE provider END) IN (${marks})
          ORDER BY verified_at, event_id LIMIT ?`,
        params: [Math.trunc(sinceMs), Math.trunc(staleBefore), ...providers, Math.max(1, Math.trunc(limit))],
      });
      return rows.map(toDue);
    },

    async take(eventId, now, staleBefore) {
      const taken = await one(`UPDATE hook_calls SET feedback_status = 'sending', feedback_at = ?
        WHERE event_id = ? AND verified_at IS NOT NULL AND transaction_id IS NOT NULL AND ${UNSETTLED}`, Math.trunc(now), eventId, Math.trunc(staleBefore));
      if (taken !== 1) return undefined;
      const [row] = await db.all<DueDbRow>({ sql: `SELECT event_id, ${TARGET}, channel, verified_at FROM hook_calls WHERE event_id = ?`, params: [eventId] });
      return row ? toDue(row) : undefined;
    },

    async release(eventId) {
      await one("UPDATE hook_calls SET feedback_status = NULL, feedback_at = NULL WHERE event_id = ? AND feedback_status = 'sending'", eventId);
    },

    async settle(eventId, s) {
      await one(`UPDATE hook_calls SET feedback_status = ?, feedback_at = ?, feedback_code = ?, feedback_tries = ?
        WHERE event_id = ? AND (feedback_status IS NULL OR feedback_status = 'sending')`,
      s.status, Math.trunc(s.at), s.code ?? null, Math.trunc(s.tries), eventId);
    },
  };
}
