import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertFeed, formatAlert, wsUrl, type FeedAlert } from '../../src/cli/alert-feed.js';
import { CREATE_COMPLAINT, complaintFixture } from '../helpers/complaints.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** `npm run alerts`: the feed behind it, against a live server (issue 7, people and tools). */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { EVENTS_POLL_MS: '200' } });
  const r = await t.gql(
    `mutation($input: UpsertSlaPolicyInput!) { upsertSlaPolicy(input: $input) { policy { id } } }`,
    { input: { name: '测试: 1 秒受理', priority: 100, match: { kinds: ['SUGGESTION'], categories: ['DESIGN'] }, clocks: [{ clock: 'ACCEPTANCE', target: 'PT1S', workingTime: false, warnAt: 0.5 }] } },
    'ADMIN',
  );
  expect(r.errors).toBeUndefined();
});
afterAll(() => t?.close());

async function breachingComplaint(fx: Awaited<ReturnType<typeof complaintFixture>>) {
  const r = await t.gql(
    CREATE_COMPLAINT + ' fragment C on Complaint { id number }',
    { input: { customerId: fx.customerId, projectId: fx.project.id, kind: 'SUGGESTION', category: 'DESIGN', channel: 'WECHAT', description: '建议增加儿童游乐设施' } },
    'ADMIN',
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.createComplaint.complaint as { id: string; number: string };
}

/** Waits until `lines` has `n` entries. */
async function until(lines: string[], n: number) {
  for (let i = 0; i < 1_500 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(lines.length).toBeGreaterThanOrEqual(n);
}

describe('alert feed', () => {
  it('prints the chosen levels as JSON lines, reconnects after a drop and resumes without losing or repeating one', async () => {
    const fx = await complaintFixture(t);
    const lines: string[] = [];
    const notes: string[] = [];
    const feed = alertFeed({
      url: t.url,
      token: await t.token('SUBSCRIBER', { sub: 'alert-bot' }),
      levels: ['BREACHED'],
      json: true,
      write: (l) => lines.push(l),
      note: (l) => notes.push(l),
      backoff: { firstMs: 50, maxMs: 200 },
    });
    try {
      for (let i = 0; i < 500 && t.app.events.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const first = await breachingComplaint(fx);
      await until(lines, 1);
      // The server drops every connection; an alert fires while the feed is away.
      t.app.realtime.disconnectAll();
      const second = await breachingComplaint(fx);
      await until(lines, 2);
      const alerts = lines.map((l) => JSON.parse(l) as FeedAlert);
      expect(alerts.map((a) => [a.alert.level, a.alert.complaint?.number])).toEqual([
        ['BREACHED', first.number],
        ['BREACHED', second.number],
      ]);
      expect(notes.some((n) => /reconnecting/.test(n))).toBe(true);
      expect(feed.lastCursor()).toBe(alerts[1]!.cursor);
    } finally {
      await feed.stop();
    }
  });

  it('stops with an error on a refused token instead of retrying forever', async () => {
    const feed = alertFeed({ url: t.url, token: 'not-a-token', write: () => {}, note: () => {}, backoff: { firstMs: 10, maxMs: 10 } });
    await expect(feed.done).rejects.toThrow(/4401/);
  });
});

describe('alert feed formatting', () => {
  it('prints a readable line and derives the WebSocket address', () => {
    const line = formatAlert({
      cursor: 'c',
      alert: {
        id: 'a',
        level: 'ESCALATED',
        clock: 'RESOLUTION',
        dueAt: '2026-11-30T10:00:00.000Z',
        firedAt: '2026-11-30T10:00:01.000Z',
        late: false,
        escalatedTo: '华南区域',
        complaint: { id: 'x', number: 'TS-2026-000123', severity: 'MAJOR', project: { name: '万科城' } },
      },
    });
    expect(line).toBe('2026-11-30T10:00:01.000Z  ESCALATED         TS-2026-000123 (MAJOR, 万科城)  clock RESOLUTION  due 2026-11-30T10:00:00.000Z  escalated to 华南区域');
    expect(wsUrl('http://localhost:4000')).toBe('ws://localhost:4000/graphql');
    expect(wsUrl('https://cx.example.com/graphql')).toBe('wss://cx.example.com/graphql');
  });
});
