// The Okta event inbox (src/okta/events/inbox.ts) over either database: the same SQL for SQLite
// and PostgreSQL, run through the store's reads and its one-transaction writes. The tables are
// migration 4's (migrations.ts).
import type { Channel, RequestType } from '../core/domain.js';
import type { EventInbox, EventSource, PendingEvent, Settlement } from '../okta/events/inbox.js';
import { HOOK_FAILURE_EVENT } from '../okta/events/event-types.js';
import { DEFAULT_CODE_LIFE_MS, type Param, type Query } from './sql.js';

/** What the inbox needs of a store: reads, and statements run in one transaction. */
export interface SqlDb {
  all<T>(q: Query): Promise<T[]>;
  /**
   * Runs the statements in one transaction and resolves to each one's changed rows. With `guarded`,
   * the others run only when the first changed a row (else it resolves to `[0]`).
   */
  steps(steps: Query[], guarded: boolean): Promise<number[]>;
}

/** Okta's clock and ours differ a little: a verification published this long before the send still counts. */
export const CLOCK_SKEW_MS = 5_000;
const DAY_MS = 86_400_000;

const q = (sql: string, ...params: Param[]): Query => ({ sql, params });
const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Rows per INSERT: a batch of 1,000 events is ten statements in one transaction. */
const INSERT_ROWS = 100;
const insert = (rows: number): string => `INSERT INTO okta_events (uuid, received_at, published, event_type, source, raw, state, next_try_at)
  VALUES ${Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, 'pending', ?)").join(', ')} ON CONFLICT (uuid) DO NOTHING`;

const SETTLE = `UPDATE okta_events SET state = ?, reason = ?, event_id = ?, raw = NULL, settled_at = ?, tries = tries + 1
  WHERE uuid = ? AND state = 'pending'`;

interface PendingDbRow {
  uuid: string; received_at: number | string; published: number | string; event_type: string; source: string; raw: string | null; tries: number | string;
}

interface SendDbRow {
  event_id: string; received_at: number | string; channel: string; request_type: string;
  provider: string | null; transaction_id: string | null; verified_at: number | string | null;
}

export function createEventInbox(db: SqlDb): EventInbox {
  return {
    async receive(events, source: EventSource, now) {
      if (events.length === 0) return { stored: 0, duplicates: 0 };
      const at = Math.trunc(now);
      // A uuid twice in one batch is kept once, like one delivered twice.
      const unique = [...new Map(events.map((e) => [e.uuid, e])).values()];
      const steps: Query[] = [];
      for (let i = 0; i < unique.length; i += INSERT_ROWS) {
        const chunk = unique.slice(i, i + INSERT_ROWS);
        steps.push({ sql: insert(chunk.length), params: chunk.flatMap((e) => [e.uuid, at, Math.trunc(e.published), e.eventType, source, e.raw, at]) });
      }
      const changes = await db.steps(steps, false);
      const stored = changes.reduce((a, b) => a + b, 0);
      return { stored, duplicates: events.length - stored };
    },

    async due(now, limit) {
      const rows = await db.all<PendingDbRow>(q(
        `SELECT uuid, received_at, published, event_type, source, raw, tries FROM okta_events
         WHERE state = 'pending' AND next_try_at <= ? ORDER BY published, uuid LIMIT ?`,
        Math.trunc(now), Math.max(1, Math.trunc(limit)),
      ));
      return rows.map((r): PendingEvent => ({
        uuid: r.uuid, receivedAt: Number(r.received_at), published: Number(r.published), eventType: r.event_type,
        source: r.source === 'poll' ? 'poll' : 'hook', raw: r.raw ?? '', tries: Number(r.tries),
      }));
    },

    async findSend(s) {
      if (s.userIds.length === 0) return undefined;
      const params: Param[] = [...s.userIds, s.requestType];
      let channel = '';
      if (s.channel) {
        channel = 'AND channel = ?';
        params.push(s.channel);
      }
      params.push(Math.trunc(s.published) + CLOCK_SKEW_MS, DEFAULT_CODE_LIFE_MS, Math.trunc(s.published) - CLOCK_SKEW_MS);
      // The latest send before the event whose code was still alive; nothing was sent for a FAILED call.
      const [row] = await db.all<SendDbRow>({
        sql: `SELECT event_id, received_at, channel, request_type, provider, transaction_id, verified_at FROM hook_calls
          WHERE user_id IN (${marks(s.userIds.length)}) AND request_type = ? ${channel} AND preview = 0
            AND (status IS NULL OR status <> 'FAILED')
            AND received_at <= ? AND COALESCE(verify_until, received_at + ?) >= ?
          ORDER BY received_at DESC, event_id DESC LIMIT 1`,
        params,
      });
      if (!row) return undefined;
      return {
        eventId: row.event_id, receivedAt: Number(row.received_at), channel: row.channel as Channel, requestType: row.request_type as RequestType,
        ...(row.provider !== null ? { provider: row.provider } : {}),
        ...(row.transaction_id !== null ? { transactionId: row.transaction_id } : {}),
        ...(row.verified_at !== null ? { verifiedAt: Number(row.verified_at) } : {}),
      };
    },

    async knownCalls(eventIds) {
      const ids = [...new Set(eventIds)].slice(0, 20);
      if (ids.length === 0) return [];
      const rows = await db.all<{ event_id: string }>({ sql: `SELECT event_id FROM hook_calls WHERE event_id IN (${marks(ids.length)})`, params: ids });
      return rows.map((r) => r.event_id);
    },

    async verifiedSince(sinceMs, limit) {
      const rows = await db.all<{ event_id: string }>(q(
        'SELECT event_id FROM hook_calls WHERE received_at >= ? AND verified_at IS NOT NULL ORDER BY received_at DESC LIMIT ?',
        Math.trunc(sinceMs), Math.max(1, Math.trunc(limit)),
      ));
      return rows.map((r) => r.event_id);
    },

    async settle(uuid, s: Settlement, now) {
      const at = Math.trunc(now);
      if (s.state === 'retry') {
        const [n] = await db.steps([q("UPDATE okta_events SET tries = tries + 1, next_try_at = ? WHERE uuid = ? AND state = 'pending'", Math.trunc(s.nextTryAt), uuid)], false);
        return { settled: n === 1, newlyVerified: false };
      }
      const eventId = 'eventId' in s ? s.eventId ?? null : null;
      const reason = s.state === 'ignored' ? s.reason : s.state === 'verified' ? s.basis : null;
      const steps = [q(SETTLE, s.state, reason, eventId, at, uuid)];
      if (s.state === 'verified') {
        steps.push(q('UPDATE hook_calls SET verified_at = ?, verified_by = ?, verify_basis = ? WHERE event_id = ? AND verified_at IS NULL',
          Math.trunc(s.at), uuid, s.basis, s.eventId));
      } else if (s.state === 'failed_attempt') {
        steps.push(q(`UPDATE hook_calls SET verify_failures = verify_failures + 1,
            verify_failed_at = CASE WHEN verify_failed_at IS NULL OR verify_failed_at < ? THEN ? ELSE verify_failed_at END
          WHERE event_id = ?`, Math.trunc(s.at), Math.trunc(s.at), s.eventId));
      }
      const changes = await db.steps(steps, true);
      return { settled: changes[0] === 1, newlyVerified: s.state === 'verified' && changes[1] === 1 };
    },

    async prune(beforeMs) {
      const [n] = await db.steps([q("DELETE FROM okta_events WHERE state <> 'pending' AND published < ?", Math.trunc(beforeMs))], false);
      return n ?? 0;
    },

    async counts(sinceMs) {
      const rows = await db.all<{ state: string; event_type: string; n: number | string }>(q(
        'SELECT state, event_type, COUNT(*) AS n FROM okta_events WHERE received_at >= ? GROUP BY state, event_type ORDER BY state, event_type',
        Math.ceil(sinceMs),
      ));
      return rows.map((r) => ({ state: r.state as never, eventType: r.event_type, count: Number(r.n) }));
    },

    async hookFailuresByDay(sinceMs) {
      const rows = await db.all<{ day: number | string; n: number | string; matched: number | string | null }>(q(
        `SELECT published - published % ${DAY_MS} AS day, COUNT(*) AS n, SUM(CASE WHEN event_id IS NOT NULL THEN 1 ELSE 0 END) AS matched
         FROM okta_events WHERE event_type = ? AND published >= ? GROUP BY day ORDER BY day`,
        HOOK_FAILURE_EVENT, Math.ceil(sinceMs),
      ));
      return rows.map((r) => ({ day: Number(r.day), count: Number(r.n), matched: Number(r.matched ?? 0) }));
    },

    async cursor(name) {
      const [row] = await db.all<{ value: string }>(q('SELECT value FROM okta_cursors WHERE name = ?', name));
      return row?.value;
    },

    async setCursor(name, value, now) {
      await db.steps([q(`INSERT INTO okta_cursors (name, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, Math.trunc(now))], false);
    },

    async lease(name, holder, ttlMs, now) {
      const [n] = await db.steps([q(`INSERT INTO okta_leases (name, holder, expires_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE okta_leases.holder = excluded.holder OR okta_leases.expires_at < ?`, name, holder, Math.trunc(now + ttlMs), Math.trunc(now))], false);
      return n === 1;
    },

    async release(name, holder) {
      await db.steps([q('DELETE FROM okta_leases WHERE name = ? AND holder = ?', name, holder)], false);
    },
  };
}
