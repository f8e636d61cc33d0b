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

/** A project with a customer holding a unit, ready for complaints. */
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
