// Rolling counts per key in fixed time buckets: sends, and of the decided ones how many were
// verified and how many expired unverified. A key's buckets are a small ring indexed by bucket
// number, so recording and summing cost the same whatever the traffic (no scan of other keys).
// Keys untouched for longer than the window are dropped a few at a time as new ones arrive.

export interface Tally {
  sent: number;
  verified: number;
  /** Expired (past otpExpires and the grace) without a verification. */
  failed: number;
}

export type Field = keyof Tally;

class Ring {
  readonly epochs: Float64Array;
  readonly sent: Uint32Array;
  readonly verified: Uint32Array;
  readonly failed: Uint32Array;
  touched = 0;

  constructor(size: number) {
    this.epochs = new Float64Array(size).fill(-1);
    this.sent = new Uint32Array(size);
    this.verified = new Uint32Array(size);
    this.failed = new Uint32Array(size);
  }
}

export class RollingCounts {
  /** In order of last touch (a touched key is moved to the end), so stale keys sit at the front. */
  private readonly rings = new Map<string, Ring>();
  private readonly size: number;

  constructor(private readonly bucketMs: number, windowMs: number) {
    this.size = Math.max(1, Math.ceil(windowMs / bucketMs));
  }

  /** The bucket a time falls in. */
  bucketOf(ms: number): number {
    return Math.floor(ms / this.bucketMs);
  }

  /** Adds one to `field` of `key` in bucket `bucket` (a bucket already out of the window is ignored). */
  add(key: string, bucket: number, field: Field, now: number): void {
    const current = this.bucketOf(now);
    if (bucket <= current - this.size || bucket > current) return;
    let ring = this.rings.get(key);
    if (ring) this.rings.delete(key);
    else ring = new Ring(this.size);
    this.rings.set(key, ring);
    ring.touched = now;
    const i = bucket % this.size;
    if (ring.epochs[i] !== bucket) {
      ring.epochs[i] = bucket;
      ring.sent[i] = 0;
      ring.verified[i] = 0;
      ring.failed[i] = 0;
    }
    ring[field][i]!++;
    this.expire(now);
  }

  /** Totals of `key` over the window ending now. */
  sum(key: string, now: number): Tally {
    const tally: Tally = { sent: 0, verified: 0, failed: 0 };
    const ring = this.rings.get(key);
    if (!ring) return tally;
    const oldest = this.bucketOf(now) - this.size;
    for (let i = 0; i < this.size; i++) {
      if (ring.epochs[i]! <= oldest) continue;
      tally.sent += ring.sent[i]!;
      tally.verified += ring.verified[i]!;
      tally.failed += ring.failed[i]!;
    }
    return tally;
  }

  get keys(): number {
    return this.rings.size;
  }

  /** Drops a few keys whose every bucket has left the window. */
  private expire(now: number): void {
    const horizon = now - this.size * this.bucketMs;
    let budget = 4;
    for (const [key, ring] of this.rings) {
      if (budget-- === 0 || ring.touched > horizon) return;
      this.rings.delete(key);
    }
  }
}
