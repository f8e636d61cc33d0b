import { describe, expect, it } from 'vitest';
import { EventStream, StreamOverflow } from '../../src/events/hub.js';
import type { EventLog, StoredEvent } from '../../src/events/log.js';

const ev = (seq: number, type = 'ComplaintCreated'): StoredEvent => ({ seq, type, aggregateType: 'Complaint', aggregateId: seq, projectId: 1, payload: {}, at: new Date(0) });

/** A log holding events 1..n, read in pages; `onRead` runs before each page is returned. */
function fakeLog(n: number, onRead: (after: number) => void = () => {}): EventLog {
  return {
    async read(after: number, limit: number) {
      onRead(after);
      const out: StoredEvent[] = [];
      for (let s = after + 1; s <= Math.min(n, after + limit); s++) out.push(ev(s));
      return out;
    },
  } as unknown as EventLog;
}

async function take(s: EventStream, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await s.next()).value!.seq);
  return out;
}

describe('EventStream', () => {
  it('passes on live events after its position, in order, once', async () => {
    const s = new EventStream(5, new Set(['ComplaintCreated']), 10, () => {}, () => {});
    for (const e of [ev(4), ev(5), ev(6), ev(6), ev(7)]) s.offer(e);
    expect(await take(s, 2)).toEqual([6, 7]);
  });

  it('skips other types but moves past them', async () => {
    const s = new EventStream(0, new Set(['SlaAlertFired']), 10, () => {}, () => {});
    s.offer(ev(1));
    s.offer(ev(2, 'SlaAlertFired'));
    expect(await take(s, 1)).toEqual([2]);
    expect(s.position).toBe(2);
  });

  it('replays from the log while live events arrive, then continues with no gap and no duplicate at the seam', async () => {
    let s!: EventStream;
    // While the replay reads, the hub offers events 8..12 (some of them also in the log).
    const log = fakeLog(10, (after) => {
      if (after === 5) for (let q = 8; q <= 12; q++) s.offer(ev(q));
    });
    s = new EventStream(0, new Set(['ComplaintCreated']), 100, () => {}, () => {});
    await s.replay(log, 5);
    s.offer(ev(13));
    expect(await take(s, 13)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('overflows a subscriber that does not read: fails its reader and tells the transport, never growing past its capacity', async () => {
    let overflowed = 0;
    let closed = 0;
    const s = new EventStream(0, new Set(['ComplaintCreated']), 3, () => closed++, () => overflowed++);
    for (let q = 1; q <= 10; q++) s.offer(ev(q));
    expect(overflowed).toBe(1);
    expect(closed).toBe(1);
    expect(s.buffered).toBeLessThanOrEqual(3);
    await take(s, 3);
    await expect(s.next()).rejects.toBeInstanceOf(StreamOverflow);
  });

  it('ends the reader when the subscription completes', async () => {
    let closed = 0;
    const s = new EventStream(0, new Set(['ComplaintCreated']), 3, () => closed++, () => {});
    const pending = s.next();
    await s.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });
});
