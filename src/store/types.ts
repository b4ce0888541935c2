import type { Attempt, Channel, FailureReason, RequestType, Status } from '../domain.js';
import type { OktaAnswer } from '../okta/contract.js';
import type { DeliveryReceipt } from '../providers/types.js';

/** What is known of a hook call when it is claimed, before anything is sent. */
export interface CallRecord {
  eventId: string;
  receivedAt: number;
  requestType: RequestType;
  channel: Channel;
  phoneMasked: string;
  phoneHash: string;
  country?: string;
  userId?: string;
  login?: string;
  locale: string;
  preview: boolean;
}

/** How the call ended; `answer` is replayed to a repeated eventId and holds no code. */
export interface CallResult {
  status: Status;
  reason?: FailureReason;
  blockedBy?: string;
  provider?: string;
  transactionId?: string;
  attempts: Attempt[];
  latencyMs: number;
  answer: OktaAnswer;
}

export type Claim =
  | { claimed: true }
  /** Someone else owns the eventId; `answer` is there once they finished. */
  | { claimed: false; answer?: OktaAnswer };

/** The delivery log, which is also the idempotency record (one row per eventId). */
export interface DeliveryStore {
  claim(record: CallRecord): Promise<Claim>;
  complete(eventId: string, result: CallResult): Promise<void>;
  answerOf(eventId: string): Promise<OktaAnswer | undefined>;
  /**
   * Records a provider's delivery receipt on the call it belongs to (found by provider and
   * transactionId). A final state is never overwritten by an earlier one arriving late.
   * Resolves to the number of calls updated (0 when the id is unknown).
   */
  recordReceipt(provider: string, receipt: DeliveryReceipt): Promise<number>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
