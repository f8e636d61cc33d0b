import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slaAlerts, slaClocks } from '../../src/db/schema/index.js';
import { COMPLAINT_FIELDS, CREATE_COMPLAINT, complaintFixture, dbId, firedIn, step, testClock } from '../helpers/complaints.js';
import { codeOf, startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;
// Every test starts at Wednesday 2026-12-02 10:00 Shanghai (reset before each test).
const time = testClock('2026-12-02T02:00:00.000Z');

let t: TestApp;
/** The running test's own org, project and customer: new for every test. */
let fx: Awaited<ReturnType<typeof complaintFixture>>;
let agent: string;

async function newComplaint(over: Record<string, unknown> = {}) {
  const r = await t.gql(
    `${CREATE_COMPLAINT} ${COMPLAINT_FIELDS}`,
    { input: { customerId: fx.customerId, projectId: fx.project.id, kind: 'COMPLAINT', category: 'OTHER', channel: 'PHONE', description: '测试', ...over } },
    agent,
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.createComplaint.complaint;
}
const view = async (id: string) => (await t.gql(`query($id: ID!) { complaint(id: $id) { ...C } } ${COMPLAINT_FIELDS}`, { id }, agent)).data.complaint;
const latest = (c: any, kind: string) => c.clocks.findLast((k: any) => k.clock === kind);
const alertsOf = (c: any, kind: string) => c.alerts.filter((a: any) => a.clock === kind).map((a: any) => `${a.level}@${a.dueAt}${a.late ? ':late' : ''}`);

// One app per file; scheduler ticks fire every due clock in the database, so tests look only at
// their own complaints' alerts.
beforeAll(async () => {
  t = await startTestApp({ clock: time.now, env: { SLA_SCHEDULER: 'off' } });
  agent = await t.token('AGENT', { sub: 'agent.he' });
});
beforeEach(async () => {
  time.reset();
  fx = await complaintFixture(t);
});
afterAll(() => t?.close());

describe('SLA edge cases', () => {
  it('fires alerts already due when a mutation stops the clock before the scheduler got to it', async () => {
    const c = await newComplaint();
    const due = latest(c, 'ACCEPTANCE').dueAt;
    time.advance(30 * HOUR); // no scheduler tick meanwhile
    const a = (await step(t, 'acceptComplaint', { complaintId: c.id, department: 'ENGINEERING' }, agent)).data.acceptComplaint.complaint;
    const acc = latest(a, 'ACCEPTANCE');
    expect(acc).toMatchObject({ state: 'STOPPED', breached: true });
    expect(alertsOf(a, 'ACCEPTANCE')).toEqual(['WARNING@2026-12-02T09:12:00.000Z:late', `BREACHED@${due}:late`]);
    // Nothing left for the scheduler to fire for it.
    expect((await firedIn(t, fx.project.id, () => t.app.scheduler.tick())).own).toBe(0);
  });

  it('fires due alerts with their real moments when a clock is paused before the scheduler got to it', async () => {
    const c = await newComplaint();
    const due = latest(c, 'ACCEPTANCE').dueAt;
    time.advance(30 * HOUR);
    await step(t, 'pauseComplaintSla', { complaintId: c.id, note: '等待业主' }, agent);
    time.advance(5 * 24 * HOUR);
    await step(t, 'resumeComplaintSla', { complaintId: c.id }, agent);
    await t.app.scheduler.tick();
    const v = await view(c.id);
    expect(alertsOf(v, 'ACCEPTANCE')).toEqual([expect.stringMatching(/^WARNING@/), `BREACHED@${due}:late`]);
  });

  it('keeps a future repair appointment through a pause', async () => {
    const appointment = new Date(time.now().getTime() + 48 * HOUR);
    const c = await newComplaint({ kind: 'REPAIR', repairAppointmentAt: appointment.toISOString() });
    const due = new Date(appointment.getTime() + 10 * 60_000).toISOString();
    expect(latest(c, 'REPAIR_VISIT').dueAt).toBe(due);
    await step(t, 'pauseComplaintSla', { complaintId: c.id, note: '业主出差' }, agent);
    time.advance(HOUR);
    const r = (await step(t, 'resumeComplaintSla', { complaintId: c.id }, agent)).data.resumeComplaintSla.complaint;
    expect(latest(r, 'REPAIR_VISIT').dueAt).toBe(due);
  });

  it('opens a new repair-visit window when the appointment moves, and refuses appointments in the past', async () => {
    const first = new Date(time.now().getTime() + 24 * HOUR);
    const c = await newComplaint({ kind: 'REPAIR', repairAppointmentAt: first.toISOString() });
    const moved = new Date(time.now().getTime() + 72 * HOUR);
    expect(codeOf(await step(t, 'acceptComplaint', { complaintId: c.id, department: 'PROPERTY', repairAppointmentAt: new Date(time.now().getTime() - HOUR).toISOString() }, agent))).toBe(
      'BAD_USER_INPUT',
    );
    const a = (await step(t, 'acceptComplaint', { complaintId: c.id, department: 'PROPERTY', repairAppointmentAt: moved.toISOString() }, agent)).data.acceptComplaint.complaint;
    const windows = a.clocks.filter((k: any) => k.clock === 'REPAIR_VISIT');
    expect(windows.map((k: any) => [k.cycle, k.state])).toEqual([
      [0, 'STOPPED'],
      [1, 'RUNNING'],
    ]);
    expect(windows[1].dueAt).toBe(new Date(moved.getTime() + 10 * 60_000).toISOString());
    time.advance(30 * HOUR); // past the first appointment: nothing fires for it
    await t.app.scheduler.tick();
    expect(alertsOf(await view(c.id), 'REPAIR_VISIT')).toEqual([]);
  });

  it('gives a second return visit a fresh window after a reopen', async () => {
    const c = await newComplaint();
    await step(t, 'acceptComplaint', { complaintId: c.id, department: 'ENGINEERING' }, agent);
    await step(t, 'resolveComplaint', { complaintId: c.id, resolution: '已修复' }, agent);
    time.advance(7 * 24 * HOUR); // the first return-visit window (3 working days) breaches
    await t.app.scheduler.tick();
    expect(alertsOf(await view(c.id), 'RETURN_VISIT')).toHaveLength(2);
    await step(t, 'recordReturnVisit', { complaintId: c.id, satisfaction: 1, note: '问题未解决' }, agent);
    const r = (await step(t, 'resolveComplaint', { complaintId: c.id, resolution: '二次维修' }, agent)).data.resolveComplaint.complaint;
    const second = latest(r, 'RETURN_VISIT');
    expect(second).toMatchObject({ cycle: 1, state: 'RUNNING', breached: false, warnedAt: null, breachedAt: null, target: 'P3D' });
    time.advance(7 * 24 * HOUR);
    await t.app.scheduler.tick();
    // Both windows alerted, each once per level.
    const rows = await t.database.db.select().from(slaAlerts).innerJoin(slaClocks, eq(slaClocks.id, slaAlerts.clockId)).where(eq(slaClocks.complaintId, dbId(c.id)));
    const perWindow = rows.filter((x) => x.sla_clocks.clock === 'RETURN_VISIT').map((x) => `${x.sla_clocks.cycle}:${x.sla_alerts.level}`).sort();
    expect(perWindow).toEqual(['0:BREACHED', '0:WARNING', '1:BREACHED', '1:WARNING']);
  });

  it('escalates clocks that breached before the complaint was upgraded to MAJOR', async () => {
    const c = await newComplaint();
    time.advance(30 * HOUR);
    await t.app.scheduler.tick();
    const e = (await step(t, 'escalateComplaint', { complaintId: c.id, reason: 'GROUP_COMPLAINT' }, agent)).data.escalateComplaint.complaint;
    expect(e.alerts.filter((a: any) => a.level === 'ESCALATED').map((a: any) => [a.clock, a.escalatedTo])).toEqual([['ACCEPTANCE', fx.org.szId]]);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('does not deadlock a mutation with a scheduler holding the clock (PostgreSQL)', async () => {
    const c = await newComplaint();
    const [own] = await t.database.db
      .select({ id: slaClocks.id })
      .from(slaClocks)
      .where(and(eq(slaClocks.complaintId, dbId(c.id)), eq(slaClocks.clock, 'ACCEPTANCE')));
    const clockId = Number(own!.id);
    const other = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      const holder = other.begin(async (sql) => {
        // What a scheduler batch does: lock the clock, then insert an alert (FK check on the complaint).
        await sql`select id from sla_clocks where id = ${clockId} for update skip locked`;
        await new Promise((r) => setTimeout(r, 300));
        const [cx] = await sql`select complaint_id, project_id from sla_clocks join complaints on complaints.id = sla_clocks.complaint_id where sla_clocks.id = ${clockId}`;
        await sql`insert into sla_alerts (level, clock_id, clock, complaint_id, project_id, due_at, fired_at) values ('WARNING', ${clockId}, 'ACCEPTANCE', ${cx!.complaint_id}, ${cx!.project_id}, now(), now())`;
      });
      await new Promise((r) => setTimeout(r, 50));
      const accepted = step(t, 'acceptComplaint', { complaintId: c.id, department: 'LEGAL' }, agent);
      await holder;
      const r = await accepted;
      expect(r.errors).toBeUndefined();
      expect(r.data.acceptComplaint.complaint.status).toBe('ACCEPTED');
    } finally {
      await other.end();
    }
  });
});
