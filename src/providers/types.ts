import type { Channel, DeliveryReceipt, Destination, ErrorCategory } from '../core/domain.js';
export type { DeliveryReceipt, ReceiptStatus } from '../core/domain.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import type { VoiceTable } from './voices.js';

/** What an adapter is asked to deliver: the destination and the text, already localised. */
export interface OutboundMessage {
  channel: Channel;
  to: Destination;
  /** SMS body, or the script a voice call speaks. Contains the code. */
  text: string;
  /** The bare code, for adapters that build their own voice markup. */
  code: string;
  /** BCP 47 language tag of `text`. */
  locale: string;
  /** Okta's eventId: a correlation reference some providers store with the message. */
  reference: string;
}

export interface SendResult {
  /** The provider's message or call id; becomes Okta's `transactionId`. */
  transactionId: string;
  /** The provider's own word for the state it accepted the message in (`queued`, `accepted`…). */
  status: string;
}

export interface ProviderAdapter {
  /** The configured name (key under `providers:`). */
  readonly name: string;
  readonly kind: string;
  readonly channels: ReadonlySet<Channel>;
  /** Longest a single attempt may take; the hook's remaining budget may cut it shorter. */
  readonly timeoutMs: number;
  /**
   * The languages a voice call can be spoken in, with the voice for each (providers/voices.ts).
   * Absent when the adapter speaks whatever it is given (console, the http template).
   */
  readonly voices?: VoiceTable;
  /**
   * Hand the message to the provider. Resolves once the provider accepted it; throws a
   * ProviderError otherwise. Must stop work when `signal` aborts.
   */
  send(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult>;
  /**
   * Verify one status callback (delivery receipt) with the provider's own scheme and read it.
   * Throws CallbackRejected when the signature, token or timestamp does not hold.
   */
  receipts?(req: CallbackRequest): Promise<DeliveryReceipt[]>;
  /**
   * Serve a document the provider fetches while a call runs (Plivo's answer XML), at
   * `{publicUrl}/voice/{kind}/{name}`. Throws CallbackRejected when the request is not genuine.
   */
  voiceDocument?(req: CallbackRequest): Promise<{ contentType: string; body: string }>;
  /**
   * Tells the provider that a message reached its user (Okta saw the code used), for the kinds that
   * take such feedback and only when the provider's `feedback: true` is set (src/feedback/).
   */
  feedback?: ProviderFeedback;
  close?(): Promise<void>;
}

/** The message a verification is about. */
export interface FeedbackTarget {
  /** The provider's message or call id, as `send` returned it. */
  transactionId: string;
  channel: Channel;
  /** When Okta saw the code used, epoch ms. */
  verifiedAt: number;
}

export interface ProviderFeedback {
  /** The channels whose messages the provider takes feedback on. */
  readonly channels: ReadonlySet<Channel>;
  /** One feedback call. Resolves once the provider took it; throws a ProviderError otherwise. */
  send(target: FeedbackTarget, signal: AbortSignal): Promise<void>;
}

/** A status callback as it arrived at `POST /callbacks/:provider/:name[/:token]`. */
export interface CallbackRequest {
  /** The public URL the provider called (publicUrl + path + query): what signatures cover. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received, for signatures over raw bytes. */
  rawBody: string;
  /** The body parsed: a JSON value, or form fields as a string map. */
  body: unknown;
  /** The secret path segment, for providers that sign nothing (Infobip, 8x8). */
  token?: string;
  receivedAt: Date;
}

/** A callback that fails verification: 401 when unsigned or unknown, 403 when tampered or replayed. */
export class CallbackRejected extends GatewayError {
  readonly status: 401 | 403;
  constructor(status: 401 | 403, reason: string) {
    super(ERROR_CODES.CALLBACK_REJECTED, reason);
    this.status = status;
  }
}

export interface ProviderErrorOptions {
  /** The provider's own code or status, for the delivery log. */
  providerCode?: string;
  /** True when the provider may have accepted the message although we saw a failure. */
  ambiguous?: boolean;
  cause?: unknown;
}

/** A classified provider failure; `message` must never contain the code or a full number. */
export class ProviderError extends GatewayError {
  readonly category: ErrorCategory;
  readonly providerCode?: string;
  readonly ambiguous: boolean;

  constructor(category: ErrorCategory, message: string, opts: ProviderErrorOptions = {}) {
    super(ERROR_CODES.PROVIDER, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.category = category;
    this.providerCode = opts.providerCode;
    this.ambiguous = opts.ambiguous ?? false;
  }
}

export interface ProviderContext {
  log: Logger;
  /**
   * Where this provider's status callbacks arrive (`{publicUrl}/callbacks/{kind}/{name}`),
   * when `server.publicUrl` is configured; adapters pass it with each send.
   */
  callbackUrl?: string;
  /** `{publicUrl}/voice/{kind}/{name}`, when `server.publicUrl` is configured (see voiceDocument). */
  voiceUrl?: string;
}

