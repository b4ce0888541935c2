// Okta event hook deliveries and LogEvents for tests, built from test/fixtures/okta/ (Okta's own
// field names and shapes: the management OpenAPI's examples and LogEvent schema; the fixtures'
// `source` fields say where each came from).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of the repository, whether this runs from dist/ or from the sources. */
export function repoFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the tests');
    dir = up;
  }
  return join(dir, relative);
}

export const fixture = (name: string): any => JSON.parse(readFileSync(repoFile(`test/fixtures/okta/${name}`), 'utf8'));

export interface EventOptions {
  uuid?: string;
  eventType?: string;
  published?: Date | string;
  /** The actor's user id (actor.type User). */
  userId?: string;
  result?: string;
  /** debugContext.debugData.factor; null removes it (and the enrollment target's methodTypeUsed). */
  factor?: string | null;
  /** Put the user in target[] and an admin in actor (as an admin-initiated reset reads). */
  userAsTarget?: boolean;
  debugData?: Record<string, unknown>;
}

/** The fixture's user.authentication.auth_via_mfa event, changed as asked. */
export function logEvent(o: EventOptions = {}): Record<string, any> {
  const e = structuredClone(fixture('delivery.json').data.events[0]) as Record<string, any>;
  e.uuid = o.uuid ?? randomUUID();
  if (o.eventType) e.eventType = o.eventType;
  if (o.published) e.published = typeof o.published === 'string' ? o.published : o.published.toISOString();
  if (o.result) e.outcome.result = o.result;
  if (o.userId) e.actor.id = o.userId;
  if (o.factor === null) {
    delete e.debugContext.debugData.factor;
    for (const t of e.target) if (t.detailEntry) delete t.detailEntry.methodTypeUsed;
  } else if (o.factor) {
    e.debugContext.debugData.factor = o.factor;
    for (const t of e.target) if (t.detailEntry?.methodTypeUsed) t.detailEntry.methodTypeUsed = o.factor === 'CALL_FACTOR' ? 'Voice call' : o.factor === 'SMS_FACTOR' ? 'SMS' : o.factor;
  }
  if (o.userAsTarget) {
    e.target.push({ id: e.actor.id, type: 'User', alternateId: e.actor.alternateId, displayName: e.actor.displayName, detailEntry: null });
    e.actor = { id: '00uadmin0000000000g3', type: 'User', alternateId: 'admin@example.com', displayName: 'An Admin', detailEntry: null };
  }
  if (o.debugData) Object.assign(e.debugContext.debugData, o.debugData);
  return e;
}

/** An event hook POST body (com.okta.event_hook) carrying `events`. */
export function delivery(events: Record<string, any>[]): Record<string, any> {
  const d = fixture('delivery.json');
  d.eventId = randomUUID();
  d.data.events = events;
  return d;
}
