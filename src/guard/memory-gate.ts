// The gate of a single instance, and the per-instance insurance of the Redis gate: counters in
// this process, checked and counted in one synchronous step.
import type { Admission, Admitted, Counter, Gate } from './gate.js';
import { DistinctMemory, MemoryWindows } from './memory-windows.js';

export class MemoryGate implements Gate {
  private readonly windows = new Map<Counter, MemoryWindows>();
  private readonly distinct = new Map<Counter, DistinctMemory>();

  /**
   * @param share each max is divided by it (rounded up): the insurance's share of a limit that
   *   `share` instances hold together while Redis is away.
   * @param degraded what the verdicts say: true for the insurance.
   * @param now the clock: Date.now, or a simulated one (bench/fraud.ts).
   */
  constructor(private readonly share = 1, private readonly degraded = false, private readonly now: () => number = Date.now) {}

  /**
   * `admission.claim` is not looked at: claims live in Redis only, and while Redis is away the
   * delivery log's own claim is what stops a repeat on this instance. `admission.blocks` is this
   * instance's copy of the conversion blocks: their `offline` rule refuses before any counter.
   */
  admitNow({ steps, blocks }: Admission): Admitted {
    if (blocks?.offline) return { state: 'refused', rule: blocks.offline, degraded: this.degraded };
    const now = this.now();
    for (const { counter, key, member = '' } of steps) {
      const room = counter.kind === 'window' ? this.windowsOf(counter).room(key, now) : this.distinctOf(counter).room(key, member, now);
      if (!room) return { state: 'refused', rule: counter.rule, degraded: this.degraded };
    }
    for (const { counter, key, member = '' } of steps) {
      if (counter.kind === 'window') this.windowsOf(counter).add(key, now);
      else this.distinctOf(counter).add(key, member, now);
    }
    return { state: 'ok', degraded: this.degraded };
  }

  admit(admission: Admission): Promise<Admitted> {
    return Promise.resolve(this.admitNow(admission));
  }

  private windowsOf(counter: Counter): MemoryWindows {
    let w = this.windows.get(counter);
    if (!w) this.windows.set(counter, (w = new MemoryWindows(Math.ceil(counter.window.max / this.share), counter.window.perSeconds * 1_000)));
    return w;
  }

  private distinctOf(counter: Counter): DistinctMemory {
    let d = this.distinct.get(counter);
    if (!d) this.distinct.set(counter, (d = new DistinctMemory(Math.ceil(counter.window.max / this.share), counter.window.perSeconds * 1_000)));
    return d;
  }
}
