import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { domainEvents } from '../../src/db/schema/index.js';
import { shapedStats } from '../../src/db/shaped.js';
import { toGlobalId, toStaffGlobalId } from '../../src/graphql/global-id.js';
import { COMPLAINT_FIELDS, CREATE_COMPLAINT, complaintFixture, ownStatements, projectComplaintCount, step, testClock } from '../helpers/complaints.js';
import { addUnit, createCustomer, createProject, createStaff, unique } from '../helpers/factories.js';
import { codeOf, dbKind, startTestApp, traced, type TestApp } from '../helpers/test-app.js';

// Every test starts at Wednesday 2026-11-25 10:00 in Shanghai (reset before each test).
const time = testClock('2026-11-25T02:00:00.000Z');
const HOUR = 3_600_000;

let t: TestApp;
/** The running test's own org, project, customer and unit: new for every test. */
let fx: Awaited<ReturnType<typeof complaintFixture>>;
let agent: string;
let admin: string;

const create = (over: Record<string, unknown> = {}, auth = agent) =>
  t.gql(
    `${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`,
    {
      input: {
        customerId: fx.customerId,
        projectId: fx.project.id,
        unitId: fx.unitId,
        kind: 'COMPLAINT',
        category: 'ENGINEERING_QUALITY',
        defectLocation: 'WATERPROOFING',
        channel: 'HOTLINE_400',
        description: '卫生间漏水 — bathroom leaks into the flat below',
        ...over,
      },
    },
    auth,
  );
const created = async (over: Record<string, unknown> = {}) => {
  const r = await create(over);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.createComplaint.complaint;
};
/** The latest window of a clock. */
const clock = (c: any, kind: string) => c.clocks.findLast((k: any) => k.clock === kind);

// One app per file (starting one costs ~0.5 s); what tests share is stateless (tokens) or reset here.
beforeAll(async () => {
  t = await startTestApp({ clock: time.now, env: { SLA_SCHEDULER: 'off' } });
  agent = await t.token('AGENT', { sub: 'agent.li' });
  admin = await t.token('ADMIN', { sub: 'admin.wang' });
});
beforeEach(async () => {
  time.reset();
  fx = await complaintFixture(t);
});
afterAll(() => t?.close());

describe('createComplaint', () => {
  it('receives a complaint with a number, accountable first responder and running clocks', async () => {
    const c = await created();
    expect(c).toMatchObject({
      status: 'RECEIVED',
      severity: 'NORMAL',
      // agent.li has no directory entry: a bare Staff with its login.
      firstResponder: { id: toStaffGlobalId('agent.li'), login: 'agent.li' },
      handler: null,
      customer: { id: fx.customerId },
      project: { id: fx.project.id },
      unit: { id: fx.unitId },
      receivedAt: '2026-11-25T02:00:00.000Z',
    });
    expect(c.number).toMatch(/^TS-2026-\d{6}$/);
    // Acceptance: 1 working day (9 working hours) → Thursday 10:00 Shanghai.
    expect(clock(c, 'ACCEPTANCE')).toMatchObject({ state: 'RUNNING', target: 'P1D', workingTime: true, dueAt: '2026-11-26T02:00:00.000Z', breached: false });
    // Resolution: 7 calendar days.
    expect(clock(c, 'RESOLUTION')).toMatchObject({ state: 'RUNNING', target: 'P7D', workingTime: false, dueAt: '2026-12-02T02:00:00.000Z' });
    expect(clock(c, 'ESCALATION_REPORT')).toBeUndefined();
    expect(clock(c, 'RESOLUTION').remaining).toBe('P7D');
    expect(c.nextDueAt).toBe('2026-11-26T02:00:00.000Z');
    expect(c.timeline.map((e: any) => e.type)).toEqual(['RECEIVED', 'CLOCK_STARTED', 'CLOCK_STARTED']);
    expect(c.timeline[0]).toMatchObject({ toStatus: 'RECEIVED', actor: { login: 'agent.li' } });
    expect(c.allowedActions).toEqual(expect.arrayContaining(['acceptComplaint', 'rejectComplaint', 'escalateComplaint']));
    // The audit entry and the domain event carry the number (written with it, in one statement).
    const audit = await t.gql(`query($ids: [String!]) { auditLog(filter: { subjectIds: $ids }) { edges { node { action changes } } } }`, { ids: [c.id] }, 'ADMIN');
    expect(audit.data.auditLog.edges.map((e: any) => e.node)).toEqual([
      { action: 'createComplaint', changes: { number: c.number, kind: 'COMPLAINT', category: 'ENGINEERING_QUALITY', severity: 'NORMAL' } },
    ]);
    const events = await t.database.db
      .select({ type: domainEvents.type, payload: domainEvents.payload })
      .from(domainEvents)
      .where(sql`${domainEvents.payload}->>'number' = ${c.number}`);
    expect(events).toEqual([
      { type: 'ComplaintCreated', payload: { number: c.number, status: 'RECEIVED', kind: 'COMPLAINT', category: 'ENGINEERING_QUALITY', severity: 'NORMAL' } },
    ]);
  });

  it('counts working time across a weekend: received Friday 17:00 is due Monday 17:00', async () => {
    time.set('2026-11-27T09:00:00.000Z'); // Friday 17:00 Shanghai
    const c = await created();
    expect(clock(c, 'ACCEPTANCE').dueAt).toBe('2026-11-30T09:00:00.000Z');
  });

  it('starts the 24 h escalation-report clock for a MAJOR complaint, which needs a reason', async () => {
    expect(codeOf(await create({ severity: 'MAJOR' }))).toBe('BAD_USER_INPUT');
    const c = await created({ severity: 'MAJOR', majorReason: 'GROUP_COMPLAINT' });
    expect(c).toMatchObject({ severity: 'MAJOR', majorReason: 'GROUP_COMPLAINT' });
    expect(clock(c, 'ESCALATION_REPORT')).toMatchObject({ target: 'PT24H', dueAt: '2026-11-26T02:00:00.000Z' });
  });

  it('uses the repair policy: return visit within 24 hours', async () => {
    const c = await created({ kind: 'REPAIR' });
    const accepted = await step(t, 'acceptComplaint', { complaintId: c.id, department: 'PROPERTY' }, agent);
    const resolved = await step(t, 'resolveComplaint', { complaintId: c.id, resolution: '已更换阀门' }, agent);
    expect(accepted.errors).toBeUndefined();
    expect(clock(resolved.data.resolveComplaint.complaint, 'RETURN_VISIT')).toMatchObject({ target: 'PT24H', workingTime: false });
  });

  it('validates input with the field named, and loses nothing', async () => {
    // Scoped to this test's project: every input below names it, or an ID that does not exist.
    const before = await projectComplaintCount(t, fx.project.id);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ description: '   ' }, 'BAD_USER_INPUT', 'input.description'],
      [{ description: 'x'.repeat(4001) }, 'BAD_USER_INPUT', 'input.description'],
      [{ attachments: ['javascript:alert(1)'] }, 'BAD_USER_INPUT', 'input.attachments.0'],
      [{ customerId: 'garbage' }, 'BAD_USER_INPUT', 'input.customerId'],
      [{ customerId: toGlobalId('Customer', 999999) }, 'NOT_FOUND', ''],
      [{ projectId: toGlobalId('Project', 999999) }, 'NOT_FOUND', ''],
      [{ unitId: toGlobalId('Unit', 999999) }, 'NOT_FOUND', ''],
      [{ receivedAt: '2999-01-01T00:00:00Z' }, 'BAD_USER_INPUT', 'input.receivedAt'],
      [{ kind: 'NOPE' }, 'BAD_USER_INPUT', 'input.kind'],
    ];
    for (const [over, code, field] of cases) {
      const r = await create(over);
      expect(codeOf(r), JSON.stringify(over)).toBe(code);
      if (field) expect(r.errors![0]!.extensions!.field, JSON.stringify(over)).toBe(field);
    }
    expect(await projectComplaintCount(t, fx.project.id)).toBe(before);
  });

  it('refuses a project the customer is not linked to, and a unit of another project', async () => {
    const other = await createProject(t, fx.org.szId);
    const r = await create({ projectId: other.id, unitId: null });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.field).toBe('input.projectId');
    const stranger = await createCustomer(t, other.id);
    const foreignUnit = await addUnit(t, stranger, other.id);
    const u = await create({ unitId: foreignUnit.unit.id });
    expect(u.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.unitId' });
  });

  it('only lets the complaint desk receive complaints', async () => {
    for (const role of ['HANDLER', 'ANALYST', 'SUBSCRIBER'] as const) expect(codeOf(await create({}, await t.token(role))), role).toBe('FORBIDDEN');
    expect(codeOf(await create({}, ''))).toBe('UNAUTHENTICATED');
  });

  it('returns the first complaint on a retry with the same idempotency key', async () => {
    const key = `call-${unique()}`;
    const a = await created({ idempotencyKey: key });
    const b = await created({ idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.number).toBe(a.number);
  });

  it('gives unique numbers under concurrent creation', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => create({ category: 'OTHER', unitId: null })));
    const numbers = results.map((r) => r.data.createComplaint.complaint.number);
    expect(new Set(numbers).size).toBe(12);
  });

  it('builds the SQL of its writes once per shape, not per request', async () => {
    const later = async () => (time.advance(HOUR), created());
    await created(); // a first complaint of this customer and unit …
    await later(); // … and a repeat of it: both shapes are built (or were, earlier in this file)
    const before = { ...shapedStats };
    const more = [await later(), await later()];
    expect(more.map((c) => c.isRepeat)).toEqual([true, true]);
    expect(shapedStats.built - before.built).toBe(0);
    expect(shapedStats.reused - before.reused).toBe(4); // the reservation (number, id, repeat) and the intake's one statement, twice
  });

  it.skipIf(dbKind !== 'postgres')('takes the number in a statement of its own: an intake held up in its write holds up no other', async () => {
    const sub = `desk-${unique()}`;
    const token = await t.token('AGENT', { sub });
    const key = `held-${unique()}`;
    const other = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const ready = new Promise<void>((r) => (inserted = r));
    // Another session writes A's idempotency key and keeps it uncommitted: A's write (which stores the key) waits on it.
    const blocker = other
      .begin(async (q) => {
        await q`insert into idempotency_keys (actor_id, operation, key, result_id) values (${sub}, 'createComplaint', ${key}, 0)`;
        inserted();
        await released;
        throw new Error('roll back');
      })
      .catch(() => {});
    try {
      await ready;
      const a = create({ idempotencyKey: key, category: 'DESIGN' }, token);
      const waiting = async () => Number(((await t.database.db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)) as unknown as { n: number }[])[0]!.n);
      for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await waiting()).toBe(1);
      // With the yearly counter taken inside A's write (before 2026-11-30), B waited for A's commit.
      const b = await Promise.race([create({ category: 'OTHER', unitId: null }), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
      expect(b, 'a second intake finished while the first waited').not.toBeNull();
      expect(b!.errors).toBeUndefined();
      release();
      const ra = await a;
      expect(ra.errors).toBeUndefined();
      expect(ra.data.createComplaint.complaint.number).not.toBe(b!.data.createComplaint.complaint.number);
    } finally {
      release();
      await blocker;
      await other.end();
    }
  });

  it('rolls back the complaint when its clock bookkeeping fails', async () => {
    const db = t.database.db;
    await db.execute(sql.raw(`create or replace function fail_clock() returns trigger language plpgsql as $$ begin raise exception 'clock store down'; end $$`));
    await db.execute(sql.raw(`create trigger fail_clock before insert on sla_clocks for each row execute function fail_clock()`));
    try {
      const before = await projectComplaintCount(t, fx.project.id);
      const r = await create({ category: 'DESIGN' });
      expect(codeOf(r)).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(r.errors)).not.toMatch(/clock store down|sla_clocks|insert/);
      expect(r.errors![0]!.extensions!.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await projectComplaintCount(t, fx.project.id)).toBe(before);
    } finally {
      await db.execute(sql.raw(`drop trigger fail_clock on sla_clocks`));
    }
  });
});

describe('lifecycle', () => {
  it('runs RECEIVED → ACCEPTED → IN_PROGRESS → RESOLVED → RETURN_VISITED → CLOSED with clocks following', async () => {
    const c = await created();
    const zhao = await createStaff(t, { login: `eng.zhao.${unique()}`, name: '赵建国', department: 'ENGINEERING' });
    const handler = await t.token('HANDLER', { sub: zhao.login, department: 'ENGINEERING' });
    time.advance(HOUR);
    const a = await step(t, 'acceptComplaint', { complaintId: c.id, department: 'ENGINEERING', handlerId: zhao.id, note: '方案：重做防水' }, agent);
    expect(a.errors).toBeUndefined();
    const accepted = a.data.acceptComplaint.complaint;
    expect(accepted).toMatchObject({
      status: 'ACCEPTED',
      department: 'ENGINEERING',
      handler: { id: zhao.id, login: zhao.login, name: '赵建国' },
      firstResponder: { login: 'agent.li' },
    });
    expect(clock(accepted, 'ACCEPTANCE')).toMatchObject({ state: 'STOPPED', breached: false, remaining: null });

    const s = await step(t, 'startComplaintWork', { complaintId: c.id }, handler);
    expect(s.data.startComplaintWork.complaint.status).toBe('IN_PROGRESS');
    time.advance(2 * HOUR);
    const r = await step(t, 'resolveComplaint', { complaintId: c.id, resolution: '已重做防水层' }, handler);
    const resolved = r.data.resolveComplaint.complaint;
    expect(resolved.status).toBe('RESOLVED');
    expect(clock(resolved, 'RESOLUTION').state).toBe('STOPPED');
    expect(clock(resolved, 'RETURN_VISIT')).toMatchObject({ state: 'RUNNING', target: 'P3D', workingTime: true });
    // The first responder is still accountable.
    expect(resolved.firstResponder.login).toBe('agent.li');

    const v = await step(t, 'recordReturnVisit', { complaintId: c.id, satisfaction: 5 }, agent);
    expect(v.data.recordReturnVisit.complaint).toMatchObject({ status: 'RETURN_VISITED', returnVisitScore: 5 });
    const done = (await step(t, 'closeComplaint', { complaintId: c.id }, agent)).data.closeComplaint.complaint;
    expect(done.status).toBe('CLOSED');
    expect(done.clocks.every((k: any) => k.state === 'STOPPED')).toBe(true);
    const transitions = done.timeline.filter((e: any) => e.toStatus).map((e: any) => `${e.toStatus}:${e.actor?.login}`);
    expect(transitions).toEqual(['RECEIVED:agent.li', 'ACCEPTED:agent.li', `IN_PROGRESS:${zhao.login}`, `RESOLVED:${zhao.login}`, 'RETURN_VISITED:agent.li', 'CLOSED:agent.li']);
    expect(done.timeline.find((e: any) => e.type === 'ACCEPTED').note).toBe('方案：重做防水');
  });

  it('refuses illegal transitions with INVALID_TRANSITION listing the allowed ones', async () => {
    const c = await created();
    const r = await step(t, 'closeComplaint', { complaintId: c.id }, agent);
    expect(codeOf(r)).toBe('INVALID_TRANSITION');
    expect(r.errors![0]!.extensions).toMatchObject({ status: 'RECEIVED' });
    expect(r.errors![0]!.extensions!.allowed).toEqual(expect.arrayContaining(['acceptComplaint', 'rejectComplaint']));
    expect(r.errors![0]!.extensions!.allowed).not.toContain('closeComplaint');
    expect(codeOf(await step(t, 'resolveComplaint', { complaintId: c.id, resolution: 'x' }, agent))).toBe('INVALID_TRANSITION');
    expect(codeOf(await step(t, 'recordReturnVisit', { complaintId: c.id, satisfaction: 4 }, agent))).toBe('INVALID_TRANSITION');
  });

  it('reopens on a return visit scoring 2 or less, which needs the reason', async () => {
    const c = await created();
    await step(t, 'acceptComplaint', { complaintId: c.id, department: 'ENGINEERING' }, agent);
    await step(t, 'resolveComplaint', { complaintId: c.id, resolution: '已处理' }, agent);
    const noReason = await step(t, 'recordReturnVisit', { complaintId: c.id, satisfaction: 2 }, agent);
    expect(noReason.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.note' });
    expect(codeOf(await step(t, 'recordReturnVisit', { complaintId: c.id, satisfaction: 6 }, agent))).toBe('BAD_USER_INPUT');
    const r = (await step(t, 'recordReturnVisit', { complaintId: c.id, satisfaction: 1, note: '仍然漏水' }, agent)).data.recordReturnVisit.complaint;
    expect(r).toMatchObject({ status: 'REOPENED', reopenCount: 1, returnVisitScore: 1 });
    expect(r.timeline.some((e: any) => e.type === 'RETURN_VISIT_REOPENED' && e.note === '仍然漏水')).toBe(true);
    // The resolution clock runs again from where it stopped.
    expect(clock(r, 'RESOLUTION').state).toBe('RUNNING');
    const again = await step(t, 'startComplaintWork', { complaintId: c.id }, agent);
    expect(again.data.startComplaintWork.complaint.status).toBe('IN_PROGRESS');
  });

  it('rejects with an explanation and stops every clock; reopens closed complaints with a reason', async () => {
    const c = await created();
    expect(codeOf(await step(t, 'rejectComplaint', { complaintId: c.id, reason: '' }, agent))).toBe('BAD_USER_INPUT');
    const r = (await step(t, 'rejectComplaint', { complaintId: c.id, reason: '非我司交付范围' }, agent)).data.rejectComplaint.complaint;
    expect(r).toMatchObject({ status: 'REJECTED', rejectReason: '非我司交付范围', allowedActions: [] });
    expect(r.clocks.every((k: any) => k.state === 'STOPPED')).toBe(true);
    expect(codeOf(await step(t, 'reopenComplaint', { complaintId: c.id, note: 'x' }, agent))).toBe('INVALID_TRANSITION');
  });

  it('escalates to MAJOR once, with the escalation-report clock, stopped by the report', async () => {
    const c = await created();
    const e = (await step(t, 'escalateComplaint', { complaintId: c.id, reason: 'AUTHORITY_OR_MEDIA', note: '业主投诉至住建局' }, agent)).data.escalateComplaint.complaint;
    expect(e).toMatchObject({ severity: 'MAJOR', majorReason: 'AUTHORITY_OR_MEDIA' });
    expect(clock(e, 'ESCALATION_REPORT')).toMatchObject({ state: 'RUNNING', target: 'PT24H' });
    expect(codeOf(await step(t, 'escalateComplaint', { complaintId: c.id, reason: 'REPEAT' }, agent))).toBe('INVALID_TRANSITION');
    const rep = (await step(t, 'reportComplaintEscalation', { complaintId: c.id, note: '已上报集团' }, agent)).data.reportComplaintEscalation.complaint;
    expect(clock(rep, 'ESCALATION_REPORT').state).toBe('STOPPED');
    expect(codeOf(await step(t, 'escalateComplaint', { complaintId: c.id, reason: 'nonsense' }, agent))).toBe('BAD_USER_INPUT');
  });

  it('pauses and resumes the clocks: deadlines move by the paused working time', async () => {
    const c = await created();
    const due = clock(c, 'ACCEPTANCE').dueAt;
    expect(codeOf(await step(t, 'pauseComplaintSla', { complaintId: c.id, note: '' }, agent))).toBe('BAD_USER_INPUT');
    const p = (await step(t, 'pauseComplaintSla', { complaintId: c.id, note: '等待业主提供照片' }, agent)).data.pauseComplaintSla.complaint;
    expect(p.slaPaused).toBe(true);
    expect(clock(p, 'ACCEPTANCE')).toMatchObject({ state: 'PAUSED', dueAt: null });
    expect(codeOf(await step(t, 'pauseComplaintSla', { complaintId: c.id, note: 'again' }, agent))).toBe('INVALID_TRANSITION');
    time.advance(3 * HOUR); // 13:00 Shanghai: three working hours pass while paused
    const r = (await step(t, 'resumeComplaintSla', { complaintId: c.id }, agent)).data.resumeComplaintSla.complaint;
    expect(clock(r, 'ACCEPTANCE').state).toBe('RUNNING');
    expect(new Date(clock(r, 'ACCEPTANCE').dueAt).getTime() - new Date(due).getTime()).toBe(3 * HOUR);
    expect(r.timeline.map((e: any) => e.type)).toEqual(expect.arrayContaining(['SLA_PAUSED', 'SLA_RESUMED']));
    expect(codeOf(await step(t, 'resumeComplaintSla', { complaintId: c.id }, agent))).toBe('INVALID_TRANSITION');
  });

  it('is NOT_FOUND for unknown complaints and FORBIDDEN for roles that may not act', async () => {
    expect(codeOf(await step(t, 'acceptComplaint', { complaintId: toGlobalId('Complaint', 999999), department: 'LEGAL' }, agent))).toBe('NOT_FOUND');
    const c = await created();
    expect(codeOf(await step(t, 'acceptComplaint', { complaintId: c.id, department: 'LEGAL' }, await t.token('ANALYST')))).toBe('FORBIDDEN');
    expect(codeOf(await step(t, 'acceptComplaint', { complaintId: c.id, department: 'NOPE' }, agent))).toBe('BAD_USER_INPUT');
  });
});

describe('repeat detection, lists and visibility', () => {
  it('flags a repeat of the same customer, unit and category within 30 days', async () => {
    const customer = await createCustomer(t, fx.project.id);
    const unit = (await addUnit(t, customer, fx.project.id)).unit.id;
    const base = { customerId: customer, unitId: unit, category: 'SALES_PROMISE' };
    const first = await created(base);
    expect(first.isRepeat).toBe(false);
    time.advance(24 * HOUR);
    const second = await created(base);
    expect(second).toMatchObject({ isRepeat: true, repeatOf: { id: first.id } });
    expect(second.timeline.some((e: any) => e.type === 'REPEAT_FLAGGED')).toBe(true);
    expect((await created({ ...base, category: 'DESIGN' })).isRepeat).toBe(false);
    const list = await t.gql(`query($f: ComplaintFilter) { complaints(filter: $f) { totalCount edges { node { id } } } }`, { f: { customerIds: [customer], repeat: true } }, agent);
    expect(list.data.complaints.edges.map((e: any) => e.node.id)).toEqual([second.id]);
  });

  it('filters by status, department, assignee and text, and orders by due soonest', async () => {
    const project = await createProject(t, fx.org.szId);
    const customer = await createCustomer(t, project.id);
    const mk = async (category: string) =>
      (await create({ customerId: customer, projectId: project.id, unitId: null, category })).data.createComplaint.complaint;
    const a = await mk('ENGINEERING_QUALITY');
    time.advance(HOUR);
    const b = await mk('DESIGN');
    const sun = await createStaff(t, { login: `eng.sun.${unique()}`, department: 'ENGINEERING' });
    await step(t, 'acceptComplaint', { complaintId: a.id, department: 'ENGINEERING', handlerId: sun.id }, agent);
    const q = `query($f: ComplaintFilter, $o: ComplaintOrder) { complaints(filter: $f, orderBy: $o) { totalCount edges { node { id number } } } }`;
    const ids = async (f: object, o?: object) => (await t.gql(q, { f: { projectIds: [project.id], ...f }, o }, agent)).data.complaints.edges.map((e: any) => e.node.id);
    expect(await ids({})).toEqual([b.id, a.id]);
    expect(await ids({}, { field: 'RECEIVED_AT', direction: 'ASC' })).toEqual([a.id, b.id]);
    expect(await ids({ statuses: ['ACCEPTED'] })).toEqual([a.id]);
    expect(await ids({ departments: ['ENGINEERING'] })).toEqual([a.id]);
    expect(await ids({ handlerIds: [sun.id] })).toEqual([a.id]);
    // A bare login, as accepted before the staff directory, still matches.
    expect(await ids({ handlerIds: [sun.login] })).toEqual([a.id]);
    expect(await ids({ search: b.number })).toEqual([b.id]);
    // a's acceptance clock stopped: its next deadline is the 7-day resolution; b's is acceptance tomorrow.
    expect(await ids({}, { field: 'DUE_AT', direction: 'ASC' })).toEqual([b.id, a.id]);
    const mine = await t.gql(q, { f: { projectIds: [project.id], assignedToMe: true } }, await t.token('HANDLER', { sub: sun.login, department: 'ENGINEERING' }));
    expect(mine.data.complaints.edges.map((e: any) => e.node.id)).toEqual([a.id]);
  });

  it('shows HANDLERs only their department’s complaints', async () => {
    const c = await created();
    await step(t, 'acceptComplaint', { complaintId: c.id, department: 'PROPERTY' }, agent);
    const property = await t.token('HANDLER', { department: 'PROPERTY' });
    const engineering = await t.token('HANDLER', { department: 'ENGINEERING' });
    const one = `query($id: ID!) { complaint(id: $id) { id } }`;
    expect((await t.gql(one, { id: c.id }, property)).data.complaint.id).toBe(c.id);
    expect(codeOf(await t.gql(one, { id: c.id }, engineering))).toBe('NOT_FOUND');
    expect(codeOf(await step(t, 'startComplaintWork', { complaintId: c.id }, engineering))).toBe('NOT_FOUND');
    expect((await step(t, 'startComplaintWork', { complaintId: c.id }, property)).errors).toBeUndefined();
    const outOfScope = await t.token('MANAGER', { scope: [(await createProject(t, fx.org.shId)).id] });
    expect(codeOf(await t.gql(one, { id: c.id }, outOfScope))).toBe('NOT_FOUND');
    expect((await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: c.id }, outOfScope)).data.node).toBeNull();
  });

  it('pages complaints with keyset cursors and refuses over-large pages', async () => {
    // 17 complaints of this test's project in two bursts, each received at one instant: pages
    // must break ties on every sort key but the id.
    for (const burst of [9, 8]) {
      const made = await Promise.all(Array.from({ length: burst }, () => create({ category: 'OTHER', unitId: null })));
      expect(made.map(codeOf)).toEqual(Array(burst).fill(undefined));
      time.advance(HOUR);
    }
    const q = `query($f: ComplaintFilter, $after: String, $first: Int) { complaints(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`;
    const f = { projectIds: [fx.project.id] };
    const all = (await t.gql(q, { f, first: 200 }, admin)).data.complaints;
    expect(all.totalCount).toBe(17);
    expect(new Set(all.edges.map((e: any) => e.node.id)).size).toBe(17);
    const seen: string[] = [];
    let pages = 0;
    let after: string | null = null;
    do {
      const page: any = (await t.gql(q, { f, first: 7, after }, admin)).data.complaints;
      seen.push(...page.edges.map((e: any) => e.node.id));
      pages++;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.edges.map((e: any) => e.node.id));
    expect(codeOf(await t.gql(q, { f, first: 201 }, admin))).toBe('BAD_USER_INPUT');
  });
});

describe('complaints under customers, projects and node', () => {
  it('lists a customer’s and a project’s complaints and resolves node(id)', async () => {
    const customer = await createCustomer(t, fx.project.id);
    const c = (await create({ customerId: customer, unitId: null })).data.createComplaint.complaint;
    const r = await t.gql(
      `query($cid: ID!, $pid: ID!, $id: ID!) {
        customer(id: $cid) { complaints { totalCount edges { node { id } } } }
        project(id: $pid) { complaints(filter: { customerIds: [$cid] }) { totalCount edges { node { id } } } }
        node(id: $id) { id ... on Complaint { number } }
      }`,
      { cid: customer, pid: fx.project.id, id: c.id },
      agent,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.customer.complaints.edges.map((e: any) => e.node.id)).toEqual([c.id]);
    expect(r.data.project.complaints).toMatchObject({ totalCount: 1, edges: [{ node: { id: c.id } }] });
    expect(r.data.node).toEqual({ id: c.id, number: c.number });
  });

  it('costs a constant number of SQL statements for a page of complaints with relations', async () => {
    // Twenty complaints of this test's own; the first four already have every relation the query
    // reads: units, repeats, a directory first responder with a city company, a directory handler,
    // alerts. Ten pairs (original, repeat), each of its own customer and category, received a
    // minute apart; pages run oldest first, so a page always holds the complaints its repeats
    // repeat, whatever its size (the same loads on every page).
    const desk = await createStaff(t, { role: 'AGENT', department: null, cityCompanyId: fx.org.szId });
    const deskToken = await t.token('AGENT', { sub: desk.login });
    const handler = await createStaff(t, { department: 'PROPERTY' });
    const owners = [{ customerId: fx.customerId, unitId: fx.unitId }];
    for (let i = 0; i < 3; i++) {
      const customerId = await createCustomer(t, fx.project.id);
      owners.push({ customerId, unitId: (await addUnit(t, customerId, fx.project.id)).unit.id });
    }
    const categories = ['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE', 'SALES_PROMISE'];
    for (let p = 0; p < 10; p++) {
      const pair = [];
      for (let i = 0; i < 2; i++) {
        time.advance(60_000);
        const r = await create({ ...owners[p % 4], category: categories[Math.floor(p / 4)] }, p % 2 ? deskToken : agent);
        expect(r.errors).toBeUndefined();
        pair.push(r.data.createComplaint.complaint);
      }
      expect(pair[1].repeatOf).toEqual({ id: pair[0].id });
      if (p % 2 === 0) expect((await step(t, 'acceptComplaint', { complaintId: pair[1].id, department: 'PROPERTY', handlerId: handler.id }, agent)).errors).toBeUndefined();
    }
    time.advance(30 * HOUR); // the unaccepted ones breach acceptance
    await t.app.scheduler.tick();
    const q = `query($f: ComplaintFilter, $n: Int!) { complaints(filter: $f, first: $n, orderBy: { field: RECEIVED_AT, direction: ASC }) { edges { node { id customer { id name } project { name cityCompany { name } } unit { label } clocks { clock dueAt remaining breached } alerts { level } timeline { type actor { name } } repeatOf { id } firstResponder { name cityCompany { name } } handler { name } } } } }`;
    const statements = async (n: number) => {
      const { result: r, statements } = await ownStatements(t, () => t.gql(q, { f: { projectIds: [fx.project.id] }, n }, admin));
      expect(r.errors).toBeUndefined();
      expect(r.data.complaints.edges.length).toBe(n);
      return { nodes: r.data.complaints.edges.map((e: any) => e.node), statements };
    };
    const large = await statements(20);
    const small = await statements(4);
    // The relations are really there to load, on both pages.
    for (const { nodes } of [small, large]) {
      const some = (has: (c: any) => unknown) => nodes.some((c: any) => Boolean(has(c)));
      const seen = { unit: some((c) => c.unit), repeatOf: some((c) => c.repeatOf), handler: some((c) => c.handler), alerts: some((c) => c.alerts.length), company: some((c) => c.firstResponder.cityCompany) };
      expect(seen).toEqual({ unit: true, repeatOf: true, handler: true, alerts: true, company: true });
    }
    expect(large.statements).toBe(small.statements);
    // The projects' and the first responders' city company (the same one, the same columns shown) is read once.
    const { texts } = await traced(t, () => t.gql(q, { f: { projectIds: [fx.project.id] }, n: 20 }, admin));
    expect(texts.filter((x) => x.includes('from "city_companies"'))).toHaveLength(1);
  });
});

describe('nested complaint connections', () => {
  it('batch every parent’s page and count into constant SQL, with correct pages per parent', async () => {
    const project = await createProject(t, fx.org.szId);
    const customers: string[] = [];
    for (let i = 0; i < 6; i++) customers.push(await createCustomer(t, project.id));
    const made: Record<string, string[]> = {};
    for (const [i, c] of customers.entries()) {
      made[c] = [];
      for (let k = 0; k < i % 3; k++) {
        time.advance(60_000);
        made[c]!.push((await create({ customerId: c, projectId: project.id, unitId: null, category: 'OTHER' })).data.createComplaint.complaint.id);
      }
    }
    const q = `query($p: [ID!], $n: Int!) { customers(first: $n, filter: { projectIds: $p }, orderBy: { field: CREATED_AT }) {
      edges { node { id complaints(first: 1) { totalCount pageInfo { hasNextPage } edges { node { id number } } } } } } }`;
    const run = async (n: number) => {
      const { result: r, statements } = await ownStatements(t, () => t.gql(q, { p: [project.id], n }, admin));
      expect(r.errors).toBeUndefined();
      return { r, statements };
    };
    const small = await run(2);
    const large = await run(6);
    expect(large.statements).toBe(small.statements);
    for (const e of large.r.data.customers.edges) {
      const mine = made[e.node.id]!;
      expect(e.node.complaints.totalCount).toBe(mine.length);
      expect(e.node.complaints.edges.map((x: any) => x.node.id)).toEqual(mine.length ? [mine.at(-1)] : []);
      expect(e.node.complaints.pageInfo.hasNextPage).toBe(mine.length > 1);
    }
    const pq = `query($id: ID!) { project(id: $id) { complaints(first: 10, orderBy: { field: RECEIVED_AT, direction: ASC }) { totalCount edges { node { id } } } } }`;
    const pr = await t.gql(pq, { id: project.id }, admin);
    expect(pr.data.project.complaints.totalCount).toBe(6);
    // Created one after another, a minute apart: ascending receipt order is creation order.
    expect(pr.data.project.complaints.edges.map((e: any) => e.node.id)).toEqual(customers.flatMap((c) => made[c]!));
    // The nested page by cursor, forwards and backwards, two at a time: the same complaints in the same order.
    const all = customers.flatMap((c) => made[c]!);
    const walk = async (forwards: boolean) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const args = forwards ? `first: 2, after: $c` : `last: 2, before: $c`;
        const page: any = await t.gql(
          `query($id: ID!, $c: String) { project(id: $id) { complaints(${args}, orderBy: { field: RECEIVED_AT, direction: ASC }) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } } } }`,
          { id: project.id, c: cursor },
          admin,
        );
        expect(page.errors).toBeUndefined();
        const c = page.data.project.complaints;
        const ids = c.edges.map((e: any) => e.node.id);
        seen.splice(forwards ? seen.length : 0, 0, ...ids);
        if (!(forwards ? c.pageInfo.hasNextPage : c.pageInfo.hasPreviousPage)) break;
        cursor = forwards ? c.pageInfo.endCursor : c.pageInfo.startCursor;
      }
      return seen;
    };
    expect(await walk(true)).toEqual(all);
    expect(await walk(false)).toEqual(all);
    // Past the last complaint: no edges, and a previous page, as the top-level list answers.
    const last = await t.gql(`query($id: ID!) { project(id: $id) { complaints(last: 1, orderBy: { field: RECEIVED_AT, direction: ASC }) { pageInfo { endCursor } } } }`, { id: project.id }, admin);
    const after = last.data.project.complaints.pageInfo.endCursor;
    const past = await t.gql(
      `query($id: ID!, $c: String, $p: [ID!]) { project(id: $id) { complaints(first: 2, after: $c, orderBy: { field: RECEIVED_AT, direction: ASC }) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }
        complaints(first: 2, after: $c, filter: { projectIds: $p }, orderBy: { field: RECEIVED_AT, direction: ASC }) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }`,
      { id: project.id, c: after, p: [project.id] },
      admin,
    );
    expect(past.errors).toBeUndefined();
    expect(past.data.project.complaints).toEqual({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect(past.data.project.complaints).toEqual(past.data.complaints);
  });
});

describe('repair visits', () => {
  it('runs the REPAIR_VISIT clock from the appointment to appointment + 10 minutes, stopped when work starts', async () => {
    const c = await created({ kind: 'REPAIR', category: 'ENGINEERING_QUALITY', defectLocation: 'PLUMBING' });
    expect(clock(c, 'REPAIR_VISIT')).toBeUndefined();
    const appointment = new Date(time.now().getTime() + 2 * HOUR);
    const a = (await step(t, 'acceptComplaint', { complaintId: c.id, department: 'PROPERTY', repairAppointmentAt: appointment.toISOString() }, agent)).data
      .acceptComplaint.complaint;
    expect(clock(a, 'REPAIR_VISIT')).toMatchObject({ state: 'RUNNING', target: 'PT10M', dueAt: new Date(appointment.getTime() + 600_000).toISOString() });
    // Before the appointment the whole 10 minutes remain.
    expect(clock(a, 'REPAIR_VISIT').remaining).toBe('PT10M');
    time.advance(2 * HOUR + 5 * 60_000);
    const s = (await step(t, 'startComplaintWork', { complaintId: c.id }, agent)).data.startComplaintWork.complaint;
    expect(clock(s, 'REPAIR_VISIT')).toMatchObject({ state: 'STOPPED', breached: false });
  });

  it('takes the appointment at intake too', async () => {
    const appointment = new Date(time.now().getTime() + HOUR);
    const c = await created({ kind: 'REPAIR', repairAppointmentAt: appointment.toISOString() });
    expect(clock(c, 'REPAIR_VISIT').dueAt).toBe(new Date(appointment.getTime() + 600_000).toISOString());
  });
});

describe('SQL statements per mutation', () => {
  it('keeps intake and lifecycle steps to a bounded number of statements', async () => {
    const transactions: number[] = [];
    const count = async (run: () => Promise<any>) => {
      const tx0 = t.database.stats.transactions;
      const { result: r, statements } = await ownStatements(t, run);
      expect(r.errors).toBeUndefined();
      transactions.push(t.database.stats.transactions - tx0);
      return statements;
    };
    // Steady state, as after any earlier intake: the business calendar is loaded and cached.
    expect((await create({ category: 'OTHER' })).errors).toBeUndefined();
    const q = `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id number status } } }`;
    let id = '';
    const intake = await count(async () => {
      const r = await t.gql(q, { input: { customerId: fx.customerId, projectId: fx.project.id, kind: 'COMPLAINT', category: 'OTHER', channel: 'PHONE', description: '计数' } }, agent);
      id = r.data?.createComplaint.complaint.id;
      return r;
    });
    // With a unit, as a repeat of the first complaint (same unit and category): the unit is
    // known from the holdings, the repeat check is part of the reservation, the flag joins the timeline.
    time.advance(60_000);
    const repeat = await count(async () => {
      const r = await t.gql(
        q.replace('status }', 'status isRepeat }'),
        { input: { customerId: fx.customerId, projectId: fx.project.id, unitId: fx.unitId, kind: 'COMPLAINT', category: 'OTHER', channel: 'PHONE', description: '计数' } },
        agent,
      );
      expect(r.data?.createComplaint.complaint.isRepeat).toBe(true);
      return r;
    });
    const accept = await count(() =>
      t.gql(`mutation($input: AcceptComplaintInput!) { acceptComplaint(input: $input) { complaint { id status } } }`, { input: { complaintId: id, department: 'LEGAL' } }, agent),
    );
    // 20 and 11 until 2026-11-30, 6 (and BEGIN/COMMIT) for intake until 2026-12-01. Intake:
    // customer, holdings and policies (one round trip), the reservation (number, id, repeat
    // check: its own statement, so that the yearly counter is not locked until the intake
    // commits), then one statement, without a transaction, for the complaint, its clocks,
    // timeline, domain event and audit. Accept: complaint, customer, lock, the
    // clocks to stop, their update, then one statement for the timeline, the complaint's
    // columns and next due time, domain event and audit.
    expect(intake).toBe(5);
    expect(repeat).toBe(5);
    expect(accept).toBe(6);
    // The intake's one statement commits by itself: no BEGIN/COMMIT round trips. A step locks
    // the complaint first, so it runs in a transaction.
    expect(transactions).toEqual([0, 0, 1]);
  });
});
