// The main thread's side of the SQLite store's threads: the writer (sqlite-writer.ts), which
// commits the writes of one event-loop turn as one transaction, and the checkpointer
// (sqlite-checkpointer.ts). Each write's promise settles when the writer has committed it.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { WriteOp, WriterReply, WriterRequest } from './sqlite-writer.js';

interface PendingWrite {
  op: WriteOp;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The main thread's side of the writer thread: batches per event-loop turn, settles each write. It
 * also keeps the checkpointer thread running (sqlite-checkpointer.ts).
 */
export class WriterThread {
  private worker?: Worker;
  private checkpointer?: Worker;
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private readonly inflight = new Map<number, PendingWrite[]>();
  private nextBatch = 1;
  private idle?: () => void;
  private closed = false;

  constructor(private readonly path: string) {
    this.worker = this.start();
    this.checkpointer = this.startCheckpointer();
  }

  write<T>(op: WriteOp): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the delivery log is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Finishes every write asked for, then stops the thread. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    if (this.inflight.size > 0) await new Promise<void>((resolve) => { this.idle = resolve; });
    const threads = [this.worker, this.checkpointer];
    this.worker = undefined;
    this.checkpointer = undefined;
    await Promise.all(threads.map(async (thread) => {
      if (!thread) return;
      const exited = once(thread, 'exit');
      thread.ref();
      thread.postMessage({ close: true } satisfies WriterRequest);
      await exited;
    }));
  }

  private startCheckpointer(): Worker {
    const thread = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), { workerData: { path: this.path } });
    thread.unref();
    // It holds no write: if it stops, the next batch starts another (until then the WAL only grows).
    thread.on('error', () => undefined);
    thread.on('exit', () => {
      if (this.checkpointer === thread) this.checkpointer = undefined;
    });
    return thread;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./sqlite-writer.js', import.meta.url), { workerData: { path: this.path } });
    // Kept alive only while writes are in flight, so a process never waits on an idle writer.
    worker.unref();
    worker.on('message', (reply: WriterReply) => this.settle(reply));
    worker.on('error', (err) => this.stopped(worker, err));
    worker.on('exit', (code) => this.stopped(worker, new Error(`the delivery log's writer thread stopped (exit code ${code})`)));
    return worker;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const id = this.nextBatch++;
    // A writer that died is replaced for the next batch; the writes it held have failed.
    const worker = (this.worker ??= this.start());
    this.checkpointer ??= this.startCheckpointer();
    if (this.inflight.size === 0) worker.ref();
    this.inflight.set(id, batch);
    worker.postMessage({ batch: id, ops: batch.map((w) => w.op) } satisfies WriterRequest);
  }

  private settle(reply: WriterReply): void {
    const batch = this.inflight.get(reply.batch);
    if (!batch) return;
    this.inflight.delete(reply.batch);
    if ('failed' in reply) {
      for (const w of batch) w.reject(asError(reply.failed));
    } else {
      batch.forEach((w, i) => {
        const o = reply.outcomes[i]!;
        if (o.ok) w.resolve(o.value);
        else w.reject(asError(o));
      });
    }
    this.afterBatch();
  }

  private stopped(worker: Worker, err: unknown): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const batch of this.inflight.values()) for (const w of batch) w.reject(err);
    this.inflight.clear();
    this.afterBatch();
  }

  private afterBatch(): void {
    if (this.inflight.size > 0) return;
    this.worker?.unref();
    this.idle?.();
  }
}

function asError(f: { message: string; code?: string }): Error {
  return Object.assign(new Error(f.message), f.code === undefined ? {} : { code: f.code });
}
