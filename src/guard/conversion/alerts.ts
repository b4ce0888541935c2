// Announces conversion blocks to `alerts.webhookUrl`: a small JSON POST when a block starts, is
// lifted or ends. Never on the hook's path: events wait in a short bounded queue and are sent one
// at a time in the background, each call timed out and retried a little; beyond the queue's
// bound, new events are dropped (and logged), so a dead webhook can never hold memory or requests.
import type { AlertsConfig } from './schema.js';
import type { GuardLog } from '../store-health.js';
import type { BlockView } from './blocks.js';

export interface BlockAlert {
  event: 'block.started' | 'block.lifted' | 'block.ended';
  block: BlockView;
}

export type Alert = (alert: BlockAlert) => void;

/** Events waiting to be sent, at most. */
const QUEUE_MAX = 100;
const PAUSE_MS = 500;

export interface Alerter {
  alert: Alert;
  /** Resolves when the queue is empty (tests, shutdown); sends nothing new after `close`. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export function createAlerter(config: AlertsConfig, log: GuardLog): Alerter {
  const queue: BlockAlert[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  async function post(alert: BlockAlert): Promise<void> {
    const body = JSON.stringify({ source: 'byot-gateway', ...alert });
    for (let attempt = 0; attempt <= config.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, PAUSE_MS * 2 ** (attempt - 1)).unref());
      try {
        const res = await fetch(config.webhookUrl!, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(config.timeoutMs),
        });
        await res.body?.cancel();
        if (res.ok) return;
        log.warn({ status: res.status, attempt, event: alert.event }, 'alert webhook answered an error');
        if (res.status < 500 && res.status !== 429) return;
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err), attempt, event: alert.event }, 'alert webhook call failed');
      }
    }
  }

  async function run(): Promise<void> {
    while (queue.length > 0 && !closed) await post(queue.shift()!);
    running = undefined;
  }

  return {
    alert(alert) {
      if (config.webhookUrl === undefined || closed) return;
      if (queue.length >= QUEUE_MAX) {
        log.warn({ event: alert.event, rule: alert.block.rule }, 'alert webhook queue full; alert dropped');
        return;
      }
      queue.push(alert);
      running ??= run();
    },
    async drain() {
      await running;
    },
    async close() {
      closed = true;
      await running;
    },
  };
}
