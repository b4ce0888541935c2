// What the benchmark's child servers share: tell the parent their port on stdout, and stop when
// the parent goes away (stdin closes) or asks (SIGTERM, SIGINT), so no server outlives a run.
import type { Server } from 'node:http';

export function serveForParent(server: Server, cleanup: () => Promise<void> = async () => {}): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void cleanup().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop).on('error', stop).resume();
  process.once('SIGTERM', stop).once('SIGINT', stop);
}
