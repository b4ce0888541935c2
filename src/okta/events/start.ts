// Starts what the `oktaEvents:` section asks for: the event processor whenever events can arrive
// (an event hook secret or a System Log poller), and says what the event hook route needs.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventInbox, MatchedSend } from './inbox.js';
import { createEventProcessor, type EventCounters, type EventProcessor } from './processor.js';
import type { OktaEventsConfig } from './schema.js';

export interface OktaEvents {
  /** For the event hook route, when it has a secret. */
  route?: { settings: OktaEventsConfig & { secrets: string[] }; processor: EventProcessor };
  processor?: EventProcessor;
  close(): Promise<void>;
}

export function startOktaEvents(
  settings: OktaEventsConfig,
  deps: { inbox: EventInbox; metrics: EventCounters; log: Logger; onVerified?: (send: MatchedSend, at: number) => void },
): OktaEvents {
  if (settings.secrets === undefined && settings.poll === undefined) return { close: async () => undefined };
  const processor = createEventProcessor({
    inbox: deps.inbox,
    log: deps.log,
    metrics: deps.metrics,
    holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    unmatchedKeepMs: settings.unmatchedKeepMs,
    retainMs: settings.retainMs,
    intervalMs: settings.processIntervalMs,
    onVerified: deps.onVerified,
  });
  processor.start();
  const secrets = settings.secrets;
  return {
    processor,
    ...(secrets ? { route: { settings: { ...settings, secrets }, processor } } : {}),
    close: () => processor.close(),
  };
}
