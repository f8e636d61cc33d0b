import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { AppError } from '../graphql/errors.js';
import { EventLog, NEW_EVENTS_CHANNEL, SEQUENCED_CHANNEL, type StoredEvent } from './log.js';

/**
 * What a cohort makes of one event, once for all its members: nothing to send (`skip`: not
 * in their sight or filter), one `message` for each, or `slow`: each member takes this event
 * by its own path (an execution that failed or carries errors). `personal`: the result
 * depends on who the subscriber is, so no event of this lane may be shared. `checkedAt`: when
 * the access check behind a message was answered (epoch ms); a message whose check is older than
 * {@link SHARE_WINDOW_MS} when its round is sent is prepared again.
 */
export type Prepared<M> = { kind: 'skip' } | { kind: 'send'; message: M; checkedAt?: number } | { kind: 'slow' } | { kind: 'personal' };

/**
 * A subscriber's shared path (see {@link Cohort}): subscribers whose lanes have the same
 * `key` see alike and receive the same message for every event.
 */
export type Lane<M = unknown> = {
  key: string;
  /** Once per event for the whole cohort; `upcoming` (the event first) are the events of this round, sent with it: check them ahead. */
  prepare(e: StoredEvent, upcoming: readonly StoredEvent[]): Promise<Prepared<M>>;
  /**
   * Sends this member its messages of one round (`messages[i]` for `events[i]`), in order,
   * synchronously and all together; false when it cannot now (its socket is backed up): it
   * leaves the cohort with all of them.
   */
  send(messages: readonly M[], events: readonly StoredEvent[]): boolean;
  /** Once per event and cohort, after sending it to `count` members (metrics). */
  delivered(e: StoredEvent, count: number): void;
};

/** Why a stream was ended by the server. */
export class StreamOverflow extends Error {
  constructor() {
    super('The subscriber did not keep up: its buffer is full');
  }
}

/**
 * One subscriber's stream: a bounded buffer of events after its position, filled by
 * the hub (live) or by its own replay from the log, read as an async iterator.
 * Events at or below the position are dropped, so the seam between replay and live
 * events has neither a gap (the hub delivers every `seq` after its own position) nor
 * a duplicate.
 */
export class EventStream implements AsyncIterableIterator<StoredEvent> {
  private readonly buffer: StoredEvent[] = [];
  /** Live events that arrived while replaying. */
  private pending: StoredEvent[] = [];
  private replaying = false;
  private waiter: ((r: IteratorResult<StoredEvent>) => void) | null = null;
  private failer: ((e: unknown) => void) | null = null;
  private closed = false;
  private error: unknown = null;
  /** This subscriber's shared path, if its transport offers one. */
  lane: Lane | null = null;
  /** The cohort that delivers to this stream while it is in one (its reader is idle). */
  cohort: Cohort | null = null;

  constructor(
    /** The last `seq` this stream has passed on (or skipped as not its type). */
    public position: number,
    readonly types: ReadonlySet<string>,
    private readonly capacity: number,
    private readonly onClose: (s: EventStream) => void,
    /** Called when the buffer overflows (the transport closes the connection). */
    private readonly onOverflow: () => void,
  ) {}

  /** From the hub: a live event. */
  offer(e: StoredEvent): void {
    if (this.closed || e.seq <= this.position) return;
    if (this.replaying) {
      if (this.pending.length >= this.capacity) return this.overflow();
      this.pending.push(e);
      return;
    }
    this.accept(e);
  }

  private accept(e: StoredEvent): void {
    if (e.seq <= this.position) return;
    this.position = e.seq;
    if (!this.types.has(e.type)) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failer = null;
      w({ value: e, done: false });
      return;
    }
    if (this.buffer.length >= this.capacity) return this.overflow();
    this.buffer.push(e);
  }

  private overflow(): void {
    this.fail(new StreamOverflow());
    this.onOverflow();
  }

  /** Replays the log after the position, then switches to live events. */
  async replay(log: EventLog, pageSize = 500): Promise<void> {
    this.replaying = true;
    try {
      for (;;) {
        const page = await log.read(this.position, pageSize);
        for (const e of page) {
          // Replay goes at the reader's pace: wait while its buffer is full.
          while (!this.closed && this.buffer.length >= this.capacity) await new Promise((r) => setTimeout(r, 20));
          if (this.closed) return;
          this.accept(e);
        }
        if (page.length < pageSize) break;
      }
    } finally {
      this.replaying = false;
      const live = this.pending;
      this.pending = [];
      for (const e of live) this.accept(e);
    }
  }

  /**
   * Whether the reader is waiting for its next event with nothing buffered or replaying:
   * everything offered so far has been passed on, and nothing of this subscriber is in flight.
   */
  get idle(): boolean {
    return !this.closed && this.waiter !== null && this.buffer.length === 0 && !this.replaying;
  }

  /** Back from a cohort to its own path, with the events the cohort has not delivered to it, in order. */
  leaveCohort(events: readonly StoredEvent[]): void {
    this.cohort = null;
    for (const e of events) {
      if (this.closed) return;
      this.accept(e);
    }
  }

  fail(e: unknown): void {
    if (this.closed) return;
    this.error = e;
    if (this.failer) {
      const f = this.failer;
      this.waiter = this.failer = null;
      f(e);
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cohort?.remove(this);
    this.cohort = null;
    this.onClose(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failer = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<StoredEvent>> {
    const e = this.buffer.shift();
    if (e) return Promise.resolve({ value: e, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failer = reject;
    });
  }

  return(): Promise<IteratorResult<StoredEvent>> {
    this.buffer.length = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Up to `n` of the events waiting to be read, without taking them (look-ahead). */
  peek(n: number): readonly StoredEvent[] {
    return this.buffer.slice(0, n);
  }

  /** Events waiting to be read (metrics, tests). */
  get buffered(): number {
    return this.buffer.length + this.pending.length;
  }
}

/**
 * One round of a cohort, for metrics: how many events it sent to how many members, how long
 * preparing them took (the shared check and executions) and how long the flush to every
 * member's socket took (slices and the loop's turns between them included).
 */
export type RoundStats = { events: number; members: number; prepareMs: number; flushMs: number };

/** What a {@link Cohort} is given by its hub. */
export type CohortOptions = {
  /** Events its queue may hold before preparing counts as not keeping up (it disbands). */
  capacity: number;
  /** Least time between the starts of two flushes: events arriving sooner wait and leave together (0: each at once). */
  coalesceMs: number;
  /** It has no member left. */
  onEmpty: (c: Cohort) => void;
  /** Its results depend on who the subscriber is: its lane is never shared again. */
  onPersonal: (c: Cohort) => void;
  /** After each round sent (metrics). */
  onRound?: (r: RoundStats) => void;
};

/** Events a cohort prepares in one round before sending them (its look-ahead: all are sent in the round). */
const PREPARE_BATCH = 100;
/** Longest a cohort's flush holds the event loop before it lets other work run (see {@link Cohort}). */
const FLUSH_SLICE_MS = 4;
/** Longest a cohort prepares before sending what is ready. */
const PREPARE_MS = 250;
/**
 * The sharing window: how long a check or execution is shared among subscribers, and so the
 * oldest an access check may be when its event is sent.
 */
const SHARE_WINDOW_MS = 1_000;

/** Whether a prepared message rests on an access check older than the sharing window at `now`. */
function staleCheck(p: Prepared<unknown>, now: number): boolean {
  return p.kind === 'send' && p.checkedAt !== undefined && now - p.checkedAt > SHARE_WINDOW_MS;
}

/**
 * Subscribers who see alike and read the same document (one lane key), whose readers are
 * idle: each event is checked, executed and serialised once for all of them, then sent to
 * each in one synchronous loop, with no promise per subscriber. The cohort keeps one queue
 * for all; each member keeps its own position (one that joined later skips what it already
 * had). A member whose socket is backed up, or an event that cannot be shared, sends the
 * member back to its own path with the events it has not had, in order: the cohort is
 * only a faster way to the same messages, never a different one.
 */
export class Cohort {
  readonly members = new Set<EventStream>();
  private readonly queue: StoredEvent[] = [];
  private running = false;
  /** When the last flush started (see {@link run}). */
  private lastFlush = -Infinity;

  constructor(
    readonly lane: Lane,
    private readonly types: ReadonlySet<string>,
    private readonly opts: CohortOptions,
  ) {}

  add(s: EventStream): void {
    this.members.add(s);
    s.cohort = this;
  }

  remove(s: EventStream): void {
    if (!this.members.delete(s)) return;
    if (this.members.size === 0) this.empty();
  }

  private empty(): void {
    this.queue.length = 0;
    this.opts.onEmpty(this);
  }

  /** From the hub: the next event of the log. */
  offer(e: StoredEvent): void {
    if (!this.types.has(e.type)) return;
    this.queue.push(e);
    // Preparing does not keep up (the database is slow): every member goes back to its own
    // path, whose bounded buffer decides, as for any subscriber.
    if (this.queue.length > this.opts.capacity) return this.disband();
    if (!this.running) void this.run();
  }

  /** Sends every member back to its own path with the events it has not had. */
  disband(): void {
    const rest = [...this.queue];
    this.queue.length = 0;
    for (const m of [...this.members]) {
      this.members.delete(m);
      m.leaveCohort(rest);
    }
    this.empty();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length && this.members.size) {
        // Under steady load, events that arrive within `coalesceMs` of the last flush's start
        // leave together: one write per subscriber for all of them instead of one each. Counted
        // from the start, not the end: a flush to a thousand sockets takes 15–30 ms here, and the
        // events that came in meanwhile have waited that long already (measured at 100 events/s
        // to 1,000 subscribers: 8 events per round at the median counted from the end, 5 from
        // the start, and the median delivery 70–73 ms instead of 90–92).
        const wait = this.lastFlush + this.opts.coalesceMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        // One round: the events queued now, at most PREPARE_BATCH of them and for at most
        // PREPARE_MS, so that a check is sent well within the second it may be shared for.
        const ready: { e: StoredEvent; p: Prepared<unknown> }[] = [];
        const end = Math.min(this.queue.length, PREPARE_BATCH);
        const started = performance.now();
        let stop: 'slow' | 'personal' | null = null;
        while (ready.length < end && performance.now() - started < PREPARE_MS) {
          const e = this.queue[ready.length]!;
          let p: Prepared<unknown>;
          try {
            p = await this.lane.prepare(e, this.queue.slice(ready.length, end));
          } catch {
            p = { kind: 'slow' }; // each member meets the failure on its own path, as its own error
          }
          if (this.queue[ready.length] !== e) return; // disbanded meanwhile
          if (p.kind === 'slow' || p.kind === 'personal') {
            stop = p.kind;
            break;
          }
          ready.push({ e, p });
        }
        // A slow preparation late in the round must not send an earlier event on a check older
        // than the sharing window: the round stops before it, and the rest is prepared again
        // (with a fresh check) in the next. If even the first is stale, preparing does not keep
        // up with the window (checks queue for a connection longer than it): preparing the
        // round again would age the same way, in a loop (measured: 300 subscribers of
        // different scopes stalled at 57 deliveries/s). The members then take the events by
        // their own paths, which check and send one batch at a time, and rejoin when idle.
        const now = Date.now();
        const stale = ready.findIndex(({ p }) => staleCheck(p, now));
        if (stale === 0) {
          this.disband();
          return;
        }
        if (stale !== -1) {
          ready.length = stale;
          stop = null;
        }
        this.lastFlush = performance.now();
        const members = this.members.size;
        if (!(await this.flush(ready))) return;
        this.opts.onRound?.({ events: ready.length, members, prepareMs: this.lastFlush - started, flushMs: performance.now() - this.lastFlush });
        if (stop) {
          this.disband();
          if (stop === 'personal') this.opts.onPersonal(this);
          return;
        }
        if (this.members.size === 0) this.empty();
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Sends the prepared events at the head of the queue to every member and takes them off the
   * queue. Members are served in slices of at most {@link FLUSH_SLICE_MS}, each in one
   * synchronous pass, with a turn of the event loop between slices: a flush to a thousand
   * sockets would otherwise hold the loop for tens of milliseconds, and every step between a
   * commit and its delivery (the notification, the sequencer, the read, the check) would wait
   * behind it. False when the cohort was disbanded meanwhile (its members have the rest).
   */
  private async flush(ready: readonly { e: StoredEvent; p: Prepared<unknown> }[]): Promise<boolean> {
    const sent = new Array<number>(ready.length).fill(0);
    const head = ready[0]?.e;
    const report = () => ready.forEach(({ e }, i) => sent[i] && this.lane.delivered(e, sent[i]!));
    let sliceStart = performance.now();
    let served = 0;
    // What a member who had none of these events gets (nearly all of them).
    const all = { messages: [] as unknown[], events: [] as StoredEvent[], at: [] as number[] };
    ready.forEach(({ e, p }, i) => p.kind === 'send' && (all.messages.push(p.message), all.events.push(e), all.at.push(i)));
    const last = ready[ready.length - 1]?.e.seq ?? 0;
    // A Set iterates over members added while it waits (they skip what they had, by position)
    // and skips those removed.
    for (const m of this.members) {
      if (m.position >= last) continue; // joined after having them all
      // The first event this member has not had, and its part of the round.
      const from = ready.findIndex(({ e }) => e.seq > m.position);
      const mine =
        from === 0
          ? all
          : { messages: all.messages.filter((_, k) => all.at[k]! >= from), events: all.events.filter((_, k) => all.at[k]! >= from), at: all.at.filter((i) => i >= from) };
      if (mine.messages.length) {
        let ok: boolean;
        try {
          ok = m.lane!.send(mine.messages, mine.events);
        } catch {
          ok = false; // its own path meets the failure as its own
        }
        if (!ok) {
          this.members.delete(m);
          m.leaveCohort(this.queue.slice(from));
          continue;
        }
        for (const i of mine.at) sent[i]!++;
      }
      m.position = last;
      if (++served % 16 === 0 && performance.now() - sliceStart > FLUSH_SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        if (this.queue[0] !== head) return report(), false; // disbanded meanwhile
        // A check may not be sent older than the sharing window: those not served yet take
        // the rest by their own paths, which check again.
        const now = Date.now();
        if (ready.some(({ p }) => staleCheck(p, now))) {
          this.disband();
          return report(), false;
        }
        sliceStart = performance.now();
      }
    }
    this.queue.splice(0, ready.length);
    report();
    return true;
  }
}

export type EventHubOptions = {
  logger: Logger;
  /** Longest time between looks at the log when no notification arrives. */
  pollMs: number;
  /** Events a stream may hold before its subscriber counts as stuck. */
  streamCapacity: number;
  /** Events read from the log per statement. */
  batchSize: number;
  /** Least time between the starts of two sends of a cohort of alike subscribers (see {@link Cohort}). */
  coalesceMs?: number;
  /** Called for each event as this instance takes it from the log, sequenced or read (metrics: the log's lag). */
  onEvent?: (e: StoredEvent) => void;
  /** Called after each round a cohort sent (metrics: preparation and flush times). */
  onRound?: (r: RoundStats) => void;
};

/** Answers (checks, executions) the sharing memo holds before it drops the oldest. */
const MEMO_ENTRIES = 50_000;

/** A shared answer: when it was asked (`at`), when it arrived (null while in flight), the answer. */
type MemoEntry = { at: number; answered: number | null; value: Promise<unknown> };

/**
 * This instance's fan-out from the event log to its subscribers. One listening
 * connection per instance: a notification (or the poll) wakes the sequencer and the
 * reader; the reader reads the log in order, in batches, and offers each event to every
 * stream. Notifications carry nothing a subscriber depends on: the log is the only source.
 */
export class EventHub {
  readonly log: EventLog;
  private position = 0;
  private readonly streams = new Set<EventStream>();
  /** Cohorts by lane key, and the lane keys whose results depend on the subscriber (never shared). */
  private readonly cohorts = new Map<string, Cohort>();
  private readonly personalLanes = new Set<string>();
  private unlisten: (() => Promise<void>)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly sequencer = coalesced(
    () => this.runSequencer(),
    (err) => this.opts.logger.warn({ err }, 'event sequencer failed; the poll retries'),
  );
  private readonly reader = coalesced(
    () => this.readNew(),
    (err) => this.opts.logger.warn({ err }, 'event reader failed; the poll retries'),
  );
  /** This instance's stamping statement while one is under way (see `sequenced`). */
  private stamping: Promise<StoredEvent[]> | null = null;
  private started = false;
  private startPromise: Promise<void> | null = null;
  private readonly memo = new Map<string, MemoEntry>();
  private readonly interned = new Map<string, string>();
  private readonly readers = new Map<string, number>();
  private internedNext = 0;

  constructor(
    private readonly database: Database,
    private readonly opts: EventHubOptions,
  ) {
    this.log = new EventLog(database.db);
  }

  /** Starts listening and reading from the current end of the log. Idempotent. */
  start(): Promise<void> {
    this.startPromise ??= (async () => {
      this.unlisten.push(await this.database.listen(NEW_EVENTS_CHANNEL, () => this.sequence()));
      // The payload is the sequence's new end (a hint): up to it, this instance may have
      // passed everything on already (its own sequencer's events), and needs no read. Looked
      // at after the current turn: the embedded database notifies before the stamping
      // statement's answer arrives.
      this.unlisten.push(await this.database.listen(SEQUENCED_CHANNEL, (last) => setImmediate(() => void this.sequenced(Number(last)))));
      await this.runSequencer();
      this.position = (await this.log.state()).last;
      this.started = true;
      this.schedulePoll();
    })();
    return this.startPromise;
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const u of this.unlisten.splice(0)) await u().catch(() => {});
    await this.reader.settled();
    await this.sequencer.settled();
    for (const s of [...this.streams]) void s.return();
  }

  /** Active streams. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * A new stream of events of `types`: live from the current end of the log, or, with
   * `afterSeq`, replaying what came after it first. A position older than retention is
   * BAD_USER_INPUT (`reason: CURSOR_EXPIRED`) on `field`.
   */
  async open(opts: { types: readonly string[]; afterSeq: number | null; field: string; onOverflow: () => void }): Promise<EventStream> {
    await this.start();
    if (opts.afterSeq !== null) {
      const { last, prunedThrough } = await this.log.state();
      if (opts.afterSeq < prunedThrough) {
        throw AppError.badInput(opts.field, 'is older than the event retention: events after it were deleted; start again without `after`', {
          reason: 'CURSOR_EXPIRED',
        });
      }
      if (opts.afterSeq > last) throw AppError.badInput(opts.field, 'is not a cursor of this event stream');
    }
    const stream = new EventStream(
      opts.afterSeq ?? this.position,
      new Set(opts.types),
      this.opts.streamCapacity,
      (s) => this.streams.delete(s),
      opts.onOverflow,
    );
    this.streams.add(stream);
    if (opts.afterSeq !== null) {
      stream.replay(this.log, this.opts.batchSize).catch((e) => stream.fail(e));
    }
    return stream;
  }

  /**
   * Shares one check among the subscribers that would run it alike (same event, same
   * access and filter) within `maxAgeMs`: with a thousand dashboards on one filter, one
   * statement per event instead of a thousand. Entries older than `maxAgeMs` are run
   * again, so a check is never older than that when its event is sent.
   */
  shared<T>(key: string, load: () => Promise<T>, maxAgeMs = SHARE_WINDOW_MS): Promise<T> {
    const hit = this.fresh(key, maxAgeMs);
    if (hit) return hit as Promise<T>;
    const value = load();
    this.remember(key, value);
    return value;
  }

  /** Like {@link shared}, for many keys answered by one load (a batch of checks in one statement). */
  sharedMany<T>(keys: readonly string[], load: () => Promise<readonly T[]>): void {
    const all = load();
    keys.forEach((key, i) => this.remember(key, all.then((values) => values[i]!)));
  }

  /**
   * A short, stable name for a long sharing key (a viewer's sight and filter, a document):
   * the memo's keys stay a few characters long however long what they stand for.
   */
  intern(long: string): string {
    let short = this.interned.get(long);
    if (short === undefined) {
      if (this.interned.size >= 100_000) this.interned.clear();
      short = (this.internedNext++).toString(36);
      this.interned.set(long, short);
    }
    return short;
  }

  /** Readers of each interned sight (see src/events/delivery.ts): how many share its answers. */
  join(sight: string): { readers: () => number; leave: () => void } {
    this.readers.set(sight, (this.readers.get(sight) ?? 0) + 1);
    let left = false;
    return {
      readers: () => this.readers.get(sight) ?? 0,
      leave: () => {
        if (left) return;
        left = true;
        const n = (this.readers.get(sight) ?? 1) - 1;
        if (n > 0) this.readers.set(sight, n);
        else this.readers.delete(sight);
      },
    };
  }

  /** When the answer under `key` arrived (epoch ms), if it has. */
  answeredAt(key: string): number | null {
    return this.memo.get(key)?.answered ?? null;
  }

  /** Whether `key` has an answer of at most `maxAgeMs`. */
  isShared(key: string, maxAgeMs = SHARE_WINDOW_MS): boolean {
    return this.fresh(key, maxAgeMs) !== null;
  }

  /**
   * An answer's age counts from its arrival, not from when it was asked: its statement read
   * the database after it was asked (it may have queued for a connection first). Counted from
   * the asking, answers that queued for longer than the window under load were stale on
   * arrival, were asked again, queued again: 300 subscribers of different scopes stalled at
   * 57 deliveries/s. One in flight is shared (it will be fresh), unless it has been in flight
   * for ten windows.
   */
  private fresh(key: string, maxAgeMs: number): Promise<unknown> | null {
    const hit = this.memo.get(key);
    if (!hit) return null;
    const now = Date.now();
    const ok = hit.answered === null ? now - hit.at <= 10 * maxAgeMs : now - hit.answered <= maxAgeMs;
    return ok ? hit.value : null;
  }

  private remember(key: string, value: Promise<unknown>): void {
    const now = Date.now();
    if (this.memo.size >= MEMO_ENTRIES) {
      // Oldest first (a Map iterates in insertion order): expired answers, then, if many
      // subscribers of different sights still fill it, the oldest tenth. Never all at once:
      // that would drop the look-ahead answers just fetched and fetch them again, in a loop.
      for (const [k, v] of this.memo) {
        if (now - (v.answered ?? v.at) <= SHARE_WINDOW_MS && this.memo.size < MEMO_ENTRIES * 0.9) break;
        this.memo.delete(k);
      }
    }
    this.memo.delete(key); // to the end: eviction goes by insertion order
    const entry: MemoEntry = { at: now, answered: null, value };
    this.memo.set(key, entry);
    value.then(
      () => void (entry.answered = Date.now()),
      () => {
        if (this.memo.get(key) === entry) this.memo.delete(key);
      },
    );
  }

  /** Wakes the sequencer (coalesced). */
  sequence(): void {
    this.sequencer.run();
  }

  /**
   * Another sequencer's (or this one's) notification that the log now ends at `last`. When
   * this instance's own stamping statement is under way, that statement may be the one that
   * notified (on a server the notification can arrive before its answer): its answer passes
   * those events on, so the decision waits for it. Measured on PostgreSQL: without the wait,
   * 3 runs in 5 read the log for events this instance had just stamped.
   */
  private async sequenced(last: number): Promise<void> {
    const inFlight = this.stamping;
    if (inFlight) await inFlight.catch(() => {});
    if (!(last <= this.position)) this.pump();
  }

  private async runSequencer(): Promise<void> {
    for (;;) {
      const statement = this.log.sequence(this.opts.batchSize * 2);
      this.stamping = statement;
      let stamped: StoredEvent[];
      try {
        stamped = await statement;
      } finally {
        if (this.stamping === statement) this.stamping = null;
      }
      // What this instance stamped it passes on at once, when they follow what it has passed
      // on (it had everything before them), without waiting for its notification or a read.
      if (stamped.length && this.started && stamped[0]!.seq === this.position + 1) for (const e of stamped) this.deliver(e);
      else if (stamped.length) this.pump();
      if (stamped.length < this.opts.batchSize * 2) break;
    }
  }

  /** Reads new events and offers them to the streams (coalesced). */
  pump(): void {
    if (this.started) this.reader.run();
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const page = await this.log.read(this.position, this.opts.batchSize);
      // The sequencer may have passed some of them on while this read was under way.
      for (const e of page) if (e.seq > this.position) this.deliver(e);
      if (page.length < this.opts.batchSize) return;
    }
  }

  /** Offers the log's next event (`seq` = position + 1) to every stream and cohort. */
  private deliver(e: StoredEvent): void {
    this.position = e.seq;
    this.opts.onEvent?.(e);
    for (const s of this.streams) {
      if (s.cohort) continue;
      // An idle reader has had everything before `e`: it joins its cohort, which sends it `e` on.
      if (s.lane && s.idle && !this.personalLanes.has(s.lane.key)) this.cohortOf(s.lane, s).add(s);
      else s.offer(e);
    }
    for (const c of this.cohorts.values()) c.offer(e);
  }

  private cohortOf(lane: Lane, s: EventStream): Cohort {
    let c = this.cohorts.get(lane.key);
    if (!c) {
      c = new Cohort(lane, s.types, {
        capacity: this.opts.streamCapacity,
        coalesceMs: this.opts.coalesceMs ?? 0,
        onEmpty: (gone) => {
          if (this.cohorts.get(gone.lane.key) === gone) this.cohorts.delete(gone.lane.key);
        },
        onPersonal: (gone) => {
          if (this.personalLanes.size >= 10_000) this.personalLanes.clear();
          this.personalLanes.add(gone.lane.key);
        },
        onRound: this.opts.onRound,
      });
      this.cohorts.set(lane.key, c);
    }
    return c;
  }

  private schedulePoll(): void {
    if (!this.started) return;
    this.timer = setTimeout(() => {
      this.sequence();
      this.pump();
      this.schedulePoll();
    }, this.opts.pollMs);
    this.timer.unref();
  }
}

/**
 * A background job run one at a time (on the instance's own database handle, outside any
 * request's budget): a call while it runs asks for exactly one more run after it (wake-ups
 * during a run are not lost, nor stacked).
 */
function coalesced(job: () => Promise<void>, onError: (err: unknown) => void) {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = job()
      .catch(onError)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return { run, settled: async () => void (await running) };
}
