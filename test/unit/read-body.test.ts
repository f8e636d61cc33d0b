import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../src/http/respond.js';

/** The client sends `raw` and goes away; once the request has closed, the server reads its body: how that settles (or that it does not, within 2 s). */
async function readAfterClientGone(raw: string): Promise<string> {
  let outcome: Promise<string> | undefined;
  const server = createServer((req: IncomingMessage) => {
    req.once('close', () => {
      outcome = Promise.race([
        readBody(req, 4096).then(
          (s) => `resolved ${s}`,
          (e: Error) => `rejected: ${e.message}`,
        ),
        new Promise<string>((r) => setTimeout(() => r('still pending after 2 s'), 2000)),
      ]);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const s = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write(raw);
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    while (!outcome) await new Promise((r) => setTimeout(r, 10));
    return await outcome;
  } finally {
    server.close();
  }
}

describe('readBody', () => {
  // The handler checks the token before it reads the body: the client may be gone by then. A read that never
  // settled would keep the request in flight for ever (and every shutdown waiting for it).
  it.each([
    ['a partial body', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":'],
    ['a whole body', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{"query":"{ __typename }"}'],
  ])('refuses at once the body of a request whose client has gone (%s)', async (_what, raw) => {
    expect(await readAfterClientGone(raw)).toBe('rejected: The request was closed before its body was read');
  });
});
