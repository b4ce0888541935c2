// An answer sent before the request body was read ends the request: `Connection: close`, and the
// socket is cut when the client keeps sending (issue 13, item 1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startGateway, SECRET, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { adminYaml, ADMIN_PASSWORD } from '../admin/support.js';

const MiB = 1_048_576;

interface Upload {
  /** The status line and headers of the answer. */
  head: string;
  /** Milliseconds from the answer's arrival to the connection's end. */
  cutAfterMs: number;
  /** Bytes the client managed to hand to its socket. */
  written: number;
}

/**
 * Sends `head`, then streams body bytes as fast as the socket takes them until the server ends the
 * connection, or `giveUpMs` pass (then the connection was not cut).
 */
function streamUpload(url: string, head: string, chunked: boolean, giveUpMs = 10_000): Promise<Upload> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let answer = '';
    let answeredAt: number | undefined;
    let written = 0;
    let ended = false;
    const block = Buffer.alloc(64 * 1024, 'a');
    const frame = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]) : block;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(giveUp);
      socket.destroy();
      if (answeredAt === undefined) reject(new Error(`connection ended without an answer after ${written} bytes`));
      else resolve({ head: answer.split('\r\n\r\n')[0]!, cutAfterMs: performance.now() - answeredAt, written });
    };
    const giveUp = setTimeout(() => {
      if (!ended) {
        ended = true;
        socket.destroy();
        reject(new Error(`still connected after ${giveUpMs} ms, ${written} bytes written, answer: ${answer.split('\r\n')[0]}`));
      }
    }, giveUpMs);
    const pump = (): void => {
      while (!ended && !socket.destroyed && socket.writable) {
        written += frame.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      answeredAt ??= performance.now();
    });
    socket.on('error', finish);
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
  });
}

describe('an early answer ends the request', () => {
  let gw: TestGateway;
  /** Bytes each server-side connection read, by its remote port. */
  const readBy = new Map<number, () => number>();

  before(async () => {
    gw = await startGateway({
      yaml: `${adminYaml()}\nproviders:\n  console: { kind: console }\nmetrics:\n  token: metrics-token-0123456789\noktaEvents:\n  secrets: ["events-secret-0123456789"]`,
      env: { BYOT_TEST_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    gw.gateway.app.server.on('connection', (s: Socket) => readBy.set(s.remotePort!, () => s.bytesRead));
  });
  after(() => gw.close());

  const cases: [string, string, boolean, number?][] = [
    ['a wrong hook secret, chunked', 'POST /okta/telephony HTTP/1.1\r\nHost: gw\r\nAuthorization: wrong-secret\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a wrong hook secret, a huge Content-Length', 'POST /okta/telephony HTTP/1.1\r\nHost: gw\r\nAuthorization: wrong-secret\r\nContent-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n', false],
    ['a body on GET /healthz', 'GET /healthz HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', true, 200],
    ['an unknown route', 'POST /nowhere HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a wrong content type', `POST /okta/telephony HTTP/1.1\r\nHost: gw\r\nAuthorization: ${SECRET}\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n`, true],
    ['a body over the limit', `POST /okta/telephony HTTP/1.1\r\nHost: gw\r\nAuthorization: ${SECRET}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, true],
    ['an admin page without credentials', 'POST /admin/api/preview/send HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a wrong event hook secret', 'POST /okta/events HTTP/1.1\r\nHost: gw\r\nAuthorization: wrong-secret\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a body on GET /metrics without its token', 'GET /metrics HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a voice document for no configured provider', 'POST /voice/plivo/none HTTP/1.1\r\nHost: gw\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n', true],
    ['a callback for no configured provider', 'POST /callbacks/twilio/none HTTP/1.1\r\nHost: gw\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n', true],
  ];
  for (const [name, head, chunked, status] of cases) {
    test(`${name}: answered with Connection: close, cut within 1 s, under 1 MiB read`, async () => {
      readBy.clear();
      const up = await streamUpload(gw.url, head, chunked);
      assert.match(up.head, status === undefined ? /^HTTP\/1\.1 4\d\d / : new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.match(up.head, /\r\nconnection: close\r\n/i);
      assert.ok(up.cutAfterMs < 1_000, `cut ${Math.round(up.cutAfterMs)} ms after the answer`);
      const serverRead = [...readBy.values()].map((f) => f()).reduce((a, b) => Math.max(a, b), 0);
      assert.ok(serverRead < MiB, `the server read ${serverRead} bytes`);
    });
  }

  test('while three uploads are being cut, other hook calls are answered', async () => {
    const head = cases[0]![1];
    const uploads = Promise.all([1, 2, 3].map(() => streamUpload(gw.url, head, true)));
    const answers = await Promise.all(Array.from({ length: 20 }, () => gw.hook(oktaRequest())));
    for (const a of answers) assert.equal(a.body.commands[0].value[0].status, 'SUCCESSFUL');
    for (const up of await uploads) assert.match(up.head, /^HTTP\/1\.1 401 /);
  });

  test('an answer to a fully read request keeps the connection open', async () => {
    const res = await fetch(`${gw.url}/okta/telephony`, {
      method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(oktaRequest()),
    });
    assert.equal(res.status, 200);
    assert.notEqual(res.headers.get('connection'), 'close');
    await res.text();
  });
});
