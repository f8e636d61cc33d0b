import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnit, createCustomer, createProject, seedOrg, uniquePhone } from '../helpers/factories.js';
import { startTestApp, traced as tracedOn, type TestApp } from '../helpers/test-app.js';

// Lists of touchpoints (`touchpoints`, `Customer.touchpoints`, `Project.touchpoints`) read only
// the columns the operation's fields read (src/graphql/projection.ts; the declarations are in
// touchpoint.resolver.ts). What must hold: the statements leave out the notes and evidence
// nobody selected, and every field answers every viewer what the touchpoint read whole
// (`node(id:)`, through its loader) answers, notes masked alike.

const ALL = `id stage channel kind outcome occurredAt createdAt notes evidence { url kind caption }
  customer { id name } project { id } unit { id label } staff { id login } recordedBy { id login } plannedTouchpoint { id }`;
const RECORD = `mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`;

let t: TestApp;
let projectId: string;
let customerId: string;
let phone: string;

beforeAll(async () => {
  t = await startTestApp();
  const org = await seedOrg(t);
  projectId = (await createProject(t, org.szId)).id;
  phone = uniquePhone();
  customerId = await createCustomer(t, projectId, { phone });
  const unitId = (await addUnit(t, customerId, projectId)).unit.id;
  const inputs = [
    // Notes quoting the customer's phone: masked for every role but ADMIN.
    { stage: 'SIGNING', channel: 'PHONE', kind: 'FOLLOW_UP_CALL', notes: `回访 ${phone}，客户满意`, outcome: 'REACHED', unitId },
    { stage: 'DELIVERY', channel: 'SMS', kind: 'DELIVERY_NOTICE', notes: '交付通知', evidence: [{ url: 'https://files.example.com/1.png', kind: 'SCREENSHOT', caption: '截屏' }] },
    { stage: 'SIGNING', channel: 'VISIT', kind: 'HOME_VISIT', notes: '上门拜访' },
  ];
  for (const input of inputs) {
    const r = await t.gql(RECORD, { input: { customerId, projectId, ...input } }, 'AGENT');
    expect(r.errors).toBeUndefined();
  }
});
afterAll(() => t?.close());

const traced = <T>(fn: () => Promise<T>) => tracedOn(t, fn);
const from = (texts: string[], table: string) => texts.filter((s) => new RegExp(`from "${table}"`).test(s));

describe('columns selected for lists of touchpoints', () => {
  it('a list reads the columns it shows and no others; notes read their masked text too', async () => {
    const shown = await traced(() => t.gql(`{ touchpoints(first: 10) { edges { node { kind occurredAt } } } }`, {}, 'ADMIN'));
    expect(shown.value.errors).toBeUndefined();
    expect(shown.value.data.touchpoints.edges).toHaveLength(3);
    const [page] = from(shown.texts, 'touchpoints');
    expect(page).toContain('"kind"');
    for (const unread of ['"notes"', '"notes_masked"', '"evidence"', '"staff_id"']) expect(page).not.toContain(unread);

    const notes = await traced(() => t.gql(`query($id: ID!) { customer(id: $id) { touchpoints(first: 10) { edges { node { notes } } } } }`, { id: customerId }, 'AGENT'));
    expect(notes.value.errors).toBeUndefined();
    const [nested] = from(notes.texts, 'touchpoints');
    expect(nested).toContain('"notes"');
    expect(nested).toContain('"notes_masked"');
    expect(nested).not.toContain('"evidence"');
  });

  it('every field of a listed touchpoint answers what the touchpoint read whole answers, for each viewer', async () => {
    for (const role of ['ADMIN', 'MANAGER', 'AGENT'] as const) {
      const token = await t.token(role);
      const lists = await t.gql(
        `query($c: ID!, $p: ID!) {
          touchpoints(first: 10) { edges { node { ${ALL} } } }
          customer(id: $c) { touchpoints(first: 10) { edges { node { ${ALL} } } } }
          project(id: $p) { touchpoints(first: 10) { edges { node { ${ALL} } } } }
        }`,
        { c: customerId, p: projectId },
        token,
      );
      expect(lists.errors, role).toBeUndefined();
      const listed = [lists.data.touchpoints, lists.data.customer.touchpoints, lists.data.project.touchpoints].map((c) => c.edges.map((e: { node: unknown }) => e.node));
      for (const nodes of listed) {
        expect(nodes, role).toHaveLength(3);
        for (const node of nodes as { id: string }[]) {
          const whole = await t.gql(`query($id: ID!) { node(id: $id) { ... on Touchpoint { ${ALL} } } }`, { id: node.id }, token);
          expect(whole.errors, role).toBeUndefined();
          expect(node, `${role} ${node.id}`).toEqual(whole.data.node);
        }
      }
      // The comparison met masked and unmasked notes, and evidence.
      const notes = listed[0]!.map((n: any) => n.notes).join(' ');
      expect(notes.includes(phone), role).toBe(role === 'ADMIN');
      expect(listed[0]!.some((n: any) => n.evidence.length === 1), role).toBe(true);
    }
  });
});
