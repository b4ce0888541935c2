// The delivery log's side of a resend (src/pipeline/resend.ts), the same SQL for SQLite and
// PostgreSQL through the store's reads and one-transaction writes. A call gets at most one resend:
// `claim` moves resend_state from NULL to 'sending' in one guarded UPDATE, so two receipts, or two
// instances sharing a PostgreSQL log, can never both win. The columns are migration 5's.
import type { SqlDb } from './okta-events.js';
import type { ResendClaim, ResendLog } from './types.js';

const CLAIM = `UPDATE hook_calls SET resend_state = 'sending', resend_at = ?
  WHERE event_id = ? AND state = 'done' AND resend_state IS NULL AND verified_at IS NULL AND verify_until > ?`;

const RECORD = `UPDATE hook_calls SET resend_state = ?, resend_provider = ?, resend_transaction_id = ?, attempts = ?, attempt_count = ?
  WHERE event_id = ? AND resend_state = 'sending'`;

interface ClaimDbRow { state: string; resend_state: string | null; verified_at: number | string | null; verify_until: number | string | null }

export function createResendLog(db: SqlDb): ResendLog {
  return {
    async claim(eventId, now) {
      const at = Math.trunc(now);
      const [changed] = await db.steps([{ sql: CLAIM, params: [at, eventId, at] }], false);
      if (changed === 1) return 'claimed';
      // Lost the guard: say why, for the metrics and the log.
      const [row] = await db.all<ClaimDbRow>({ sql: 'SELECT state, resend_state, verified_at, verify_until FROM hook_calls WHERE event_id = ?', params: [eventId] });
      return refusal(row, at);
    },

    async record(eventId, r) {
      await db.steps([{
        sql: RECORD,
        params: [r.state, r.provider ?? null, r.transactionId ?? null, JSON.stringify(r.attempts), r.attempts.length, eventId],
      }], false);
    },
  };
}

function refusal(row: ClaimDbRow | undefined, now: number): Exclude<ResendClaim, 'claimed'> {
  if (!row || row.state !== 'done') return 'unknown';
  if (row.resend_state !== null) return 'already';
  if (row.verified_at !== null) return 'verified';
  return row.verify_until === null || Number(row.verify_until) <= now ? 'expired' : 'unknown';
}
