// Receipts shared between instances, for the one resend after an undelivered receipt
// (pipeline/resend.ts). The message to resend — code included — lives only in the memory of the
// instance that sent it, but the provider's callback may reach any instance behind the load
// balancer. With `limits.url` set, an instance that gets an undelivered or failed receipt for a
// call it does not hold publishes the receipt — provider name, the provider's message id, the
// status: nothing secret, no number, no code — on `{guard.store.keyPrefix}:receipts`; every
// instance hears it and the one holding the call resends. The row's guard (store/resends.ts) still
// makes it happen at most once, whoever hears it. Never on the hook's path.
//
// Degraded mode: pub/sub delivers at most once, to the subscribers connected at the time. While
// Redis is away a receipt that lands on another instance gets no resend (as without Redis); the
// receipt itself is recorded on the row either way.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DeliveryReceipt, ReceiptStatus } from '../core/domain.js';
import type { Resender } from '../pipeline/resend.js';
import { withTimeout } from '../guard/index.js';

/** A relayed receipt is small; anything longer heard on the channel is ignored. */
const MESSAGE_MAX = 512;
/** Only these receipts can start a resend: the others are not worth a publish. */
const RESENDING: readonly ReceiptStatus[] = ['undelivered', 'failed'];
const PUBLISH_TIMEOUT_MS = 1_000;

interface Relayed {
  p: string;
  t: string;
  s: ReceiptStatus;
  ps: string;
  c?: string;
  at: number;
}

export interface ReceiptRelay {
  /** The callback routes' onReceipt: this instance's resender first, the other instances' after. */
  onReceipt(provider: string, receipt: DeliveryReceipt): Promise<void>;
  close(): Promise<void>;
}

/** Reads one relayed receipt; undefined for anything that is not one. */
function parse(message: string): { provider: string; receipt: DeliveryReceipt } | undefined {
  if (message.length > MESSAGE_MAX) return undefined;
  let m: Partial<Relayed>;
  try {
    m = JSON.parse(message) as Partial<Relayed>;
  } catch {
    return undefined;
  }
  if (typeof m.p !== 'string' || typeof m.t !== 'string' || typeof m.ps !== 'string' || typeof m.at !== 'number') return undefined;
  if (!RESENDING.includes(m.s as ReceiptStatus) || !Number.isFinite(m.at)) return undefined;
  const receipt: DeliveryReceipt = { transactionId: m.t, status: m.s!, providerStatus: m.ps, at: new Date(m.at), ...(typeof m.c === 'string' ? { providerCode: m.c } : {}) };
  return { provider: m.p, receipt };
}

/** Without Redis: this instance's resender alone. */
export function localReceipts(resender: Resender): ReceiptRelay {
  return {
    onReceipt: async (provider, receipt) => void (await resender.receive(provider, receipt)),
    close: async () => undefined,
  };
}

export function startReceiptRelay(client: Redis, channel: string, resender: Resender, log: Logger): ReceiptRelay {
  // Subscribed on every 'ready', so a Redis that was away at start-up, or came back, is heard again.
  const sub = client.duplicate({ lazyConnect: true, autoResubscribe: false, connectionName: 'byot-receipts' });
  sub.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    const heard = parse(message);
    if (!heard) return;
    // Resolves to undefined when this instance does not hold the call: then it is another's.
    void resender.receive(heard.provider, heard.receipt).then((outcome) => {
      if (outcome !== undefined) log.info({ provider: heard.provider, outcome }, 'resend: acted on a receipt another instance received');
    });
  });
  sub.on('error', (err: Error) => log.debug({ err: err.message }, 'resend: receipt subscription error'));
  sub.on('ready', () => {
    sub.subscribe(channel).catch((err: unknown) => {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'resend: receipts of other instances do not reach this one (no Redis subscription)');
    });
  });
  sub.connect().catch(() => undefined);

  return {
    async onReceipt(provider, receipt) {
      const outcome = await resender.receive(provider, receipt);
      if (outcome !== undefined || !RESENDING.includes(receipt.status)) return;
      const message: Relayed = {
        p: provider, t: receipt.transactionId, s: receipt.status, ps: receipt.providerStatus, at: receipt.at.getTime(),
        ...(receipt.providerCode !== undefined ? { c: receipt.providerCode } : {}),
      };
      const body = JSON.stringify(message);
      if (body.length > MESSAGE_MAX) return;
      try {
        await withTimeout(client.publish(channel, body), PUBLISH_TIMEOUT_MS);
      } catch (err) {
        log.warn({ provider, err: err instanceof Error ? err.message : String(err) }, 'resend: could not pass an undelivered receipt to the other instances');
      }
    },
    async close() {
      sub.disconnect();
    },
  };
}
