import DataLoader from 'dataloader';
import type { Maybe } from './maybe.js';
import type { Db } from '../db/client.js';
import { columnsOf, keyIn, selectFixed, type SelectQuery } from '../db/rows.js';
import { asc, eq, getTableColumns, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import {
  cityCompanies,
  complaintEvents,
  complaints,
  customers,
  plannedTouchpoints,
  projects,
  regions,
  slaAlerts,
  slaClocks,
  staff,
  standardActionRules,
  surveyAnswers,
  surveyQuestions,
  surveyResponses,
  surveyTemplates,
  touchpoints,
  unitOwnerships,
  units,
} from '../db/schema/index.js';

type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];
export type ProjectRow = Row<typeof projects>;
export type CityCompanyRow = Row<typeof cityCompanies>;
export type RegionRow = Row<typeof regions>;
export type CustomerRow = Row<typeof customers>;
export type UnitRow = Row<typeof units>;
export type OwnershipRow = Row<typeof unitOwnerships>;
export type StaffRow = Row<typeof staff>;

/** Loader statements come from this fixed set of texts: prepared once per connection (see selectRows). */
const PREPARED = { prepared: true };

/**
 * A loader's statement for the rows whose `column` is one of `keys` (built by `build` from that
 * condition, {@link keyIn}: one fixed text per name and per one key or several, see selectFixed).
 */
function keyed<T, K extends number | string>(db: Db, name: string, column: PgColumn, keys: readonly K[], build: (where: SQL) => SelectQuery<T>): Promise<T[]> {
  return keys.length === 1 ? selectFixed(db, `${name}|=`, [keys[0]], () => build(keyIn(column, keys)), PREPARED) : selectFixed(db, name, [keys], () => build(keyIn(column, keys)), PREPARED);
}

/** Keys sent (or about to be) in one statement, and when its answer has been recorded. */
type Batch<K> = { keys: K[]; done: Promise<void> };

/**
 * A batching loader, as DataLoader, that also answers synchronously once a value is at hand.
 * `get` returns the value itself when a batch or `prime` has brought it, else the promise
 * `load` gives. A field resolver that returns a value instead of a promise costs graphql-jit no
 * promise and no microtask; a list resolver that `preload`s its rows' relations before
 * returning makes every such field synchronous (on the complaint desk, 150 fields a page).
 *
 * As DataLoader: the keys asked for in one turn (loads and preloads alike) go in one batch,
 * after the turn's promise jobs; a key is fetched once per request; `prime` does nothing to a
 * key already asked for; `clear` forgets a key, and a batch in flight then leaves it out. Unlike
 * it: a failed batch is remembered for its keys, so each field waiting for them meets the one
 * failure (a preload's too) without sending the statement again.
 */
export class Batched<K, V> {
  private readonly arrived = new Map<K, V>();
  private readonly failed = new Map<K, unknown>();
  /** Keys in a batch whose answer is not recorded yet, with that batch. */
  private readonly waiting = new Map<K, Batch<K>>();
  /** The batch gathering this turn's keys. */
  private gathering: Batch<K> | null = null;

  constructor(private readonly fetch: (keys: readonly K[]) => Promise<V[]>) {}

  /** The value for `key` if it is at hand, else undefined (asking for nothing). */
  peek(key: K): V | undefined {
    return this.arrived.get(key);
  }

  /** The value for `key` if it is at hand, else a promise of it. */
  get(key: K): Maybe<V> {
    return this.arrived.has(key) ? (this.arrived.get(key) as V) : this.load(key);
  }

  load(key: K): Promise<V> {
    if (this.arrived.has(key)) return Promise.resolve(this.arrived.get(key) as V);
    if (this.failed.has(key)) return Promise.reject(this.failed.get(key));
    return (this.waiting.get(key) ?? this.ask(key)).done.then(() => this.load(key));
  }

  /** As DataLoader's: each value, or the Error its key met. */
  loadMany(keys: readonly K[]): Promise<(V | Error)[]> {
    return Promise.all(keys.map((k) => this.load(k).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
  }

  /**
   * Asks for the values of `keys` not at hand, without a promise per key (as `loadMany` would
   * make); resolves when their batches are answered. Never rejects: a failure is met by each
   * `get` or `load` of the keys.
   */
  preload(keys: readonly K[]): Promise<void> {
    let batches: Set<Batch<K>> | undefined;
    for (const k of keys) {
      if (this.arrived.has(k) || this.failed.has(k)) continue;
      (batches ??= new Set()).add(this.waiting.get(k) ?? this.ask(k));
    }
    if (!batches) return Promise.resolve();
    return batches.size === 1 ? [...batches][0]!.done : Promise.all([...batches].map((b) => b.done)).then(() => undefined);
  }

  prime(key: K, value: V | Error): this {
    if (this.arrived.has(key) || this.failed.has(key) || this.waiting.has(key)) return this;
    if (value instanceof Error) this.failed.set(key, value);
    else this.arrived.set(key, value);
    return this;
  }

  clear(key: K): this {
    this.arrived.delete(key);
    this.failed.delete(key);
    this.waiting.delete(key);
    return this;
  }

  clearAll(): this {
    this.arrived.clear();
    this.failed.clear();
    this.waiting.clear();
    return this;
  }

  /** Puts `key` in this turn's batch, started after the turn's promise jobs (as DataLoader schedules). */
  private ask(key: K): Batch<K> {
    let batch = this.gathering;
    if (!batch) {
      const b: Batch<K> = { keys: [], done: Promise.resolve() };
      b.done = Promise.resolve()
        .then(() => new Promise<void>((resolve) => process.nextTick(resolve)))
        .then(() => this.send(b));
      this.gathering = batch = b;
    }
    batch.keys.push(key);
    this.waiting.set(key, batch);
    return batch;
  }

  /** Sends a batch and records its answer for the keys still waiting on it (not cleared meanwhile). */
  private async send(batch: Batch<K>): Promise<void> {
    if (this.gathering === batch) this.gathering = null;
    let values: V[] | undefined;
    let error: unknown;
    try {
      values = await this.fetch(batch.keys);
      if (values.length !== batch.keys.length) throw new Error(`a batch of ${batch.keys.length} keys answered ${values.length} values`);
    } catch (e) {
      error = e;
    }
    for (let i = 0; i < batch.keys.length; i++) {
      const k = batch.keys[i]!;
      if (this.waiting.get(k) !== batch) continue;
      this.waiting.delete(k);
      if (values && !error) this.arrived.set(k, values[i]!);
      else this.failed.set(k, error);
    }
  }
}

/** A loader of rows by primary key: one `WHERE id = any($1)` per batch, its SQL built once per process (selectFixed). */
function byId<R extends { id: K }, K extends number | string = number>(fetch: (ids: K[]) => Promise<R[]>) {
  return new Batched<K, R | null>(async (ids) => {
    const found = new Map((await fetch([...ids])).map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/**
 * A loader of rows by primary key (as {@link byId}), of only some columns (every column for
 * null): rows the table's other loaders of whole rows or of more columns (`covering`) have at
 * hand answer without a statement; the others come from `fetch`.
 */
function partOf<R extends { id: number }>(covering: () => Batched<number, R | null>[], fetch: (ids: number[]) => Promise<R[]>) {
  return new Batched<number, R | null>(async (ids) => {
    // What the other loaders have now answers, even if one forgets a key while the rest is read.
    const others = covering();
    const found = new Map<number, R | null>();
    const missing: number[] = [];
    for (const id of ids) {
      let row: R | null | undefined;
      for (let i = 0; row === undefined && i < others.length; i++) row = others[i]!.peek(id);
      if (row === undefined) missing.push(id);
      else found.set(id, row);
    }
    if (missing.length) for (const r of await fetch(missing)) found.set(r.id, r);
    return ids.map((id) => found.get(id) ?? null);
  });
}

/**
 * The loaders in `made` (see {@link perColumns}) whose rows hold every one of `columns`: the
 * whole-row loader, and those of more columns. None for the whole-row loader itself.
 */
function coveringOf<L>(made: Map<readonly string[] | string, L>, columns: readonly string[] | null): () => L[] {
  return () => {
    const out: L[] = [];
    if (!columns) return out;
    const key = columns.join(',');
    for (const [k, loader] of made) {
      // Each loader is found once by its joined key (and maybe again by its list).
      if (typeof k !== 'string' || k === key) continue;
      if (k === '*') out.unshift(loader);
      else {
        const has = new Set(k.split(','));
        if (columns.every((c) => has.has(c))) out.push(loader);
      }
    }
    return out;
  };
}

/** A loader of child rows grouped by a parent key. */
function groupedBy<R, K extends number>(key: (r: R) => K, fetch: (keys: K[]) => Promise<R[]>) {
  return new Batched<K, R[]>(async (keys) => {
    const groups = new Map<K, R[]>();
    for (const r of await fetch([...keys])) {
      const k = key(r);
      const list = groups.get(k);
      if (list) list.push(r);
      else groups.set(k, [r]);
    }
    return keys.map((k) => groups.get(k) ?? []);
  });
}

/**
 * The loader in `made` for these columns (null: whole rows), made by `make` on first use. Found
 * by the list itself first: a field's list comes from the projection's cache, the same array for
 * each of a page's rows, and joining it into a key on every call of a field resolver was 1 % of
 * the complaint desk.
 */
function perColumns<L>(made: Map<readonly string[] | string, L>, columns: readonly string[] | null, make: () => L): L {
  let loader = made.get(columns ?? '*');
  if (loader) return loader;
  const key = columns?.join(',') ?? '*';
  loader = made.get(key);
  if (!loader) made.set(key, (loader = make()));
  // A field selected twice under one parent gets a new list per row (projection.ts answers a
  // merge uncached): those are not kept by identity, or the map would grow by a row at a time.
  if (columns && made.size < 64) made.set(columns, loader);
  return loader;
}

/** The columns of an ownership, then those of its unit under `unit.` keys (see {@link splitJoined}). */
const OWNERSHIP_WITH_UNIT = {
  ...getTableColumns(unitOwnerships),
  ...Object.fromEntries(Object.entries(getTableColumns(units)).map(([k, c]) => [`unit.${k}`, c])),
} as ReturnType<typeof getTableColumns<typeof unitOwnerships>> & Record<`unit.${string}`, PgColumn>;

/**
 * A flat row of a table's columns and a joined table's (under `<name>.` keys) split into the
 * two rows; the joined one is null when the left join found none (a row has its key `id`).
 */
function splitJoined<R, J>(flat: Record<string, unknown>): [R, J | null] {
  const own: Record<string, unknown> = {};
  const joined: Record<string, unknown> = {};
  for (const k in flat) {
    const dot = k.indexOf('.');
    if (dot < 0) own[k] = flat[k];
    else joined[k.slice(dot + 1)] = flat[k];
  }
  return [own as R, joined.id === null || joined.id === undefined ? null : (joined as J)];
}

/** The name of a loader's statement for these columns (one text per name: selectFixed). */
const named = (name: string, columns: readonly string[] | null) => (columns ? `${name}|${columns.join(',')}` : name);

type ClockRowOf = typeof slaClocks.$inferSelect;
/** The order of a complaint's clocks, wherever they are read. */
export const CLOCK_ORDER = [asc(slaClocks.startedAt), asc(slaClocks.id)];
/** A complaint's timeline, in order. */
export const EVENT_ORDER = [asc(complaintEvents.at), asc(complaintEvents.id)];
type EventRowOf = typeof complaintEvents.$inferSelect;

/**
 * One set of loaders per request: every relation a field resolver follows goes through
 * these, so a page of N items costs a constant number of statements. Each loader is made on
 * first use: a request pays only for the loaders it touches (one object per request, where
 * making all of them took 11 µs).
 */
export class RequestLoaders {
  #touchpoint?: Batched<number, typeof touchpoints.$inferSelect | null>;
  #plannedTouchpoint?: Batched<number, typeof plannedTouchpoints.$inferSelect | null>;
  #plannedByTouchpoint?: Batched<number, (typeof plannedTouchpoints.$inferSelect)[]>;
  #rule?: Batched<number, typeof standardActionRules.$inferSelect | null>;
  #surveyTemplate?: Batched<number, typeof surveyTemplates.$inferSelect | null>;
  #surveyQuestion?: Batched<number, typeof surveyQuestions.$inferSelect | null>;
  #surveyQuestionsByTemplate?: Batched<number, (typeof surveyQuestions.$inferSelect)[]>;
  #surveyResponse?: Batched<number, typeof surveyResponses.$inferSelect | null>;
  #surveyAnswersByResponse?: Batched<number, (typeof surveyAnswers.$inferSelect)[]>;
  #cityCompanies?: Map<readonly string[] | string, Batched<number, CityCompanyRow | null>>;
  #region?: Batched<number, RegionRow | null>;
  #customers?: Map<readonly string[] | string, Batched<number, CustomerRow | null>>;
  #projects?: Map<readonly string[] | string, Batched<number, ProjectRow | null>>;
  #staff?: Batched<string, StaffRow | null>;
  #unit?: Batched<number, UnitRow | null>;
  #ownership?: Batched<number, OwnershipRow | null>;
  #ownershipsByCustomer?: Batched<number, OwnershipRow[]>;
  #ownershipsByUnit?: Batched<number, OwnershipRow[]>;
  #complaint?: Batched<number, typeof complaints.$inferSelect | null>;
  #alertsByComplaint?: Batched<number, (typeof slaAlerts.$inferSelect)[]>;
  #clocks?: Map<readonly string[] | string, Batched<number, ClockRowOf[]>>;
  #events?: Map<readonly string[] | string, Batched<number, EventRowOf[]>>;
  #nested?: Map<string, DataLoader<number, unknown>>;

  constructor(private readonly db: Db) {}

  get surveyTemplate() {
    const db = this.db;
    return (this.#surveyTemplate ??= byId((ids) => keyed(db, 'surveyTemplate', surveyTemplates.id, ids, (where) => db.select().from(surveyTemplates).where(where))));
  }
  get surveyQuestion() {
    const db = this.db;
    return (this.#surveyQuestion ??= byId((ids) => keyed(db, 'surveyQuestion', surveyQuestions.id, ids, (where) => db.select().from(surveyQuestions).where(where))));
  }
  /** A template version's questions, in order. */
  get surveyQuestionsByTemplate() {
    const db = this.db;
    return (this.#surveyQuestionsByTemplate ??= groupedBy(
      (r: typeof surveyQuestions.$inferSelect) => r.templateId,
      (ids) => keyed(db, 'surveyQuestionsByTemplate', surveyQuestions.templateId, ids, (where) => db.select().from(surveyQuestions).where(where).orderBy(asc(surveyQuestions.position))),
    ));
  }
  get surveyResponse() {
    const db = this.db;
    return (this.#surveyResponse ??= byId((ids) => keyed(db, 'surveyResponse', surveyResponses.id, ids, (where) => db.select().from(surveyResponses).where(where))));
  }
  /** A response's answers, in the order given. */
  get surveyAnswersByResponse() {
    const db = this.db;
    return (this.#surveyAnswersByResponse ??= groupedBy(
      (r: typeof surveyAnswers.$inferSelect) => r.responseId,
      (ids) => keyed(db, 'surveyAnswersByResponse', surveyAnswers.responseId, ids, (where) => db.select().from(surveyAnswers).where(where).orderBy(asc(surveyAnswers.id))),
    ));
  }
  get touchpoint() {
    const db = this.db;
    return (this.#touchpoint ??= byId((ids) => keyed(db, 'touchpoint', touchpoints.id, ids, (where) => db.select().from(touchpoints).where(where))));
  }
  get plannedTouchpoint() {
    const db = this.db;
    return (this.#plannedTouchpoint ??= byId((ids) => keyed(db, 'plannedTouchpoint', plannedTouchpoints.id, ids, (where) => db.select().from(plannedTouchpoints).where(where))));
  }
  /** The planned action a touchpoint carried out (at most one per touchpoint). */
  get plannedByTouchpoint() {
    const db = this.db;
    return (this.#plannedByTouchpoint ??= groupedBy(
      (r: typeof plannedTouchpoints.$inferSelect) => r.touchpointId!,
      (ids) => keyed(db, 'plannedByTouchpoint', plannedTouchpoints.touchpointId, ids, (where) => db.select().from(plannedTouchpoints).where(where)),
    ));
  }
  get rule() {
    const db = this.db;
    return (this.#rule ??= byId((ids) => keyed(db, 'rule', standardActionRules.id, ids, (where) => db.select().from(standardActionRules).where(where))));
  }
  /** Projects, whole rows. */
  get project() {
    return this.projectsWith(null);
  }
  /** City companies, whole rows. */
  get cityCompany() {
    return this.cityCompaniesWith(null);
  }
  /** City companies with only these columns (`id` among them), or whole rows for null; as {@link customersWith}. */
  cityCompaniesWith(columns: readonly string[] | null): Batched<number, CityCompanyRow | null> {
    const db = this.db;
    const made = (this.#cityCompanies ??= new Map());
    return perColumns(made, columns, () =>
      partOf(
        coveringOf(made, columns),
        (ids) => keyed(db, named('cityCompany', columns), cityCompanies.id, ids, (where) => db.select(columnsOf(cityCompanies, columns)).from(cityCompanies).where(where)),
      ),
    );
  }
  /** Forgets a city company in every loader of its rows (after it changed). */
  forgetCityCompany(id: number): void {
    for (const loader of new Set(this.#cityCompanies?.values())) loader.clear(id);
  }
  get region() {
    const db = this.db;
    return (this.#region ??= byId((ids) => keyed(db, 'region', regions.id, ids, (where) => db.select().from(regions).where(where))));
  }
  /** Customers, whole rows. */
  get customer() {
    return this.customersWith(null);
  }
  /**
   * Customers with only these columns (`id` among them), or whole rows for null; one loader per
   * list of columns (see projection.ts). A row the whole-row loader, or a loader of more
   * columns, has at hand answers.
   */
  customersWith(columns: readonly string[] | null): Batched<number, CustomerRow | null> {
    const db = this.db;
    const made = (this.#customers ??= new Map());
    return perColumns(made, columns, () =>
      partOf(
        coveringOf(made, columns),
        (ids) => keyed(db, named('customer', columns), customers.id, ids, (where) => db.select(columnsOf(customers, columns)).from(customers).where(where)),
      ),
    );
  }
  /** Projects with only these columns (`id` among them), or whole rows for null; as {@link customersWith}. */
  projectsWith(columns: readonly string[] | null): Batched<number, ProjectRow | null> {
    const db = this.db;
    const made = (this.#projects ??= new Map());
    return perColumns(made, columns, () =>
      partOf(
        coveringOf(made, columns),
        (ids) => keyed(db, named('project', columns), projects.id, ids, (where) => db.select(columnsOf(projects, columns)).from(projects).where(where)),
      ),
    );
  }
  /** Staff directory entries by login (token subject); null for subjects without one. */
  get staff() {
    const db = this.db;
    return (this.#staff ??= byId<StaffRow, string>((logins) => keyed(db, 'staff', staff.id, logins, (where) => db.select().from(staff).where(where))));
  }
  get unit() {
    const db = this.db;
    return (this.#unit ??= byId((ids) => keyed(db, 'unit', units.id, ids, (where) => db.select().from(units).where(where))));
  }
  get ownership() {
    const db = this.db;
    return (this.#ownership ??= byId((ids) => keyed(db, 'ownership', unitOwnerships.id, ids, (where) => db.select().from(unitOwnerships).where(where))));
  }
  /**
   * A customer's ownerships, in order. Their units come in the same statement (a join) and are
   * primed into {@link unit}: a customer's units with their labels in one round trip.
   */
  get ownershipsByCustomer() {
    const db = this.db;
    return (this.#ownershipsByCustomer ??= groupedBy(
      (r: OwnershipRow) => r.customerId,
      async (ids) => {
        const rows = await keyed(db, 'ownershipsByCustomer+unit', unitOwnerships.customerId, ids, (where) => db.select(OWNERSHIP_WITH_UNIT).from(unitOwnerships).leftJoin(units, eq(units.id, unitOwnerships.unitId)).where(where).orderBy(unitOwnerships.id));
        const unit = this.unit;
        return rows.map((r) => {
          const [owned, held] = splitJoined<OwnershipRow, UnitRow>(r);
          if (held) unit.prime(held.id, held);
          return owned;
        });
      },
    ));
  }
  get ownershipsByUnit() {
    const db = this.db;
    return (this.#ownershipsByUnit ??= groupedBy(
      (r: OwnershipRow) => r.unitId,
      (ids) => keyed(db, 'ownershipsByUnit', unitOwnerships.unitId, ids, (where) => db.select().from(unitOwnerships).where(where).orderBy(unitOwnerships.id)),
    ));
  }
  get complaint() {
    const db = this.db;
    return (this.#complaint ??= byId((ids) => keyed(db, 'complaint', complaints.id, ids, (where) => db.select().from(complaints).where(where))));
  }
  get alertsByComplaint() {
    const db = this.db;
    return (this.#alertsByComplaint ??= groupedBy(
      (r: typeof slaAlerts.$inferSelect) => r.complaintId!,
      (ids) => keyed(db, 'alertsByComplaint', slaAlerts.complaintId, ids, (where) => db.select().from(slaAlerts).where(where).orderBy(asc(slaAlerts.firedAt), asc(slaAlerts.id))),
    ));
  }
  /** A complaint's clocks, whole rows. */
  get clocksByComplaint() {
    return this.clocksWith(null);
  }
  /** A complaint's clocks with only these columns (`complaintId` among them), or whole rows for null; one loader per list of columns (see projection.ts). */
  clocksWith(columns: readonly string[] | null): Batched<number, ClockRowOf[]> {
    const db = this.db;
    return perColumns((this.#clocks ??= new Map()), columns, () =>
      groupedBy(
        (r: ClockRowOf) => r.complaintId,
        (ids) =>
          keyed(db, named('clocksByComplaint', columns), slaClocks.complaintId, ids, (where) => db.select(columnsOf(slaClocks, columns)).from(slaClocks).where(where).orderBy(...CLOCK_ORDER)),
      ),
    );
  }
  /** A complaint's timeline, whole rows. */
  get eventsByComplaint() {
    return this.eventsWith(null);
  }
  /** A complaint's timeline with only these columns (`complaintId` among them), or whole rows for null. */
  eventsWith(columns: readonly string[] | null): Batched<number, EventRowOf[]> {
    const db = this.db;
    return perColumns((this.#events ??= new Map()), columns, () =>
      groupedBy(
        (r: EventRowOf) => r.complaintId,
        (ids) =>
          keyed(db, named('eventsByComplaint', columns), complaintEvents.complaintId, ids, (where) => db.select(columnsOf(complaintEvents, columns)).from(complaintEvents).where(where).orderBy(...EVENT_ORDER)),
      ),
    );
  }
  /** Per-field, per-arguments loaders of nested connections (see graphql/nested.ts). */
  get nested() {
    return (this.#nested ??= new Map());
  }
}

/** The loaders of one request. */
export function createLoaders(db: Db): RequestLoaders {
  return new RequestLoaders(db);
}

export type Loaders = RequestLoaders;
