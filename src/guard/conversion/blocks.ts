// Conversion blocks: which prefix or country × channel is refused (or, in monitor mode, would be),
// until when, and on what evidence. Kept in this process and, when `limits.url` is set, in Redis
// under `{keyPrefix}:block:{rule}:{hash}` with the block's remaining time as TTL, so every instance
// refuses the same scopes and an admin's lift reaches them all. With Redis, Redis is the truth and
// the local copy only answers while Redis fails.
import type { Redis } from 'ioredis';
import type { GuardLog } from '../store-health.js';
import { withTimeout } from '../store-timeout.js';

export interface Evidence {
  /** Sends in the window (pending ones included). */
  sent: number;
  verified: number;
  /** Expired without a verification. */
  failed: number;
  windowSeconds: number;
  /** The country × channel conversion compared with, and whether it is the configured floor. */
  baseline: number;
  baselineIsFloor: boolean;
  /** Wilson upper bound of verified / (verified + failed). */
  upper: number;
  /** share × baseline: blocked below it. */
  threshold: number;
}

export interface BlockView {
  /** `{rule}:{hash}`: the same on every instance. */
  id: string;
  /** `conversion.prefix.3`, `conversion.prefix.4`, `conversion.country`. */
  rule: string;
  mode: 'enforce' | 'monitor';
  channel: string;
  country?: string;
  /** What is blocked, safe to show: `+447700900xxx` (a prefix, never a number) or `GB`. */
  scope: string;
  startedAt: number;
  until: number;
  evidence: Evidence;
  /** Set when an admin lifted it: the scope is not blocked again before `until`. */
  lifted?: { by: string; at: number };
}

export interface BlockStore {
  client: Redis;
  timeoutMs: number;
  keyPrefix: string;
}

/** The Redis key of a block: the admission script reads and writes the same. */
export function blockKey(keyPrefix: string, id: string): string {
  return `${keyPrefix}:block:${id}`;
}

/** A renewal reaches Redis at most this often per block (or half the cooldown, when shorter). */
export const RENEW_EVERY_MS = 60_000;

/** Most blocks kept in this process; beyond it the oldest local copy goes (Redis keeps its own). */
const MAX_LOCAL = 10_000;
/** Most blocks listed from Redis for the admin page. */
const LIST_MAX = 1_000;

export class BlockBook {
  private readonly local = new Map<string, BlockView>();
  private readonly written = new Map<string, number>();

  constructor(private readonly now: () => number, private readonly log: GuardLog, private readonly redis?: BlockStore) {}

  private key(id: string): string {
    return blockKey(this.redis!.keyPrefix, id);
  }

  /**
   * The blocks (lifted ones included) of these ids, in order; undefined where none is active.
   * One MGET with Redis: for the admin's lift and the end-of-block sweep. A hook call reads the
   * same keys inside its admission script (admission-script.ts) and hands them to `shared`.
   */
  async lookup(ids: readonly string[]): Promise<(BlockView | undefined)[]> {
    if (this.redis) {
      try {
        return this.shared(ids, await withTimeout(this.redis.client.mget(...ids.map((id) => this.key(id))), this.redis.timeoutMs));
      } catch (err) {
        this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'guard: could not read conversion blocks from Redis; using this instance\'s');
      }
    }
    return ids.map((id) => this.copy(id));
  }

  /** The blocks of these ids as Redis holds them (`values` in the same order), kept as this instance's copies. */
  shared(ids: readonly string[], values: readonly (string | null | undefined)[]): (BlockView | undefined)[] {
    const now = this.now();
    return ids.map((id, i) => {
      const block = parse(values[i]);
      if (block && block.until > now) {
        this.remember(block);
        return block;
      }
      this.local.delete(id);
      return undefined;
    });
  }

  /** This instance's copy of a block, when it is on (lifted ones included); no round trip. */
  copy(id: string): BlockView | undefined {
    const block = this.local.get(id);
    return block && block.until > this.now() ? block : undefined;
  }

  /** Starts or renews a block here and, with Redis, for every instance (a renewal at most once a minute). */
  put(block: BlockView, force = false): void {
    this.remember(block);
    if (!this.redis) return;
    const now = this.now();
    if (!force && now - (this.written.get(block.id) ?? 0) < RENEW_EVERY_MS) return;
    this.written.set(block.id, now);
    if (this.written.size > MAX_LOCAL) this.written.delete(this.written.keys().next().value!);
    const ttl = Math.max(1, Math.round(block.until - now));
    withTimeout(this.redis.client.set(this.key(block.id), JSON.stringify(block), 'PX', ttl), this.redis.timeoutMs).catch((err: unknown) => {
      this.log.warn({ err: err instanceof Error ? err.message : String(err), rule: block.rule }, 'guard: could not share a conversion block through Redis');
    });
  }

  /** Active blocks (lifted ones included), newest first: from Redis when set, else this instance's. */
  async list(): Promise<BlockView[]> {
    const now = this.now();
    let blocks = [...this.local.values()];
    if (this.redis) {
      const { client, timeoutMs } = this.redis;
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await withTimeout(client.scan(cursor, 'MATCH', `${this.redis.keyPrefix}:block:*`, 'COUNT', 200), timeoutMs);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0' && keys.length < LIST_MAX);
      const values = keys.length === 0 ? [] : await withTimeout(client.mget(...keys.slice(0, LIST_MAX)), timeoutMs);
      blocks = values.map(parse).filter((b): b is BlockView => b !== undefined);
    }
    return blocks.filter((b) => b.until > now).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Local blocks whose time is up, removed: the caller announces their end. */
  ended(): BlockView[] {
    const now = this.now();
    const over: BlockView[] = [];
    for (const [id, block] of this.local) {
      if (block.until <= now) {
        this.local.delete(id);
        this.written.delete(id);
        over.push(block);
      }
    }
    return over;
  }

  /** Whether this instance knows an active, not lifted block with this id (no round trip). */
  has(id: string): boolean {
    const block = this.copy(id);
    return block !== undefined && block.lifted === undefined;
  }

  private remember(block: BlockView): void {
    this.local.delete(block.id);
    this.local.set(block.id, block);
    if (this.local.size > MAX_LOCAL) this.local.delete(this.local.keys().next().value!);
  }
}

function parse(value: string | null | undefined): BlockView | undefined {
  if (!value) return undefined;
  try {
    const block = JSON.parse(value) as BlockView;
    return typeof block.id === 'string' && typeof block.until === 'number' ? block : undefined;
  } catch {
    return undefined;
  }
}
