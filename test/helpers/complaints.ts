import { eq } from 'drizzle-orm';
import { complaints, slaAlerts } from '../../src/db/schema/index.js';
import { decodeGlobalId } from '../../src/graphql/global-id.js';
import { addUnit, createCustomer, createProject, seedOrg } from './factories.js';
import type { TestApp } from './test-app.js';

export const CREATE_COMPLAINT = `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { ...C } } }`;

export const COMPLAINT_FIELDS = `fragment C on Complaint {
  id number status kind category severity majorReason department isRepeat reopenCount slaPaused returnVisitScore rejectReason
  receivedAt acceptedAt resolvedAt closedAt nextDueAt allowedActions
  firstResponder { id login } handler { id login name } repeatOf { id }
  customer { id } project { id } unit { id }
  clocks { clock cycle state target workingTime dueAt remaining breached warnedAt breachedAt }
  alerts { id level clock dueAt firedAt late escalatedTo acknowledgedAt }
  timeline { type fromStatus toStatus actor { login } note data at }
}`;

/** A project with a customer holding a unit, ready for complaints; all of it new, with unique values. */
export async function complaintFixture(t: TestApp) {
  const org = await seedOrg(t);
  const project = await createProject(t, org.szId);
  const customerId = await createCustomer(t, project.id);
  const ownership = await addUnit(t, customerId, project.id);
  return { org, project, customerId, unitId: ownership.unit.id };
}

/** Runs a complaint mutation `name(input: $input) { complaint { ...C } }`. */
export function step(t: TestApp, name: string, input: Record<string, unknown>, auth: string) {
  const inputType = name.charAt(0).toUpperCase() + name.slice(1) + 'Input';
  return t.gql(`mutation($input: ${inputType}!) { ${name}(input: $input) { complaint { ...C } } } ${COMPLAINT_FIELDS}`, { input }, auth);
}

/**
 * A controllable clock for one test file's app (`startTestApp({ clock: clock.now })`).
 * Call `reset()` in `beforeEach` so every test starts at the same known instant and no
 * test reads time another test advanced.
 */
export function testClock(start: string) {
  const base = new Date(start);
  let current = base;
  return {
    /** The current instant, as the app and test-made schedulers read it. */
    now: () => current,
    /** Back to the start instant. */
    reset() {
      current = base;
    },
    /** Jumps to an instant. */
    set(at: string | Date) {
      current = new Date(at);
      return current;
    },
    /** Moves forward by `ms`. */
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
      return current;
    },
  };
}
export type TestClock = ReturnType<typeof testClock>;

/** The database id of a global ID (for direct, scoped counts). */
export function dbId(globalId: string): number {
  const d = decodeGlobalId(globalId);
  if (!d) throw new Error(`not a global ID: ${globalId}`);
  return d.id;
}

/** How many SLA alerts a project's complaints have (the project is the test's own). */
export const projectAlertCount = (t: TestApp, projectId: string) => t.database.db.$count(slaAlerts, eq(slaAlerts.projectId, dbId(projectId)));

/** How many complaints a project has (the project is the test's own). */
export const projectComplaintCount = (t: TestApp, projectId: string) => t.database.db.$count(complaints, eq(complaints.projectId, dbId(projectId)));

/**
 * Runs scheduler work (a tick) and returns what it reported and how many of the alerts
 * it fired belong to the project. Scheduler ticks fire every due clock in the database,
 * including other tests' complaints: assert on `own`, which no other test changes.
 */
export async function firedIn(t: TestApp, projectId: string, work: () => Promise<number>): Promise<{ own: number; reported: number }> {
  const before = await projectAlertCount(t, projectId);
  const reported = await work();
  return { own: (await projectAlertCount(t, projectId)) - before, reported };
}

/**
 * Runs a request and counts the SQL statements it sent itself (`t.requestStatements()`), once
 * earlier requests' background work has settled and again after its own has, so none of that
 * background work is caught half-way.
 */
export async function ownStatements<R>(t: TestApp, run: () => Promise<R>): Promise<{ result: R; statements: number }> {
  await t.settle();
  const before = t.requestStatements();
  const result = await run();
  await t.settle();
  return { result, statements: t.requestStatements() - before };
}
