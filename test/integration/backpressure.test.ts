import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CREATE_COMPLAINT, complaintFixture } from '../helpers/complaints.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { wsClient, type WsClient } from '../helpers/ws.js';

/**
 * Backpressure over a real socket (issue 7): a subscriber that stops reading fills the
 * TCP buffers, then its bounded event buffer, and is closed with 4413; the others keep
 * receiving without delay, and the stalled one resumes from its last cursor losing nothing.
 */
const BUFFER = 4;
let t: TestApp;
const clients: WsClient[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { EVENTS_POLL_MS: '200', EVENT_STREAM_BUFFER: String(BUFFER) } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose().catch(() => {})));
  await t?.close();
});

/** 4,000 characters of 12 KB: with 40 aliases, one event is about 480 KB on the wire. */
const LONG = '墙面开裂'.repeat(1000);
const BIG = (projectId: string) =>
  `subscription { complaintCreated(filter: { projectIds: ["${projectId}"] }) { cursor complaint { id ${Array.from({ length: 40 }, (_, i) => `d${i}: description`).join(' ')} } } }`;
const SMALL = `subscription($filter: ComplaintFilter, $after: String) { complaintCreated(filter: $filter, after: $after) { cursor complaint { id } } }`;

type Frame = { type: string; id?: string; payload?: any };

/** A graphql-transport-ws client on a raw socket, so that the test can stop reading it. */
async function rawSubscriber(token: string, query: string) {
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const frames: Frame[] = [];
  let ack!: () => void;
  const acked = new Promise<void>((r) => (ack = r));
  const closed = new Promise<{ code: number; reason: string }>((r) => socket.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  socket.on('message', (data) => {
    const f = JSON.parse(data.toString()) as Frame;
    if (f.type === 'connection_ack') ack();
    else if (f.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    else frames.push(f);
  });
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acked;
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  return { socket, frames, closed };
}

async function until(cond: () => boolean, what: string, ms = 20_000) {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a subscriber that stops reading', () => {
  it('is closed with 4413 once its buffer is full, never delays the others, and resumes from its last cursor without a gap', async () => {
    const fx = await complaintFixture(t);
    const baseline = t.app.events.size;
    const healthy = wsClient(t, await t.token('ADMIN', { sub: 'bp-healthy' }));
    clients.push(healthy);
    const live = healthy.subscribe(SMALL, { filter: { projectIds: [fx.project.id] } });
    const stalledToken = await t.token('ADMIN', { sub: 'bp-stalled' });
    const stalled = await rawSubscriber(stalledToken, BIG(fx.project.id));
    await until(() => t.app.events.size === baseline + 2, 'both subscriptions to be live');
    stalled.socket.pause(); // stop reading: the kernel buffers fill, then the server's bounded buffer

    const created: string[] = [];
    while (t.app.events.size === baseline + 2 && created.length < 120) {
      const r = await t.gql(CREATE_COMPLAINT + ' fragment C on Complaint { id }', {
        input: { customerId: fx.customerId, projectId: fx.project.id, unitId: fx.unitId, kind: 'COMPLAINT', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: LONG },
      }, 'ADMIN');
      expect(r.errors).toBeUndefined();
      const id = r.data.createComplaint.complaint.id as string;
      created.push(id);
      // The reading subscriber gets each complaint before the next one is written (the hub
      // offers an event to every stream in one pass, the stalled one included).
      expect((await live.next()).data.complaintCreated.complaint.id).toBe(id);
    }
    // The server dropped the stalled stream (its memory is bounded by the buffer), the healthy one lives on.
    expect(t.app.events.size).toBe(baseline + 1);
    expect(created.length).toBeGreaterThan(BUFFER);
    expect(created.length).toBeLessThan(120);

    // The stalled client reads again: what was in flight, then the close code telling it to resume.
    stalled.socket.resume();
    const close = await stalled.closed;
    expect(close.code).toBe(4413);
    expect(close.reason).toMatch(/resume with `after`/);
    const got = stalled.frames.filter((f) => f.type === 'next').map((f) => f.payload.data.complaintCreated);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(created.length);
    expect(got.map((e: any) => e.complaint.id)).toEqual(created.slice(0, got.length));
    expect(got[0].complaint.d0).toBe(LONG);

    // Resuming from its last cursor delivers exactly the rest, in order, then live events.
    const again = wsClient(t, stalledToken);
    clients.push(again);
    const resumed = again.subscribe(SMALL, { filter: { projectIds: [fx.project.id] }, after: got[got.length - 1].cursor });
    const rest: string[] = [];
    for (let i = got.length; i < created.length; i++) rest.push((await resumed.next()).data.complaintCreated.complaint.id);
    expect(rest).toEqual(created.slice(got.length));

    // The healthy subscriber was never closed and still receives.
    const m = await t.gql(CREATE_COMPLAINT + ' fragment C on Complaint { id }', {
      input: { customerId: fx.customerId, projectId: fx.project.id, unitId: fx.unitId, kind: 'COMPLAINT', category: 'ENGINEERING_QUALITY', channel: 'HOTLINE_400', description: '最后一条' },
    }, 'ADMIN');
    const last = m.data.createComplaint.complaint.id as string;
    expect((await live.next()).data.complaintCreated.complaint.id).toBe(last);
    expect((await resumed.next()).data.complaintCreated.complaint.id).toBe(last);
    // Counted when the closing handshake completes, just after the client saw it.
    let metrics = '';
    for (const end = Date.now() + 5_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      metrics = await (await t.fetch('/metrics')).text();
      if (/^ws_closed_total\{code="4413"\} 1$/m.test(metrics)) break;
    }
    expect(metrics).toMatch(/^ws_closed_total\{code="4413"\} 1$/m);
  });
});
