// A loopback TCP proxy that counts the requests a client sends to PostgreSQL or Redis, so the
// benchmark can report round trips per hook call without touching the gateway or the server:
//   - PostgreSQL: every Sync ('S') or simple Query ('Q') message ends one request the client waits
//     on (a prepared statement is Bind/Execute/Sync, a new one Parse/Bind/Describe/Execute/Sync);
//   - Redis: every top-level RESP array is one command (a Lua script is one EVALSHA, however many
//     commands run inside it).
// Only the client-to-server direction is parsed; bytes are forwarded unchanged both ways.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type Protocol = 'postgres' | 'redis';

export interface CountProxy {
  /** host:port to give the client instead of the server's. */
  readonly port: number;
  /** Requests counted so far, over every connection. */
  readonly count: number;
  close(): Promise<void>;
}

/** Counts PostgreSQL frontend messages: the startup packet has no type byte, every later one has. */
function postgresCounter(onRequest: () => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  let started = false;
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (!started) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        // An SSLRequest or GSSENCRequest (80877103/80877104) is followed by another startup packet.
        const code = buf.readInt32BE(4);
        if (code !== 80877103 && code !== 80877104) started = true;
        buf = buf.subarray(len);
        continue;
      }
      if (buf.length < 5) return;
      const len = buf.readInt32BE(1);
      if (buf.length < 1 + len) return;
      const type = String.fromCharCode(buf[0]!);
      if (type === 'S' || type === 'Q') onRequest();
      buf = buf.subarray(1 + len);
    }
  };
}

/** Counts RESP commands: `*N\r\n` then N bulk strings `$len\r\n<bytes>\r\n`. */
function redisCounter(onRequest: () => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  const line = (from: number): { value: number; next: number } | undefined => {
    const end = buf.indexOf('\r\n', from);
    return end < 0 ? undefined : { value: Number(buf.toString('latin1', from + 1, end)), next: end + 2 };
  };
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (buf.length === 0) return;
      if (buf[0] !== 0x2a /* '*' */) {
        // An inline command (redis-cli style): one line.
        const end = buf.indexOf('\r\n');
        if (end < 0) return;
        onRequest();
        buf = buf.subarray(end + 2);
        continue;
      }
      const head = line(0);
      if (!head) return;
      let at = head.next;
      for (let i = 0; i < head.value; i++) {
        const bulk = line(at);
        if (!bulk || buf.length < bulk.next + bulk.value + 2) return;
        at = bulk.next + bulk.value + 2;
      }
      onRequest();
      buf = buf.subarray(at);
    }
  };
}

export async function countProxy(protocol: Protocol, target: { host: string; port: number }): Promise<CountProxy> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const counter = (protocol === 'postgres' ? postgresCounter : redisCounter)(() => count++);
    client.on('data', (chunk: Buffer) => {
      counter(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get count() {
      return count;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
