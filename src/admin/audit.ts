// Who did what on the admin page: logins (and failed ones), logouts, real sends from the Preview
// and lifted blocks, written to the delivery log's database (store/audit.ts) and shown on the
// Audit page; and the roles that decide who may do the last two. Plain functions; routes.ts adapts HTTP.
import * as z from '../core/zod.js';
import type { FastifyBaseLogger } from 'fastify';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import { maskPhone } from '../core/mask.js';
import { parseHookRequest } from '../okta/contract.js';
import type { AuditEntry, AuditLog, AuditRow } from '../store/types.js';
import type { Role } from './schema.js';
import type { SendResult } from './api/preview.js';

/** An action the caller's role may not take. */
export class Forbidden extends GatewayError {
  /** Read by the admin error handler (routes.ts). */
  readonly statusCode = 403;
  constructor(action: string) {
    super(ERROR_CODES.FORBIDDEN, `Forbidden: a read-only login cannot ${action}`);
  }
}

/** Throws Forbidden unless `role` may change things (send for real, lift a block). */
export function requireAdmin(role: Role, action: string): void {
  if (role !== 'admin') throw new Forbidden(action);
}

export const auditQuery = z.object({
  /** The `next` of the previous page. */
  before: z.optional(z.coerce.number().check(z.int(), z.positive())),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50),
});

/** One page of the audit log, newest first; `next` is there when there may be older entries. */
export async function auditPage(log: AuditLog, q: z.output<typeof auditQuery>): Promise<{ entries: AuditRow[]; next?: number }> {
  const entries = await log.list({ beforeId: q.before, limit: q.limit });
  const last = entries.at(-1);
  return { entries, ...(entries.length === q.limit && last ? { next: last.id } : {}) };
}

export type Audit = (entry: Omit<AuditEntry, 'at'>) => Promise<void>;

/**
 * Writes entries to `log`, each also as a log line. A database that fails is logged as an error:
 * the action the entry records has happened and stands.
 */
export function auditor(log: AuditLog, logger: FastifyBaseLogger, now: () => number): Audit {
  return async (entry) => {
    logger.info({ audit: entry.action, user: entry.actor }, `admin audit: ${entry.action}`);
    try {
      await log.record({ ...entry, at: now() });
    } catch (err) {
      logger.error({ err, audit: entry.action }, 'admin audit: could not write the entry to the delivery log\'s database');
    }
  };
}

/** What a real Preview send is recorded as: the request's kind and masked number, and how it ended. */
export function sendDetail(request: unknown, result: SendResult): string {
  const parsed = parseHookRequest(request);
  const what = parsed.ok ? `${parsed.request.requestType} ${parsed.request.channel} to ${maskPhone(parsed.request.phone)}` : 'invalid request';
  const o = result.outcome;
  const end = o ? `${o.status}${o.provider ? ` via ${o.provider}` : ''}` : result.replayed ? 'replayed, nothing sent' : `HTTP ${result.httpStatus}`;
  return `${what}: ${end}`;
}
