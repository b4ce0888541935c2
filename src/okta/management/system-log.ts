// `GET /api/v1/logs`, Okta's System Log API: one page of the System Log, ascending by
// `published`, and the `after` token of the next page from the `Link: <…>; rel="next"` header.
import { OktaApiError } from './errors.js';
import type { OktaTransport } from './client.js';

export const LOGS_PATH = '/api/v1/logs';
export const SYSTEM_LOG_SCOPES = ['okta.logs.read'] as const;

export interface LogPageQuery {
  /** ISO 8601; required unless `after` is given. */
  since?: string;
  until?: string;
  after?: string;
  filter?: string;
  /** 1 to 1,000 (Okta's default 100). */
  limit?: number;
}

export interface LogPage {
  /** Raw LogEvent objects, as Okta sent them. */
  events: unknown[];
  /** The `after` token of the next page, when Okta gave one. */
  next?: string;
}

/** The `after` value of the `rel="next"` link, if any. */
export function nextAfter(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m) continue;
    try {
      return new URL(m[1]!).searchParams.get('after') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface SystemLogApi {
  listLogEvents(q: LogPageQuery): Promise<LogPage>;
}

export function systemLogApi(t: OktaTransport): SystemLogApi {
  return {
    async listLogEvents(q) {
      const params = new URLSearchParams({ sortOrder: 'ASCENDING', limit: String(q.limit ?? 1000) });
      if (q.since) params.set('since', q.since);
      if (q.until) params.set('until', q.until);
      if (q.after) params.set('after', q.after);
      if (q.filter) params.set('filter', q.filter);
      const res = await t.call('GET', `${LOGS_PATH}?${params.toString()}`, { what: 'reading the System Log' });
      if (!Array.isArray(res.body)) throw new OktaApiError('Okta\'s answer to reading the System Log is not a list', { kind: 'response' });
      const next = nextAfter(res.headers.get('link'));
      return { events: res.body as unknown[], ...(next ? { next } : {}) };
    },
  };
}
