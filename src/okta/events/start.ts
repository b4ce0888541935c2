// Starts what the `oktaEvents:` section asks for: the event processor whenever events can arrive
// (an event hook secret or a System Log poller), the poller, and what the event hook route needs.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createOktaTransport } from '../management/client.js';
import { SYSTEM_LOG_SCOPES, systemLogApi } from '../management/system-log.js';
import type { ManagementAuth } from '../management/auth.js';
import type { EventInbox, MatchedSend } from './inbox.js';
import { createPoller, type Poller } from './poller.js';
import { createEventProcessor, type EventCounters, type EventProcessor } from './processor.js';
import type { OktaEventsConfig, SystemLogPollConfig } from './schema.js';

export interface OktaEvents {
  /** For the event hook route, when it has a secret. */
  route?: { settings: OktaEventsConfig & { secrets: string[] }; processor: EventProcessor };
  processor?: EventProcessor;
  poller?: Poller;
  close(): Promise<void>;
}

function pollAuth(p: SystemLogPollConfig): ManagementAuth {
  if (p.token !== undefined) return { type: 'ssws', token: p.token.replace(/^SSWS\s+/i, '') };
  return { type: 'oauth', clientId: p.clientId!, privateKey: readFileSync(p.privateKeyFile!, 'utf8'), keyId: p.keyId, scopes: SYSTEM_LOG_SCOPES };
}

export function startOktaEvents(
  settings: OktaEventsConfig,
  deps: { inbox: EventInbox; metrics: EventCounters; log: Logger; onVerified?: (send: MatchedSend, at: number) => void },
): OktaEvents {
  if (settings.secrets === undefined && settings.poll === undefined) return { close: async () => undefined };
  const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const processor = createEventProcessor({
    inbox: deps.inbox,
    log: deps.log,
    metrics: deps.metrics,
    holder,
    unmatchedKeepMs: settings.unmatchedKeepMs,
    retainMs: settings.retainMs,
    intervalMs: settings.processIntervalMs,
    onVerified: deps.onVerified,
  });
  processor.start();

  let poller: Poller | undefined;
  const p = settings.poll;
  if (p) {
    try {
      // Never waits out a rate limit inside a call: the poller schedules its next round instead.
      const transport = createOktaTransport({ org: p.org, auth: pollAuth(p), timeoutMs: p.timeoutMs, maxRateLimitWaitMs: 0 }, SYSTEM_LOG_SCOPES);
      poller = createPoller({
        inbox: deps.inbox, logs: systemLogApi(transport), log: deps.log, metrics: deps.metrics, holder,
        intervalMs: p.intervalMs, backfillMs: p.backfillMs, onStored: () => processor.kick(),
      });
      poller.start();
    } catch (err) {
      deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'the System Log poller cannot start');
    }
  }
  const secrets = settings.secrets;
  return {
    processor,
    ...(poller ? { poller } : {}),
    ...(secrets ? { route: { settings: { ...settings, secrets }, processor } } : {}),
    async close() {
      await poller?.close();
      await processor.close();
    },
  };
}
