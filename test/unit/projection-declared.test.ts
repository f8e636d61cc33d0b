import 'reflect-metadata';
import { isObjectType, parse, type FieldNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { columnFields, fieldNeeds, selectedColumns, undeclaredFields } from '../../src/graphql/projection.js';
import { getSchema } from '../../src/schema.js';
import { Complaint, ComplaintEvent, SlaClock } from '../../src/modules/complaints/complaint.type.js';
import { Customer } from '../../src/modules/customers/customer.type.js';
import { CityCompany } from '../../src/modules/org/org.type.js';
import { Project } from '../../src/modules/projects/project.type.js';
import { Touchpoint } from '../../src/modules/touchpoints/touchpoint.type.js';

// Lists read only the columns an operation's fields read (src/graphql/projection.ts). A field
// nobody declared makes a list read whole rows again, silently: every field of a type whose
// rows are projected must be a column or say what it reads (`fieldNeeds`), wherever the module
// that adds it lives. This is what keeps a field added later from undoing the projection.

// The types whose lists and relations read with `selectedColumns`. Regions are always read
// whole (no list of them projects): nothing to keep for them yet.
const PROJECTED = { Project, CityCompany, Customer, Complaint, ComplaintEvent, SlaClock, Touchpoint };

describe('projected types', () => {
  it('declare what each of their fields reads of the row', async () => {
    const schema = await getSchema();
    const missing: Record<string, string[]> = {};
    for (const [name, cls] of Object.entries(PROJECTED)) {
      const type = schema.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type of the schema`);
      const undeclared = undeclaredFields(cls, Object.keys(type.getFields()));
      if (undeclared === null) throw new Error(`${name} declares no columns (readsRow)`);
      if (undeclared.length) missing[name] = undeclared;
    }
    expect(missing).toEqual({});
  });

  it('reports a field left undeclared', () => {
    // The check above could not fail if this did not see a field it was not told about.
    expect(undeclaredFields(Project, ['name', 'cityCompany', 'somethingNew'])).toEqual(['somethingNew']);
    expect(undeclaredFields(class Unprojected {}, ['x'])).toBeNull();
  });
});

describe('a field that declares nothing', () => {
  // A type of rows with columns id, a, b, c; `rel` reads `b`; `loose` declares nothing.
  class Thing {}
  columnFields(Thing, ['id', 'a', 'b', 'c'], ['id']);
  fieldNeeds(Thing, { always: ['id'], fields: { id: [], rel: ['b'] } });
  /** What a list of things selecting `selection` reads. */
  const columnsFor = (selection: string) => {
    const op = parse(`{ things { ${selection} } }`).definitions[0] as OperationDefinitionNode;
    const info = { fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments: {} } as unknown as GraphQLResolveInfo;
    return selectedColumns(info, Thing, false);
  };

  it('makes a list read whole rows; declared fields read their columns and what they say', () => {
    expect(columnsFor('a rel')).toEqual(['id', 'a', 'b']);
    expect(columnsFor('c __typename')).toEqual(['id', 'c']);
    expect(columnsFor('a loose')).toBeNull();
  });
});
