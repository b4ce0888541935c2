// The admin audit log (types.ts AuditLog) over either database: who did what on the admin page,
// when and from where. The same SQL for SQLite and PostgreSQL, run through the store's reads and
// one-transaction writes (SqlDb, okta-events.ts). The table is migration 7's (migrations.ts).
import type { AuditEntry, AuditLog, AuditRow } from './types.js';
import type { SqlDb } from './okta-events.js';

/** Bounds of what an entry keeps: whatever a caller passes, a row stays small. */
export const AUDIT_LIMITS = { actor: 128, address: 64, detail: 200 } as const;
export const AUDIT_DEFAULT_PAGE = 50;
export const AUDIT_MAX_PAGE = 200;

interface AuditDbRow { id: number | string; at: number | string; actor: string; action: string; address: string; detail: string }

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function createAuditLog(db: SqlDb): AuditLog {
  return {
    async record(e: AuditEntry) {
      await db.steps([{
        sql: 'INSERT INTO admin_audit (at, actor, action, address, detail) VALUES (?, ?, ?, ?, ?)',
        params: [Math.trunc(e.at), cut(e.actor, AUDIT_LIMITS.actor), e.action, cut(e.address, AUDIT_LIMITS.address), cut(e.detail, AUDIT_LIMITS.detail)],
      }], false);
    },

    async list(opts = {}) {
      const limit = opts.limit === undefined || !Number.isFinite(opts.limit) ? AUDIT_DEFAULT_PAGE : Math.min(AUDIT_MAX_PAGE, Math.max(1, Math.floor(opts.limit)));
      const before = opts.beforeId !== undefined && Number.isSafeInteger(opts.beforeId) ? opts.beforeId : undefined;
      const rows = await db.all<AuditDbRow>({
        sql: `SELECT id, at, actor, action, address, detail FROM admin_audit ${before !== undefined ? 'WHERE id < ?' : ''} ORDER BY id DESC LIMIT ?`,
        params: before !== undefined ? [before, limit] : [limit],
      });
      return rows.map((r): AuditRow => ({
        id: Number(r.id), at: Number(r.at), actor: r.actor, action: r.action as AuditRow['action'], address: r.address, detail: r.detail,
      }));
    },

    async prune(beforeMs) {
      const [n] = await db.steps([{ sql: 'DELETE FROM admin_audit WHERE at < ?', params: [Math.trunc(beforeMs)] }], false);
      return n ?? 0;
    },
  };
}
