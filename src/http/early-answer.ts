// An answer sent before the request's body was read (a 401 from onRequest, a 404, a 413, a GET
// with a body…) ends the request. Left alone, Node reads and discards the rest of the body to keep
// the connection for the next request, however long the client goes on sending.
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/** How long a client may go on sending after such an answer before its connection is cut. */
export const LINGER_MS = 250;

/**
 * Registers, for every route, the rule: when the answer leaves with the body still unread, it says
 * `Connection: close`, and once it is out the connection is destroyed rather than drained. A short
 * linger first lets the answer reach a client that is still writing (an immediate reset can
 * discard it), without reading more than what is already on the way.
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
