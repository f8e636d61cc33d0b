import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from './test-app.js';

/** One GraphQL subscription's results, read one at a time. */
export type Subscribed<T = any> = {
  /** The next result (rejects when the stream errors or the connection closes). */
  next(): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, any> }[] }>;
  /** Completes the subscription. */
  stop(): Promise<void>;
};

/** A graphql-ws client of a test app, authenticated with `token` (or raw connection params). */
export function wsClient(t: Pick<TestApp, 'url'>, token: string | null, opts: { params?: Record<string, unknown> } = {}) {
  let closed: { code: number; reason: string } | null = null;
  const closedWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  let isConnected = false;
  const connectedWaiters: (() => void)[] = [];
  const client: Client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: opts.params ?? (token ? { authorization: `Bearer ${token}` } : {}),
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: {
      connected: () => {
        isConnected = true;
        for (const w of connectedWaiters.splice(0)) w();
      },
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        closed = { code: ev.code, reason: String(ev.reason) };
        for (const w of closedWaiters.splice(0)) w(closed);
      },
    },
  });
  return {
    client,
    /** Resolves once the server has acknowledged the connection. */
    connected(): Promise<void> {
      return isConnected ? Promise.resolve() : new Promise((r) => connectedWaiters.push(r));
    },
    /** Resolves with the close code and reason once the server closes the connection. */
    closed(): Promise<{ code: number; reason: string }> {
      return closed ? Promise.resolve(closed) : new Promise((r) => closedWaiters.push(r));
    },
    subscribe<T = any>(query: string, variables?: Record<string, unknown>): Subscribed<T> {
      const it = client.iterate<T>({ query, variables });
      return {
        async next() {
          try {
            const r = await it.next();
            if (r.done) throw new Error('subscription completed');
            return r.value as any;
          } catch (e) {
            // graphql-ws rejects with the errors of an `error` message (a refused operation).
            if (Array.isArray(e)) return { errors: e };
            throw e;
          }
        },
        async stop() {
          await it.return?.();
        },
      };
    },
    async dispose() {
      await client.dispose();
    },
  };
}
export type WsClient = ReturnType<typeof wsClient>;
