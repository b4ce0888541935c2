// The gate of instances sharing Redis: one script per request (admission-script.ts) — the claim,
// the conversion blocks and every counter — with a per-instance insurance (a MemoryGate holding a
// share of each limit) while Redis fails.
import type { Redis } from 'ioredis';
import type { Admission, Admitted, Gate } from './gate.js';
import type { MemoryGate } from './memory-gate.js';
import { admissionScripts, type AdmissionScripts, type AdmitReply } from './admission-script.js';
import { describe, type GuardLog, type StoreHealth } from './store-health.js';
import { StoreTimeout, withTimeout } from './store-timeout.js';
import { blockKey } from './conversion/blocks.js';

export interface RedisGateOptions {
  client: Redis;
  health: StoreHealth;
  /** Longest a round trip may take before the insurance (or the fail mode) answers instead. */
  timeoutMs: number;
  keyPrefix: string;
  /** Counts while Redis fails; absent: the request is `unavailable` and the fail mode decides. */
  insurance?: MemoryGate;
  /** What the guard answers for `unavailable`: needed to know whether a late answer's counts were used. */
  failMode: 'open' | 'closed';
  log: GuardLog;
}

export class RedisGate implements Gate {
  private readonly scripts: AdmissionScripts;

  constructor(private readonly o: RedisGateOptions) {
    this.scripts = admissionScripts(o.client);
  }

  async admit(admission: Admission): Promise<Admitted> {
    const { health } = this.o;
    if (!health.usable()) return this.withoutRedis(admission);
    const { keys, args } = this.request(admission);
    const sent = this.scripts.admit(keys, args);
    try {
      const reply = await withTimeout(sent, this.o.timeoutMs);
      health.succeeded();
      return this.verdict(reply, admission);
    } catch (err) {
      health.failed(err);
      const fallback = this.withoutRedis(admission);
      if (err instanceof StoreTimeout) this.settleLate(sent, admission, fallback);
      return fallback;
    }
  }

  private withoutRedis(admission: Admission): Admitted {
    return this.o.insurance ? this.o.insurance.admitNow(admission) : { state: 'unavailable' };
  }

  private request({ steps, claim, blocks }: Admission): { keys: string[]; args: (string | number)[] } {
    const keys: string[] = [];
    const blockSteps = blocks?.steps ?? [];
    const args: (string | number)[] = [steps.length, blockSteps.length, claim?.value ?? '', claim?.ttlMs ?? 0,
      blocks?.now ?? 0, blocks?.cooldownMs ?? 0, blocks?.renewEveryMs ?? 0];
    for (const { counter, key, member } of steps) {
      keys.push(`${this.o.keyPrefix}:${counter.name}:${key}`);
      args.push(counter.kind === 'window' ? 'w' : 'd', counter.window.max, counter.window.perSeconds * 1_000, member ?? '');
    }
    for (const block of blockSteps) {
      keys.push(blockKey(this.o.keyPrefix, block.id));
      args.push(block.enforce ? 'e' : 'm', block.start ?? '');
    }
    if (claim) keys.push(claim.key);
    return { keys, args };
  }

  private verdict([code, index, , values, started]: AdmitReply, { steps, blocks }: Admission): Admitted {
    if (code === 2) return { state: 'claimed' };
    const shared = blocks ? { blocks: { values, started: started.map((s) => s === 1) } } : {};
    if (code === 3) return { state: 'refused', rule: blocks!.steps[index - 1]!.rule, degraded: false, ...shared };
    if (code === 0) return { state: 'refused', rule: steps[index - 1]!.counter.rule, degraded: false, ...shared };
    return { state: 'ok', degraded: false, ...shared };
  }

  /**
   * A script that timed out may still run. When it counted the request and the request was
   * refused without it (the insurance refused, or no insurance and failMode closed), its counts
   * are taken back, so a slow round trip does not take a slot from a later request. When the
   * request was sent, its counts in Redis are right as they are.
   */
  private settleLate(sent: Promise<AdmitReply>, admission: Admission, fallback: Admitted): void {
    const sentAnyway = fallback.state === 'ok' || (fallback.state === 'unavailable' && this.o.failMode === 'open');
    sent.then(
      async ([code, , added]) => {
        if (code !== 1 || sentAnyway) return;
        const keys: string[] = [];
        const args: (string | number)[] = [];
        admission.steps.forEach(({ counter, key, member }, i) => {
          const full = `${this.o.keyPrefix}:${counter.name}:${key}`;
          if (counter.kind === 'window') {
            keys.push(full);
            args.push('w', Math.min(1_000, counter.window.perSeconds * 100));
          } else if (added.includes(i + 1)) {
            keys.push(full);
            args.push('d', member ?? '');
          }
        });
        await withTimeout(this.scripts.release(keys, args), this.o.timeoutMs);
      },
      () => undefined,
    ).catch((err: unknown) => {
      // The counts stay until their windows end: stricter than needed, never looser.
      this.o.log.debug({ err: describe(err) }, 'guard: could not take back the counts of a late Redis answer');
    });
  }
}
