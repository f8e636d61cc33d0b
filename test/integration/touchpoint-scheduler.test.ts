import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { overdueSource } from '../../src/modules/touchpoints/scheduler.js';
import { SlaScheduler } from '../../src/sla/scheduler.js';
import { addUnit, createCustomer, createProject, seedOrg } from '../helpers/factories.js';
import { codeOf, startTestApp, type GqlResult, type TestApp } from '../helpers/test-app.js';

/** The app's clock: tests move it to reach birthdays, warranty ends and due times. */
let now = new Date();
let t: TestApp;
let org: Awaited<ReturnType<typeof seedOrg>>;

const DAY = 86_400_000;
const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id } } }`;
const DELIVER = `mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id } } }`;
const MOVE_IN = `mutation($input: RecordMoveInInput!) { recordMoveIn(input: $input) { ownership { id } } }`;
const UPSERT = `mutation($input: UpsertStandardActionRuleInput!) { upsertStandardActionRule(input: $input) { rule { id code } } }`;
const PLANNED = `query($filter: PlannedTouchpointFilter) {
  plannedTouchpoints(filter: $filter, first: 100) { edges { node { id status triggerAt opensAt dueAt rule { code } unit { id } project { id } } } }
}`;
const ALERTS = `query($f: SlaAlertFilter) { slaAlerts(filter: $f, first: 100) { totalCount edges { node { id level dueAt firedAt late project { id } plannedTouchpoint { id rule { code } } } } } }`;

function must<T = any>(r: GqlResult<T>, what: string): T {
  if (r.errors?.length || !r.data) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}
const asAdmin = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => must(await t.gql(query, variables, 'ADMIN'), query.slice(0, 50));
const iso = (ms: number) => new Date(ms).toISOString();

async function planned(customerId: string, ruleCode: string) {
  const d = await asAdmin(PLANNED, { filter: { customerIds: [customerId], ruleCodes: [ruleCode] } });
  return (d.plannedTouchpoints.edges as { node: any }[]).map((e) => e.node).sort((a, b) => a.triggerAt.localeCompare(b.triggerAt));
}

/** A customer of a project with a unit there; `signedAt`, `deliveredAt`, `movedInAt` recorded when given. */
async function owner(projectId: string, m: { birthday?: string; signedAt?: string; deliveredAt?: string; movedInAt?: string; confidentiality?: string } = {}) {
  const customerId = await createCustomer(t, projectId, { birthday: m.birthday, confidentiality: m.confidentiality });
  const o = await addUnit(t, customerId, projectId);
  if (m.signedAt) await asAdmin(SIGN, { input: { ownershipId: o.id, signedAt: m.signedAt } });
  if (m.deliveredAt) await asAdmin(DELIVER, { input: { ownershipId: o.id, deliveredAt: m.deliveredAt } });
  if (m.movedInAt) await asAdmin(MOVE_IN, { input: { ownershipId: o.id, movedInAt: m.movedInAt } });
  return { customerId, ownershipId: o.id, unitId: o.unit.id };
}

/** Runs the app's scheduler once at the app's clock (SLA clocks, overdue actions, time-based planning). */
const tick = () => t.app.scheduler.tick();

beforeAll(async () => {
  t = await startTestApp({ clock: () => now, env: { SLA_SCHEDULER: 'off', TOUCHPOINT_PLAN_INTERVAL_MS: '1000' } });
  org = await seedOrg(t);
});
afterAll(() => t?.close());

describe('overdue alerts', () => {
  it('a planned action past its due time fires one TOUCHPOINT_OVERDUE alert and turns OVERDUE, also with two schedulers', async () => {
    now = new Date();
    const project = await createProject(t, org.szId);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await owner(project.id, { signedAt: iso(now.getTime() - 3 * DAY) }));
    let second: Database = t.database;
    if (t.databaseUrl) second = openPostgres(t.databaseUrl, { max: 3 });
    try {
      const make = (database: Database) =>
        new SlaScheduler(database, { now: () => now, logger: createLogger('silent'), lateAfterMs: 5_000, pollMaxMs: 60_000, batchSize: 2, sources: [overdueSource({ lateAfterMs: 5_000 })] });
      const [a, b] = [make(t.database), make(second)];
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      expect(await a.tick()).toBe(0);
      expect(await b.tick()).toBe(0);
    } finally {
      if (second !== t.database) await second.close();
    }
    const alerts = must<any>(await t.gql(ALERTS, { f: { projectIds: [project.id], levels: ['TOUCHPOINT_OVERDUE'] } }, 'MANAGER'), 'alerts').slaAlerts;
    // Each signing's 1-day congratulation SMS is overdue (its 7-day supervision SMS not yet): one alert each.
    const congrats = await Promise.all(made.map(async (m) => (await planned(m.customerId, 'SIGNING_CONGRATS_SMS'))[0]));
    expect(alerts.edges.filter((e: any) => e.node.plannedTouchpoint?.rule.code === 'SIGNING_CONGRATS_SMS').map((e: any) => e.node.plannedTouchpoint.id).sort()).toEqual(
      congrats.map((c) => c.id).sort(),
    );
    for (const e of alerts.edges) expect(e.node).toMatchObject({ level: 'TOUCHPOINT_OVERDUE', late: true, project: { id: project.id } });
    expect(alerts.edges.filter((e: any) => e.node.plannedTouchpoint?.rule.code === 'SERVICE_SUPERVISION_SMS')).toEqual([]);
    for (const c of congrats) expect(c.status).toBe('OVERDUE');
    const byPlanned = must<any>(await t.gql(ALERTS, { f: { plannedTouchpointIds: [congrats[0]!.id] } }, 'ADMIN'), 'alerts').slaAlerts;
    expect(byPlanned.totalCount).toBe(1);
    // Acknowledged like any SLA alert.
    const ack = `mutation($input: AcknowledgeSlaAlertInput!) { acknowledgeSlaAlert(input: $input) { alert { id level acknowledgedAt acknowledgedBy { login } } } }`;
    const acked = must<any>(await t.gql(ack, { input: { alertId: byPlanned.edges[0].node.id } }, await t.token('MANAGER', { sub: 'mgr.duty' })), 'ack').acknowledgeSlaAlert.alert;
    expect(acked).toMatchObject({ level: 'TOUCHPOINT_OVERDUE', acknowledgedBy: { login: 'mgr.duty' } });
    expect(codeOf(await t.gql(ack, { input: { alertId: byPlanned.edges[0].node.id } }, 'ADMIN'))).toBe('CONFLICT');
  });

  it('fires on time while the scheduler runs, and the alert of a confidential customer’s action is hidden like the action', async () => {
    // An app of its own, on the real clock, with its scheduler running.
    const code = `FAST_${Date.now()}`;
    const live = await startTestApp({ env: { TOUCHPOINT_PLAN_INTERVAL_MS: '3600000' } });
    try {
      must(await live.gql(UPSERT, { input: { code, name: '两秒回访', trigger: 'SIGNED', dueWithin: 'PT2S', channel: 'PHONE', stage: 'SIGNING' } }, 'ADMIN'), 'rule');
      const liveOrg = await seedOrg(live);
      const p = await createProject(live, liveOrg.szId);
      const customerId = await createCustomer(live, p.id, { confidentiality: 'CONFIDENTIAL' });
      const o = await addUnit(live, customerId, p.id);
      must(await live.gql(SIGN, { input: { ownershipId: o.id } }, 'ADMIN'), 'sign');
      const find = async (auth: string) =>
        must<any>(await live.gql(ALERTS, { f: { projectIds: [p.id], levels: ['TOUCHPOINT_OVERDUE'] } }, auth), 'alerts').slaAlerts.edges.map((e: any) => e.node);
      let fired: any[] = [];
      for (let i = 0; i < 100 && fired.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        fired = await find('ADMIN');
      }
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({ late: false, plannedTouchpoint: { rule: { code } } });
      // Fired within a second of its due time (the scheduler slept until it).
      expect(new Date(fired[0].firedAt).getTime() - new Date(fired[0].dueAt).getTime()).toBeLessThan(1000);
      expect(await find('MANAGER')).toHaveLength(1);
      expect(await find('AGENT')).toEqual([]);
      expect(await find('ANALYST')).toEqual([]);
    } finally {
      await live.close();
    }
  });
});

describe('time-based planning', () => {
  it('a 29 February birthday is greeted on 28 February in other years and on the 29th in leap years, once each', async () => {
    now = new Date('2027-01-10T00:00:00.000Z');
    const project = await createProject(t, org.szId);
    const c = await owner(project.id, { birthday: '1992-02-29', signedAt: '2027-01-05T02:00:00.000Z' });
    now = new Date('2027-02-20T00:00:00.000Z');
    await tick();
    expect(await planned(c.customerId, 'BIRTHDAY_GREETING')).toEqual([]);
    now = new Date('2027-02-25T00:00:00.000Z');
    await tick();
    await tick();
    const [y2027] = await planned(c.customerId, 'BIRTHDAY_GREETING');
    // Local midnight of 28 February 2027 (Shanghai), open 3 days before, due by the end of the day.
    expect(y2027).toMatchObject({ triggerAt: '2027-02-27T16:00:00.000Z', opensAt: '2027-02-24T16:00:00.000Z', dueAt: '2027-02-28T16:00:00.000Z', project: { id: project.id } });
    now = new Date('2028-02-27T00:00:00.000Z');
    await tick();
    const all = await planned(c.customerId, 'BIRTHDAY_GREETING');
    expect(all.map((p) => p.triggerAt)).toEqual(['2027-02-27T16:00:00.000Z', '2028-02-28T16:00:00.000Z']);
    expect(all[0]!.status).toBe('OVERDUE');
  });

  it('reminds a month before each warranty term ends, per term', async () => {
    now = new Date('2026-12-15T00:00:00.000Z');
    const project = await createProject(t, org.szId, {
      warrantyTerms: [
        { component: '防水', years: 5 },
        { component: '门窗', years: 2 },
      ],
    });
    const c = await owner(project.id, { signedAt: '2026-12-01T02:00:00.000Z', deliveredAt: '2026-12-10T02:00:00.000Z' });
    now = new Date('2028-11-05T00:00:00.000Z');
    await tick();
    expect(await planned(c.customerId, 'WARRANTY_EXPIRY_REMINDER')).toEqual([]);
    now = new Date('2028-11-10T00:00:00.000Z');
    await tick();
    const [doors] = await planned(c.customerId, 'WARRANTY_EXPIRY_REMINDER');
    expect(doors).toMatchObject({ triggerAt: '2028-12-10T02:00:00.000Z', opensAt: '2028-11-10T02:00:00.000Z', dueAt: '2028-12-10T02:00:00.000Z', unit: { id: c.unitId } });
    now = new Date('2031-11-10T00:00:00.000Z');
    await tick();
    expect((await planned(c.customerId, 'WARRANTY_EXPIRY_REMINDER')).map((p) => p.triggerAt)).toEqual(['2028-12-10T02:00:00.000Z', '2031-12-10T02:00:00.000Z']);
  });

  it('sends the construction bulletin every two months from the signing until the delivery', async () => {
    now = new Date('2032-01-01T00:00:00.000Z');
    const project = await createProject(t, org.szId);
    const c = await owner(project.id, { signedAt: '2031-12-31T02:00:00.000Z' });
    // The first at the signing (planned by recordSigning).
    expect((await planned(c.customerId, 'CONSTRUCTION_BULLETIN')).map((p) => [p.triggerAt, p.dueAt])).toEqual([['2031-12-31T02:00:00.000Z', '2032-02-29T02:00:00.000Z']]);
    now = new Date('2032-05-01T00:00:00.000Z');
    await tick();
    // 31 December + 2 months = 29 February (leap year), + 4 months = 30 April.
    expect((await planned(c.customerId, 'CONSTRUCTION_BULLETIN')).map((p) => p.triggerAt)).toEqual(['2031-12-31T02:00:00.000Z', '2032-02-29T02:00:00.000Z', '2032-04-30T02:00:00.000Z']);
    await asAdmin(DELIVER, { input: { ownershipId: c.ownershipId, deliveredAt: '2032-05-01T00:00:00.000Z' } });
    now = new Date('2032-09-01T00:00:00.000Z');
    await tick();
    expect(await planned(c.customerId, 'CONSTRUCTION_BULLETIN')).toHaveLength(3);
  });

  it('plans each move-in anniversary of an anniversary rule, none from before the rule existed', async () => {
    now = new Date('2027-03-10T00:00:00.000Z');
    const project = await createProject(t, org.szId);
    const c = await owner(project.id, { signedAt: '2019-01-01T02:00:00.000Z', deliveredAt: '2020-03-01T02:00:00.000Z', movedInAt: '2020-03-05T02:00:00.000Z' });
    const code = `ANNIV_${Date.now()}`;
    // The rule is created now (its creation is the database's time, today): the anniversaries of 2021–2026 are history it does not plan.
    must(await t.gql(UPSERT, { input: { code, name: '入住周年祝福', trigger: 'ANNIVERSARY_OF_MOVE_IN', startAfter: '-P1D', dueWithin: 'P7D', channel: 'WECHAT', stage: 'RESIDENCE' } }, 'ADMIN'), 'rule');
    try {
      await tick();
      expect((await planned(c.customerId, code)).map((p) => p.triggerAt)).toEqual(['2027-03-05T02:00:00.000Z']);
      now = new Date('2029-03-10T00:00:00.000Z');
      await tick();
      await tick();
      expect((await planned(c.customerId, code)).map((p) => [p.triggerAt, p.opensAt, p.dueAt])).toEqual([
        ['2027-03-05T02:00:00.000Z', '2027-03-04T02:00:00.000Z', '2027-03-12T02:00:00.000Z'],
        ['2028-03-05T02:00:00.000Z', '2028-03-04T02:00:00.000Z', '2028-03-12T02:00:00.000Z'],
        ['2029-03-05T02:00:00.000Z', '2029-03-04T02:00:00.000Z', '2029-03-12T02:00:00.000Z'],
      ]);
      // Inactive through 2030, reactivated in 2031: the 2030 anniversary stays unplanned, 2031's is planned.
      const input = { code, name: '入住周年祝福', trigger: 'ANNIVERSARY_OF_MOVE_IN', startAfter: '-P1D', dueWithin: 'P7D', channel: 'WECHAT', stage: 'RESIDENCE' };
      await asAdmin(UPSERT, { input: { ...input, active: false } });
      now = new Date('2031-01-01T00:00:00.000Z');
      await tick();
      await asAdmin(UPSERT, { input: { ...input, active: true } });
      now = new Date('2031-03-10T00:00:00.000Z');
      await tick();
      expect((await planned(c.customerId, code)).map((p) => p.triggerAt.slice(0, 4))).toEqual(['2027', '2028', '2029', '2031']);
    } finally {
      await asAdmin(UPSERT, { input: { code, name: '入住周年祝福', trigger: 'ANNIVERSARY_OF_MOVE_IN', startAfter: '-P1D', dueWithin: 'P7D', channel: 'WECHAT', stage: 'RESIDENCE', active: false } });
    }
  });

  it('plans nothing twice when planning runs again over the same time, or concurrently', async () => {
    now = new Date('2034-06-01T00:00:00.000Z');
    const project = await createProject(t, org.szId, { warrantyTerms: [{ component: '电梯', years: 1 }] });
    const c = await owner(project.id, { signedAt: '2034-01-01T02:00:00.000Z', deliveredAt: '2034-02-01T02:00:00.000Z' });
    now = new Date('2035-01-15T00:00:00.000Z');
    await Promise.all([tick(), tick()]);
    // Forget how far planning got: the next run goes over the same months again.
    await t.database.db.execute(sql`update standard_action_rules set planned_until = null`);
    await tick();
    expect(await planned(c.customerId, 'WARRANTY_EXPIRY_REMINDER')).toHaveLength(1);
    expect(codeOf(await t.gql(`{ plannedTouchpoints(first: 1) { totalCount } }`, {}, 'SUBSCRIBER'))).toBe('FORBIDDEN');
  });
});
