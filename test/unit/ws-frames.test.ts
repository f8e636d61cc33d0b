import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SEND_HIGH_WATER, sendTextFrames } from '../../src/realtime/ws-transport.js';

/**
 * The cohort's socket write (src/realtime/ws-transport.ts, sendTextFrames): several messages
 * framed by hand into one write must reach a real `ws` client as the same messages, in order,
 * with every length encoding, and keep order with `ws`'s own sends.
 */
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** A server socket and a client receiving its messages as strings. */
async function pair(serverOpts: { perMessageDeflate?: boolean } = {}) {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, ...serverOpts });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ close: () => (wss.close(), server.close()) });
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: serverOpts.perMessageDeflate ?? false });
  open.push({ close: () => client.terminate() });
  const got: string[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    got.push(String(data));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((r) => client.once('open', r));
  const socket = await serverSide;
  const until = async (n: number) => {
    while (got.length < n) await new Promise<void>((r) => waiters.push(r));
    return got;
  };
  return { socket, client, until };
}

const head = Buffer.from('{"id":"7","type":"next","payload":');
const payload = (size: number) => Buffer.from(JSON.stringify({ data: { s: '消'.repeat(Math.max(0, Math.floor((size - 20) / 3))) } }));

describe('sendTextFrames', () => {
  it('delivers several messages written at once, of every frame length, in order', async () => {
    const { socket, until } = await pair();
    // 7-bit, 16-bit and 64-bit lengths (under 126, under 65,536, above).
    const payloads = [Buffer.from('{"a":1}'), payload(300), payload(70_000), Buffer.from('{}')];
    expect(payloads.map((p) => head.length + p.length + 1 < 126)).toEqual([true, false, false, true]);
    expect(sendTextFrames(socket, head, payloads)).toBe(true);
    const got = await until(4);
    expect(got).toEqual(payloads.map((p) => `${head.toString()}${p.toString()}}`));
    expect(got.map((m) => JSON.parse(m).id)).toEqual(['7', '7', '7', '7']);
  });

  it('keeps order with the socket’s own sends before and after', async () => {
    const { socket, until } = await pair();
    socket.send('first');
    sendTextFrames(socket, head, [Buffer.from('1'), Buffer.from('2')]);
    socket.send('last');
    expect(await until(4)).toEqual(['first', `${head}1}`, `${head}2}`, 'last']);
  });

  it('keeps order behind a message the socket is still compressing (it falls back to a send per message)', async () => {
    const { socket, until } = await pair({ perMessageDeflate: true });
    expect(socket.extensions).toContain('permessage-deflate');
    const big = payload(5_000).toString(); // above ws's threshold: compressed, asynchronously
    socket.send(big);
    expect(sendTextFrames(socket, head, [payload(500), Buffer.from('{}')])).toBe(true);
    expect(await until(3)).toEqual([big, `${head}${payload(500)}}`, `${head}{}}`]);
  });

  it('sends nothing and answers false when the socket is backed up', async () => {
    const { socket, client, until } = await pair();
    client.pause(); // stop reading: the server's queue grows
    const big = payload(64 * 1024);
    let sent = 0;
    while (sendTextFrames(socket, head, [big]) && sent < 10_000) sent++;
    expect(socket.bufferedAmount).toBeGreaterThanOrEqual(SEND_HIGH_WATER);
    expect(sendTextFrames(socket, head, [Buffer.from('{}')])).toBe(false);
    client.resume();
    expect(await until(sent)).toHaveLength(sent); // everything accepted arrives…
    await new Promise((r) => setTimeout(r, 50));
    expect(await until(sent)).toHaveLength(sent); // …and nothing else
  });
});
