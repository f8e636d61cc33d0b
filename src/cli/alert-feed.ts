import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** One alert as the feed prints it. */
export type FeedAlert = {
  cursor: string;
  alert: {
    id: string;
    level: string;
    clock: string | null;
    dueAt: string | null;
    firedAt: string;
    late: boolean;
    escalatedTo: string | null;
    complaint: { id: string; number: string; severity: string; project: { name: string } } | null;
  };
};

export const ALERT_SUBSCRIPTION = `subscription AlertFeed($filter: SlaAlertFilter, $after: String) {
  slaAlert(filter: $filter, after: $after) {
    cursor
    alert { id level clock dueAt firedAt late escalatedTo complaint { id number severity project { name } } }
  }
}`;

/** A readable line: time, level, complaint, clock, due time. */
export function formatAlert(a: FeedAlert): string {
  const c = a.alert.complaint;
  const parts = [
    a.alert.firedAt,
    a.alert.level.padEnd(16),
    c ? `${c.number} (${c.severity}, ${c.project.name})` : a.alert.id,
    a.alert.clock ? `clock ${a.alert.clock}` : '',
    a.alert.dueAt ? `due ${a.alert.dueAt}` : '',
    a.alert.late ? 'LATE' : '',
    a.alert.escalatedTo ? `escalated to ${a.alert.escalatedTo}` : '',
  ];
  return parts.filter(Boolean).join('  ');
}

export type FeedOptions = {
  /** The server, http(s):// or ws(s)://, with or without /graphql. */
  url: string;
  token: string;
  levels?: string[];
  after?: string | null;
  json?: boolean;
  /** Where lines go (stdout by default). */
  write: (line: string) => void;
  /** Where notes go (stderr by default). */
  note: (line: string) => void;
  /** First and longest reconnect delays. */
  backoff?: { firstMs: number; maxMs: number };
};

/** The WebSocket URL of a server address. */
export function wsUrl(url: string): string {
  const u = new URL(url.replace(/^http/, 'ws'));
  if (!u.pathname.endsWith('/graphql')) u.pathname = `${u.pathname.replace(/\/$/, '')}/graphql`;
  return u.toString();
}

/** Close codes that reconnecting cannot fix. */
const FATAL = new Set([4400, 4401, 4403, 4406, 4429]);

/**
 * Prints SLA alerts as they arrive and keeps going: on a dropped connection or a server
 * restart it reconnects with exponential backoff and resumes after the last cursor it saw,
 * so no alert is lost or printed twice. Resolves when stopped or on a fatal error (bad
 * token: 4401; rejects then).
 */
export function alertFeed(opts: FeedOptions) {
  let last = opts.after ?? null;
  let client: Client | null = null;
  let stopped = false;
  const backoff = opts.backoff ?? { firstMs: 500, maxMs: 30_000 };
  let delay = backoff.firstMs;
  let stopWaiting: () => void = () => {};

  const run = async (): Promise<void> => {
    while (!stopped) {
      let fatal: { code: number; reason: string } | null = null;
      client = createClient({
        url: wsUrl(opts.url),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${opts.token}` },
        retryAttempts: 0,
        on: {
          connected: () => {
            delay = backoff.firstMs;
            opts.note(`connected to ${wsUrl(opts.url)}${last ? ', resuming after the last alert seen' : ''}`);
          },
          closed: (e) => {
            const ev = e as { code?: number; reason?: string };
            if (ev.code !== undefined && FATAL.has(ev.code)) fatal = { code: ev.code, reason: String(ev.reason ?? '') };
          },
        },
      });
      try {
        const filter = opts.levels?.length ? { levels: opts.levels } : null;
        for await (const result of client.iterate<{ slaAlert: FeedAlert }>({ query: ALERT_SUBSCRIPTION, variables: { filter, after: last } })) {
          if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('; '));
          const a = result.data?.slaAlert;
          if (!a) continue;
          opts.write(opts.json ? JSON.stringify(a) : formatAlert(a));
          last = a.cursor;
        }
      } catch (e) {
        if (stopped) break;
        if (fatal) {
          const f = fatal as { code: number; reason: string };
          throw new Error(`connection refused (${f.code}): ${f.reason}`);
        }
        if (Array.isArray(e)) throw new Error((e as { message: string }[]).map((x) => x.message).join('; '));
        opts.note(`disconnected (${e instanceof Error ? e.message : (e as { code?: number }).code ?? 'closed'}); reconnecting in ${delay} ms`);
      } finally {
        await client?.dispose();
      }
      if (stopped) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, delay);
        stopWaiting = () => {
          clearTimeout(timer);
          r();
        };
      });
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  };

  const done = run();
  return {
    done,
    /** The cursor of the last alert printed. */
    lastCursor: () => last,
    async stop() {
      stopped = true;
      stopWaiting();
      await client?.dispose();
      await done.catch(() => {});
    },
  };
}
