// The counters of one process: per-key windows and per-key sets of distinct members, read and
// written in one synchronous step by memory-gate.ts, so two requests can never both see the last
// free slot.

/**
 * Window starts in order, so that ended windows are found at the front without walking a Map
 * (a Map walked from its start also steps over every entry deleted since it last shrank). All
 * windows of a queue have the same length, so the order of starts is the order of ends. A key
 * whose window starts again is queued again; its earlier place is then stale, and `drop` is told
 * which window ended so it can tell.
 */
class ExpiryQueue {
  private keys: string[] = [];
  private ends: number[] = [];
  private head = 0;

  constructor(private readonly drop: (key: string, end: number) => void) {}

  /** When the first queued window ends (Infinity when none is queued). */
  get nextEnd(): number {
    return this.head < this.ends.length ? this.ends[this.head]! : Infinity;
  }

  push(key: string, end: number): void {
    this.keys.push(key);
    this.ends.push(end);
  }

  /** Drops a few windows that ended by `now`: more than one per count, so dropping keeps ahead of new keys. */
  expire(now: number): void {
    for (let budget = 8; budget > 0 && this.head < this.ends.length && this.ends[this.head]! <= now; budget--) {
      this.drop(this.keys[this.head]!, this.ends[this.head]!);
      this.head++;
    }
    if (this.head >= 1_024 && this.head * 2 >= this.ends.length) {
      this.keys = this.keys.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Per-key windows of `max` sends: a key's window starts at its first count and lasts `ms` (as in
 * Redis, where the key expires). A day's window holds an entry per number, user and range seen
 * that day, so entries are kept small: the Map holds a slot number, the slot's count and end live
 * in typed arrays. Each count frees a few ended windows (ExpiryQueue), so no sweep ever walks the
 * whole Map on the hot path.
 */
export class MemoryWindows {
  private readonly slots = new Map<string, number>();
  private ends = new Float64Array(256);
  private counts = new Uint32Array(256);
  private readonly free: number[] = [];
  private used = 0;
  private readonly queue = new ExpiryQueue((key, end) => {
    const slot = this.slots.get(key);
    if (slot === undefined || this.ends[slot] !== end) return;
    this.slots.delete(key);
    this.free.push(slot);
  });

  constructor(private readonly max: number, private readonly ms: number) {}

  /** Whether `key` has room for one more send at `now`. */
  room(key: string, now: number): boolean {
    const slot = this.slots.get(key);
    return slot === undefined || this.ends[slot]! <= now || this.counts[slot]! < this.max;
  }

  /** Counts one send under `key` (the caller checked `room`); starts a window when none runs. */
  add(key: string, now: number): void {
    if (now >= this.queue.nextEnd) this.queue.expire(now);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.allocate();
      this.slots.set(key, slot);
    } else if (this.ends[slot]! > now) {
      this.counts[slot]!++;
      return;
    }
    this.ends[slot] = now + this.ms;
    this.counts[slot] = 1;
    this.queue.push(key, now + this.ms);
  }

  /** Keys held, ended windows not yet freed included. */
  get size(): number {
    return this.slots.size;
  }

  private allocate(): number {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    if (this.used === this.ends.length) {
      const ends = new Float64Array(this.used * 2);
      ends.set(this.ends);
      this.ends = ends;
      const counts = new Uint32Array(this.used * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    return this.used++;
  }
}

/** Distinct members (numbers) per key (prefix) and window; ended windows freed as in MemoryWindows. */
export class DistinctMemory {
  private readonly sets = new Map<string, { expiresAt: number; members: Set<string> }>();
  private readonly queue = new ExpiryQueue((key, end) => {
    if (this.sets.get(key)?.expiresAt === end) this.sets.delete(key);
  });

  constructor(private readonly max: number, private readonly ms: number) {}

  private live(key: string, now: number) {
    const entry = this.sets.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  /** True when `member` is already counted under `key`, or fits. */
  room(key: string, member: string, now: number): boolean {
    const entry = this.live(key, now);
    return !entry || entry.members.has(member) || entry.members.size < this.max;
  }

  /** Counts `member` under `key` (the caller checked `room`). */
  add(key: string, member: string, now: number): void {
    if (now >= this.queue.nextEnd) this.queue.expire(now);
    let entry = this.live(key, now);
    if (!entry) {
      entry = { expiresAt: now + this.ms, members: new Set() };
      this.sets.set(key, entry);
      this.queue.push(key, entry.expiresAt);
    }
    entry.members.add(member);
  }
}
