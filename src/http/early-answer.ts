// An answer sent before the request's body was read (a 401 from onRequest, a 404, a 413, a GET
// with a body…) ends the request. Left alone, Node reads and discards the rest of the body to keep
// the connection for the next request, however long the client goes on sending.
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** Longest a connection stays open after such an answer has been written. */
export const LINGER_MS = 250;

/**
 * Registers, for every route, the rule: when the answer leaves with the body still unread, it says
 * `Connection: close`, so Node ends the connection once the answer is written instead of draining
 * the body for the next request. Reading stops, and should the end not come (a client that does
 * not take the answer), the socket is destroyed after LINGER_MS anyway.
 */
export function endEarlyAnswers(app: FastifyInstance): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    if (!req.raw.complete) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, _reply, done) => {
    if (!req.raw.complete) cut(req.raw.socket);
    done();
  });
}

function cut(socket: Socket): void {
  if (socket.destroyed) return;
  // Stop taking bytes off the wire: what the client sends now stays in its own buffers.
  socket.pause();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
