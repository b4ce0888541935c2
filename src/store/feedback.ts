// The feedback record of verified sends (src/feedback/) over either database: the same SQL for
// SQLite and PostgreSQL, through the store's reads and one-transaction writes. The columns are
// migration 6's (migrations.ts).
import type { Channel } from '../core/domain.js';
import type { SqlDb } from './okta-events.js';
import type { Param } from './sql.js';
import type { FeedbackLog } from './types.js';

/** Unsettled: never taken, or taken (`sending`) so long ago that its instance must have died. */
const UNSETTLED = "(feedback_status IS NULL OR (feedback_status = 'sending' AND feedback_at < ?))";

interface DueDbRow { event_id: string; provider: string; transaction_id: string; channel: string; verified_at: number | string }

export function createFeedbackLog(db: SqlDb): FeedbackLog {
  const one = async (sql: string, ...params: Param[]): Promise<number> => (await db.steps([{ sql, params }], false))[0] ?? 0;
  return {
    async due(providers, sinceMs, staleBefore, limit) {
      if (providers.length === 0) return [];
      const rows = await db.all<DueDbRow>({
        sql: `SELECT event_id, provider, transaction_id, channel, verified_at FROM hook_calls
          WHERE verified_at >= ? AND provider IN (${providers.map(() => '?').join(', ')}) AND transaction_id IS NOT NULL AND ${UNSETTLED}
          ORDER BY verified_at, event_id LIMIT ?`,
        params: [Math.trunc(sinceMs), ...providers, Math.trunc(staleBefore), Math.max(1, Math.trunc(limit))],
      });
      return rows.map((r) => ({
        eventId: r.event_id, provider: r.provider, transactionId: r.transaction_id, channel: r.channel as Channel, verifiedAt: Number(r.verified_at),
      }));
    },

    async take(eventId, now, staleBefore) {
      return (await one(`UPDATE hook_calls SET feedback_status = 'sending', feedback_at = ?
        WHERE event_id = ? AND verified_at IS NOT NULL AND ${UNSETTLED}`, Math.trunc(now), eventId, Math.trunc(staleBefore))) === 1;
    },

    async settle(eventId, s) {
      await one(`UPDATE hook_calls SET feedback_status = ?, feedback_at = ?, feedback_code = ?, feedback_tries = ?
        WHERE event_id = ? AND (feedback_status IS NULL OR feedback_status = 'sending')`,
      s.status, Math.trunc(s.at), s.code ?? null, Math.trunc(s.tries), eventId);
    },
  };
}
