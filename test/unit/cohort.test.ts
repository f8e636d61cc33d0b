import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { deliveries } from '../../src/events/delivery.js';
import { Cohort, EventHub, EventStream, StreamOverflow, type Lane, type Prepared, type RoundStats } from '../../src/events/hub.js';
import type { StoredEvent } from '../../src/events/log.js';

/**
 * The shared path of alike subscribers (src/events/hub.ts, Cohort): one preparation per event
 * for all members, one synchronous pass of sends, and a way back to each member's own path
 * that loses nothing and repeats nothing.
 */
const TYPES = new Set(['ComplaintCreated']);
const ev = (seq: number): StoredEvent => ({ seq, type: 'ComplaintCreated', aggregateType: 'Complaint', aggregateId: seq, projectId: 1, payload: {}, at: new Date(0) });

type World = {
  /** Every send, as `member:seq`, in the order made. */
  sends: string[];
  prepared: number[];
  /** Preparations (`p<seq>/<look-ahead>`) and sends (`s<seq>`) in order. */
  log: string[];
  delivered: [number, number][];
  /** What `prepare` answers for an event (default: send). */
  answer: (seq: number) => Prepared<string> | Promise<Prepared<string>>;
  /** Member and event whose send fails (its socket is backed up). */
  backedUp: Set<string>;
  /** Member and event whose send throws. */
  throws?: Set<string>;
  /** Busy milliseconds each send takes (a slow socket write). */
  sendMs?: number;
  /** Called after each send, with the member's name and the event. */
  afterSend?: (name: string, seq: number) => void;
};

function world(): World {
  return { sends: [], prepared: [], log: [], delivered: [], answer: (seq) => ({ kind: 'send', message: `m${seq}` }), backedUp: new Set() };
}

/** A subscriber at `position` whose reader waits for its next event (idle), with a lane into `w`. */
function member(w: World, name: string, position: number, capacity = 10) {
  let overflowed = 0;
  const stream = new EventStream(position, TYPES, capacity, () => {}, () => overflowed++);
  const lane: Lane<string> = {
    key: 'doc|sight',
    prepare: async (e, upcoming) => {
      w.prepared.push(e.seq);
      w.log.push(`p${e.seq}/${upcoming.length}`);
      return w.answer(e.seq);
    },
    // All of a round or nothing, as one socket write.
    send: (messages, events) => {
      expect(messages).toHaveLength(events.length);
      if (events.some((e) => w.backedUp.has(`${name}:${e.seq}`))) return false;
      if (events.some((e) => w.throws?.has(`${name}:${e.seq}`))) throw new Error('socket gone');
      events.forEach((e, i) => {
        expect(messages[i]).toBe(`m${e.seq}`);
        w.sends.push(`${name}:${e.seq}`);
        w.log.push(`s${e.seq}`);
      });
      if (w.sendMs) for (const end = performance.now() + w.sendMs; performance.now() < end; );
      w.afterSend?.(name, events[0]!.seq);
      return true;
    },
    delivered: (e, n) => void w.delivered.push([e.seq, n]),
  };
  stream.lane = lane as Lane;
  const waiting = stream.next();
  expect(stream.idle).toBe(true);
  return { stream, waiting, overflowed: () => overflowed };
}

/** A cohort on the first member's lane, with all `members` in it. */
function cohortOf(members: ReturnType<typeof member>[], opts: { capacity?: number; coalesceMs?: number } = {}) {
  const calls = { empty: 0, personal: 0, rounds: [] as RoundStats[] };
  const c = new Cohort(members[0]!.stream.lane!, TYPES, {
    capacity: opts.capacity ?? 100,
    coalesceMs: opts.coalesceMs ?? 0,
    onEmpty: () => calls.empty++,
    onPersonal: () => calls.personal++,
    onRound: (r) => calls.rounds.push(r),
  });
  for (const m of members) c.add(m.stream);
  return { c, calls };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
/** Whether a promise is still pending. */
const pending = async (p: Promise<unknown>) => (await Promise.race([p.then(() => 'settled'), settle().then(() => 'pending')])) === 'pending';

describe('Cohort', () => {
  it('prepares each event once for all members and sends it to each in order, leaving their readers waiting', async () => {
    const w = world();
    const [a, b, c] = [member(w, 'a', 0), member(w, 'b', 0), member(w, 'c', 0)];
    const { c: cohort } = cohortOf([a, b, c]);
    for (const q of [1, 2, 3]) cohort.offer(ev(q));
    await settle();
    expect(w.prepared).toEqual([1, 2, 3]);
    for (const name of ['a', 'b', 'c']) expect(w.sends.filter((s) => s.startsWith(name))).toEqual([`${name}:1`, `${name}:2`, `${name}:3`]);
    expect(w.delivered).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(a.stream.position).toBe(3);
    expect(await pending(a.waiting)).toBe(true); // nothing went through the member's own path
  });

  it('skips for a member what it had before it joined', async () => {
    const w = world();
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 2)];
    const { c: cohort } = cohortOf([a, b]);
    for (const q of [1, 2, 3]) cohort.offer(ev(q));
    await settle();
    expect(w.sends.filter((s) => s.startsWith('b'))).toEqual(['b:3']);
    expect(w.sends.filter((s) => s.startsWith('a'))).toEqual(['a:1', 'a:2', 'a:3']);
  });

  it('sends nothing of an event no member may see, and moves past it', async () => {
    const w = world();
    w.answer = (seq) => (seq === 2 ? { kind: 'skip' } : { kind: 'send', message: `m${seq}` });
    const a = member(w, 'a', 0);
    const { c: cohort } = cohortOf([a]);
    for (const q of [1, 2, 3]) cohort.offer(ev(q));
    await settle();
    expect(w.sends).toEqual(['a:1', 'a:3']);
    expect(a.stream.position).toBe(3);
  });

  it('sends a member whose socket is backed up back to its own path with what it has not had, in order, once', async () => {
    const w = world();
    w.backedUp.add('b:2');
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
    const { c: cohort } = cohortOf([a, b]);
    for (const q of [1, 2, 3]) cohort.offer(ev(q));
    await settle();
    expect(w.sends).toEqual(['a:1', 'b:1', 'a:2', 'a:3']); // round 1: event 1 (at once); round 2: events 2 and 3
    expect(cohort.members.has(b.stream)).toBe(false);
    expect(b.stream.cohort).toBeNull();
    expect((await b.waiting).value?.seq).toBe(2);
    expect((await b.stream.next()).value?.seq).toBe(3);
    cohort.offer(ev(4)); // the cohort goes on without it
    await settle();
    expect(w.sends.at(-1)).toBe('a:4');
    expect(await pending(b.stream.next())).toBe(true);
  });

  it('sends a member whose send throws back to its own path, like a backed-up one', async () => {
    const w = world();
    w.throws = new Set(['b:1']);
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
    const { c: cohort } = cohortOf([a, b]);
    cohort.offer(ev(1));
    await settle();
    expect(w.sends).toEqual(['a:1']);
    expect((await b.waiting).value?.seq).toBe(1);
  });

  it('never sends on a check older than the sharing window: the round stops before it, and it is prepared again', async () => {
    const w = world();
    // Event 3's check is stale when its round is sent: event 2 goes, 3 is prepared again.
    let stale3 = true;
    w.answer = (seq) => {
      const old = seq === 3 && stale3;
      if (seq === 3) stale3 = false;
      return { kind: 'send', message: `m${seq}`, checkedAt: old ? Date.now() - 5_000 : Date.now() };
    };
    const a = member(w, 'a', 0);
    const { c: cohort } = cohortOf([a]);
    cohort.offer(ev(1)); // a round of its own; 2 and 3 queue behind it and share the next
    cohort.offer(ev(2));
    cohort.offer(ev(3));
    await settle();
    expect(w.prepared).toEqual([1, 2, 3, 3]);
    expect(w.sends).toEqual(['a:1', 'a:2', 'a:3']);
    expect(cohort.members.has(a.stream)).toBe(true);
  });

  it('sends its members by their own paths when even the first check of a round is stale: preparing again would age alike, in a loop', async () => {
    const w = world();
    w.answer = (seq) => ({ kind: 'send', message: `m${seq}`, checkedAt: Date.now() - 5_000 });
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
    const { c: cohort } = cohortOf([a, b]);
    cohort.offer(ev(1));
    cohort.offer(ev(2));
    await settle();
    expect(w.sends).toEqual([]); // nothing on a stale check
    expect(cohort.members.size).toBe(0);
    for (const m of [a, b]) {
      expect((await m.waiting).value?.seq).toBe(1);
      expect((await m.stream.next()).value?.seq).toBe(2);
    }
  });

  it('hands an event it cannot share to each member’s own path, with the rest; a personal one also marks the lane', async () => {
    for (const kind of ['slow', 'personal'] as const) {
      const w = world();
      w.answer = (seq) => (seq === 2 ? { kind } : { kind: 'send', message: `m${seq}` });
      const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
      const { c: cohort, calls } = cohortOf([a, b]);
      for (const q of [1, 2, 3]) cohort.offer(ev(q));
      await settle();
      expect(w.sends).toEqual(['a:1', 'b:1']);
      for (const m of [a, b]) {
        expect((await m.waiting).value?.seq).toBe(2);
        expect((await m.stream.next()).value?.seq).toBe(3);
      }
      expect(cohort.members.size).toBe(0);
      expect(calls.empty).toBe(1);
      expect(calls.personal).toBe(kind === 'personal' ? 1 : 0);
    }
  });

  it('treats a failed preparation like an event it cannot share: each member meets it on its own path', async () => {
    const w = world();
    w.answer = () => Promise.reject(new Error('database gone'));
    const a = member(w, 'a', 0);
    const { c: cohort } = cohortOf([a]);
    cohort.offer(ev(1));
    await settle();
    expect((await a.waiting).value?.seq).toBe(1);
    expect(w.sends).toEqual([]);
  });

  it('sends events that arrive within the coalescing window in one pass: one write per member for all of them', async () => {
    const w = world();
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
    const { c: cohort } = cohortOf([a, b], { coalesceMs: 60 });
    cohort.offer(ev(1)); // after a quiet time: at once
    await settle();
    expect(w.sends).toEqual(['a:1', 'b:1']);
    cohort.offer(ev(2));
    cohort.offer(ev(3));
    await settle();
    expect(w.sends).toHaveLength(2); // waiting for the window
    await new Promise((r) => setTimeout(r, 80));
    expect(w.sends.slice(2)).toEqual(['a:2', 'a:3', 'b:2', 'b:3']);
  });

  it('reports each round it sent: its events, its members, and how long preparing and flushing took', async () => {
    const w = world();
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
    const { c: cohort, calls } = cohortOf([a, b], { coalesceMs: 60 });
    w.sendMs = 5;
    cohort.offer(ev(1));
    await settle();
    cohort.offer(ev(2));
    cohort.offer(ev(3));
    await new Promise((r) => setTimeout(r, 100));
    expect(w.sends).toEqual(['a:1', 'b:1', 'a:2', 'a:3', 'b:2', 'b:3']);
    expect(calls.rounds.map(({ events, members }) => ({ events, members }))).toEqual([
      { events: 1, members: 2 },
      { events: 2, members: 2 },
    ]);
    for (const r of calls.rounds) {
      expect(r.prepareMs).toBeGreaterThanOrEqual(0);
      expect(r.flushMs).toBeGreaterThanOrEqual(10); // two members' sends of 5 ms each
    }
  });

  it('counts the coalescing window from the start of the last send: after a send that took longer than the window, the next event leaves at once', async () => {
    const w = world();
    const a = member(w, 'a', 0);
    const { c: cohort } = cohortOf([a], { coalesceMs: 60 });
    w.sendMs = 80; // a flush to many sockets that takes longer than the window
    cohort.offer(ev(1));
    await settle();
    expect(w.sends).toEqual(['a:1']);
    w.sendMs = 0;
    cohort.offer(ev(2));
    await settle(); // 20 ms: well inside a window counted from the end of the first send
    expect(w.sends).toEqual(['a:1', 'a:2']);
  });

  it('prepares a backlog in rounds of at most 100, sending each round before preparing the next', async () => {
    const w = world();
    const a = member(w, 'a', 0);
    const { c: cohort } = cohortOf([a], { capacity: 1_000 });
    for (let q = 1; q <= 150; q++) cohort.offer(ev(q));
    await settle();
    expect(w.sends).toHaveLength(150);
    // Round 1 is event 1 alone (it started at once); round 2 the next 100, looking ahead over them only.
    expect(w.log.slice(0, 3)).toEqual(['p1/1', 's1', 'p2/100']);
    expect(w.log.indexOf('s101')).toBeLessThan(w.log.indexOf('p102/49'));
    expect(Math.max(...w.log.filter((l) => l.startsWith('p')).map((l) => Number(l.split('/')[1])))).toBe(100);
  });

  it('gives up when preparing falls behind: every member goes back to its own bounded buffer, which overflows as any would', async () => {
    const w = world();
    w.answer = () => new Promise(() => {}); // the database does not answer
    const [a, b] = [member(w, 'a', 0, 3), member(w, 'b', 0, 3)];
    const { c: cohort, calls } = cohortOf([a, b], { capacity: 4 });
    for (let q = 1; q <= 5; q++) cohort.offer(ev(q));
    expect(cohort.members.size).toBe(0);
    expect(calls.empty).toBe(1);
    for (const m of [a, b]) {
      expect(m.overflowed()).toBe(1);
      expect((await m.waiting).value?.seq).toBe(1);
      await expect(async () => {
        for (;;) await m.stream.next();
      }).rejects.toBeInstanceOf(StreamOverflow);
    }
  });

  describe('a long flush', () => {
    /** 40 members whose sends take 0.5 ms each: a flush of 20 ms, more than one slice. */
    const slowWorld = (opts: { checkedAt?: () => number } = {}) => {
      const w = world();
      w.sendMs = 0.5;
      if (opts.checkedAt) w.answer = (seq) => ({ kind: 'send', message: `m${seq}`, checkedAt: opts.checkedAt!() });
      const members = Array.from({ length: 40 }, (_, i) => member(w, `m${i}`, 0));
      return { w, members, ...cohortOf(members) };
    };
    /** Every event each member got, by the cohort or by its own path, in order. */
    const received = async (w: World, members: ReturnType<typeof member>[]) => {
      const got = new Map<string, number[]>();
      for (const [i, m] of members.entries()) {
        const name = `m${i}`;
        const seqs = w.sends.filter((x) => x.startsWith(`${name}:`)).map((x) => Number(x.split(':')[1]));
        if (!(await pending(m.waiting))) {
          seqs.push((await m.waiting).value!.seq);
          while (m.stream.buffered) seqs.push((await m.stream.next()).value!.seq);
        }
        got.set(name, seqs);
      }
      return got;
    };

    it('lets other work run between its slices, instead of holding the event loop to the end', async () => {
      const { w, c: cohort } = slowWorld();
      w.afterSend = (name) => {
        if (name === 'm0') setImmediate(() => w.log.push('other work'));
      };
      cohort.offer(ev(1));
      await new Promise((r) => setTimeout(r, 100));
      expect(w.sends).toHaveLength(40);
      const other = w.log.indexOf('other work');
      expect(other).toBeGreaterThan(1);
      expect(other).toBeLessThan(w.log.length - 1); // before the last member's send
    });

    it('loses and repeats nothing when disbanded between slices: members not yet served take the event by their own path', async () => {
      const { w, members, c: cohort } = slowWorld();
      w.afterSend = (name) => {
        if (name === 'm0') setImmediate(() => cohort.disband());
      };
      cohort.offer(ev(1));
      await new Promise((r) => setTimeout(r, 100));
      const served = w.sends.length;
      expect(served).toBeGreaterThan(0);
      expect(served).toBeLessThan(40);
      for (const seqs of (await received(w, members)).values()) expect(seqs).toEqual([1]);
    });

    it('never sends on a check that grew older than the sharing window during the flush: the rest go by their own paths', async () => {
      // Checked 990 ms ago: fresh when the flush starts, stale after the first slices.
      const { w, members, c: cohort } = slowWorld({ checkedAt: () => Date.now() - 990 });
      cohort.offer(ev(1));
      await new Promise((r) => setTimeout(r, 100));
      expect(w.sends.length).toBeGreaterThan(0);
      expect(w.sends.length).toBeLessThan(40);
      expect(cohort.members.size).toBe(0);
      for (const seqs of (await received(w, members)).values()) expect(seqs).toEqual([1]);
    });
  });

  it('lets a member leave when its subscription completes; the last one leaving ends the cohort', async () => {
    const w = world();
    const [a, b] = [member(w, 'a', 0), member(w, 'b', 0)];
    const { c: cohort, calls } = cohortOf([a, b]);
    await a.stream.return();
    expect(await a.waiting).toEqual({ value: undefined, done: true });
    expect(cohort.members.size).toBe(1);
    cohort.offer(ev(1));
    await settle();
    expect(w.sends).toEqual(['b:1']);
    await b.stream.return();
    expect(calls.empty).toBe(1);
  });
});

describe('EventHub sharing memo', () => {
  it('drops its oldest answers when full, never the ones just fetched', async () => {
    const hub = new EventHub({ db: {} } as unknown as Database, { logger: {} as never, pollMs: 1_000, streamCapacity: 10, batchSize: 10 });
    for (let i = 0; i <= 50_000; i++) void hub.shared(`k${i}`, () => Promise.resolve(i));
    expect(hub.isShared('k0')).toBe(false);
    for (const i of [49_999, 50_000, 10_000]) expect(hub.isShared(`k${i}`)).toBe(true);
    expect(await hub.shared('k50000', () => Promise.resolve(-1))).toBe(50_000);
  });
});

describe('deliveries', () => {
  it('ends its stream when a check fails, so that it cannot fill up unread and close the connection', async () => {
    const hub = new EventHub({ db: {} } as unknown as Database, { logger: {} as never, pollMs: 1_000, streamCapacity: 10, batchSize: 10 });
    let closed = 0;
    const stream = new EventStream(0, TYPES, 10, () => closed++, () => {});
    const it = deliveries(hub, stream, 'sight', () => Promise.reject(new Error('database gone')));
    stream.offer(ev(1));
    await expect(it.next()).rejects.toThrow('database gone');
    expect(closed).toBe(1);
    stream.offer(ev(2));
    expect(stream.buffered).toBe(0);
  });
});
