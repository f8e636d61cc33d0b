import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';

/** What graphql-ws hands our hooks about a connection. */
export type SocketExtra = { readonly socket: WebSocket; readonly request: http.IncomingMessage };

/**
 * Bytes a connection may have queued for the network before a send waits for them to be
 * written. Below it, sends return at once and the messages of one turn of the event loop
 * leave in one system call; above it, the subscription waits, its event buffer fills, and
 * a client that does not read is closed (4413) with bounded memory.
 */
export const SEND_HIGH_WATER = 256 * 1024;

const corked = new WeakSet<WebSocket>();

/**
 * Sends `data` on an open socket at once, coalesced with the other sends of this turn of the
 * event loop (the first corks the TCP socket, the next tick uncorks it: one `writev`), unless
 * more than {@link SEND_HIGH_WATER} is already queued: then it sends nothing and returns
 * false, and the caller waits or hands over. A failed write closes the socket, which ends its
 * subscriptions.
 */
export function sendNow(socket: WebSocket, data: string): boolean {
  if (socket.bufferedAmount >= SEND_HIGH_WATER) return false;
  // `_socket` is ws's TCP socket; if a ws version ever hides it, sends stay correct, only uncoalesced.
  const tcp = (socket as unknown as { _socket?: Socket })._socket;
  if (tcp && typeof tcp.cork === 'function' && !corked.has(socket)) {
    corked.add(socket);
    tcp.cork();
    process.nextTick(() => {
      corked.delete(socket);
      tcp.uncork();
    });
  }
  socket.send(data, ignore);
  return true;
}

const ignore = () => {};

/**
 * Sends text messages on an open socket in one write: each message is `head`, a payload and
 * `}` (graphql-ws's `next`, whose payload was serialised once for many subscribers), framed
 * here as `ws` frames them for a server (FIN, text, unmasked), all into one buffer. The same
 * bytes as a `socket.send` per message, without its two writes and three allocations each,
 * which were most of a delivery's cost at a thousand subscribers. False, sending nothing,
 * above {@link SEND_HIGH_WATER} queued (as {@link sendNow}). Falls back to a `send` per
 * message when `ws` could be holding a message of its own back (a compression extension, or
 * its sender queue in use), so order is always kept.
 */
export function sendTextFrames(socket: WebSocket, head: Buffer, payloads: readonly Buffer[]): boolean {
  if (socket.bufferedAmount >= SEND_HIGH_WATER) return false;
  const inner = socket as unknown as { _socket?: Socket; _sender?: { _state?: number; _queue?: unknown[] } };
  const tcp = inner._socket;
  if (!tcp || socket.extensions !== '' || inner._sender?._state !== 0 || inner._sender._queue?.length !== 0) {
    for (const p of payloads) sendNow(socket, `${head.toString()}${p.toString()}}`);
    return true;
  }
  let total = 0;
  for (const p of payloads) {
    const n = head.length + p.length + 1;
    total += n + (n < 126 ? 2 : n < 65_536 ? 4 : 10);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of payloads) {
    const n = head.length + p.length + 1;
    out[at++] = 0x81; // FIN, text
    if (n < 126) out[at++] = n;
    else if (n < 65_536) {
      out[at++] = 126;
      at = out.writeUInt16BE(n, at);
    } else {
      out[at++] = 127;
      at = out.writeUInt32BE(Math.floor(n / 2 ** 32), at);
      at = out.writeUInt32BE(n >>> 0, at);
    }
    at += head.copy(out, at);
    at += p.copy(out, at);
    out[at++] = 0x7d; // }
  }
  tcp.write(out);
  return true;
}

/**
 * graphql-ws on a `ws` server, as `graphql-ws/use/ws` does it (subprotocol check,
 * keep-alive pings, errors closing with 4500), with one difference that matters at
 * fan-out scale: sends are coalesced. The first send of a turn corks the TCP socket and the
 * next tick uncorks it, so the events a subscriber has waiting go out in one `writev`
 * instead of one system call each, and a send only waits for the network above
 * {@link SEND_HIGH_WATER}.
 */
export function serveGraphqlWs<E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<Record<string, unknown> | undefined, SocketExtra & Partial<E>>,
  wss: WebSocketServer,
  keepAliveMs: number,
  logger: Logger,
) {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;

  wss.on('connection', (socket, request) => {
    const internalError = (err: unknown, what: string) => {
      logger.error({ err }, what);
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    };
    socket.once('error', (err) => internalError(err, 'WebSocket error'));

    // Keep-alive: a ping every keepAliveMs; no pong within as long closes the socket.
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== socket.OPEN || sendNow(socket, data)) return Promise.resolve();
          return new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (data) => {
            try {
              await cb(String(data));
            } catch (err) {
              internalError(err, 'error handling a WebSocket message');
            }
          }),
      },
      { socket, request } as SocketExtra & Partial<E>,
    );

    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });

  return {
    async dispose(): Promise<void> {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
