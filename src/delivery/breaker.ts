// One circuit breaker per provider. Written here rather than taken from cockatiel because an
// open provider is not refused outright: it moves to the back of the chain and is still tried
// when everything before it failed, which a breaker that throws on open cannot express.
import type { BreakerState, ErrorCategory } from '../core/domain.js';


export interface BreakerOptions {
  /** `consecutive`: open after `threshold` failures in a row; `rate`: open when the share of failures in the last `window` calls reaches `ratio`. */
  mode: 'consecutive' | 'rate';
  threshold: number;
  window: number;
  ratio: number;
  /** How long an open breaker waits before letting one probe through. */
  cooldownMs: number;
}

/** Failures that say the provider is unhealthy; the rest are about the destination or the message. */
const COUNTS: ReadonlySet<ErrorCategory> = new Set(['unavailable', 'auth', 'insufficient_funds', 'timeout']);

export function countsAgainstProvider(category: ErrorCategory): boolean {
  return COUNTS.has(category);
}

/** How an attempt was let through: normally, as the one half-open probe, or as a last resort while open. */
export type Admission = 'normal' | 'probe' | 'last-resort';

export class Breaker {
  private current: BreakerState = 'closed';
  private openedAt = 0;
  private probing = false;
  private consecutive = 0;
  private readonly recent: boolean[] = [];

  constructor(
    readonly provider: string,
    private readonly opts: BreakerOptions,
    private readonly onChange: (provider: string, state: BreakerState) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.opts.cooldownMs) return 'half-open';
    return this.current;
  }

  /** Whether a plan should put this provider in its normal place (closed, or ready for a probe). */
  available(): boolean {
    const s = this.state();
    return s === 'closed' || (s === 'half-open' && !this.probing);
  }

  /** Call right before an attempt; pass the answer to `record` afterwards. */
  admit(): Admission {
    const s = this.state();
    if (s === 'closed') return 'normal';
    if (s === 'half-open' && !this.probing) {
      this.probing = true;
      this.set('half-open');
      return 'probe';
    }
    return 'last-resort';
  }

  record(admission: Admission, ok: boolean, category?: ErrorCategory): void {
    if (admission === 'probe') this.probing = false;
    const failed = !ok && category !== undefined && countsAgainstProvider(category);
    if (ok) {
      this.consecutive = 0;
      this.push(false);
      if (this.current !== 'closed') this.close();
      return;
    }
    if (!failed) {
      // A destination problem tells nothing about the provider; a probe that hit one proves it answers.
      if (admission === 'probe') this.close();
      return;
    }
    this.consecutive++;
    this.push(true);
    if (admission !== 'normal' || this.tripped()) this.open();
  }

  private tripped(): boolean {
    if (this.opts.mode === 'consecutive') return this.consecutive >= this.opts.threshold;
    if (this.recent.length < this.opts.window) return false;
    return this.recent.filter(Boolean).length / this.recent.length >= this.opts.ratio;
  }

  private push(failed: boolean): void {
    this.recent.push(failed);
    if (this.recent.length > this.opts.window) this.recent.shift();
  }

  private open(): void {
    this.openedAt = this.now();
    this.set('open');
  }

  private close(): void {
    this.consecutive = 0;
    this.recent.length = 0;
    this.set('closed');
  }

  private set(state: BreakerState): void {
    if (this.current === state) return;
    this.current = state;
    this.onChange(this.provider, state);
  }
}
