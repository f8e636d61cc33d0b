import { Field, ID, InterfaceType } from 'type-graphql';
import { toGlobalId, type NodeType } from './global-id.js';
import { columnFields } from './projection.js';

/** Relay Node: every object with a global ID. */
@InterfaceType('Node', { description: 'An object with a global ID, fetchable with `node(id:)`.' })
export abstract class Node {
  @Field(() => ID, { description: 'Global, opaque ID.' })
  id!: string;
}

/**
 * Lets the objects of a GraphQL type read their database row's columns instead of holding
 * copies: each column in `columns` (except those in `own`, which each object sets itself)
 * becomes a prototype getter over `this.row`. Making a node then costs one small object
 * rather than a copy of its 15–36 columns, which V8 does in microseconds per object (copies
 * were 6 % of the complaint desk's CPU, and much of its garbage). Rows are never written
 * through a node: the getters have no setters.
 *
 * A row may hold only the columns its operation selects (see projection.ts): a getter whose
 * column is absent throws, so that a field reading a column nobody declared fails loudly in
 * a test instead of answering null.
 */
export function readsRow(cls: { prototype: object; name: string }, columns: readonly string[], own: readonly string[] = []): void {
  columnFields(cls, columns, own);
  for (const key of columns) {
    if (own.includes(key) || key === 'row') continue;
    Object.defineProperty(cls.prototype, key, {
      get(this: { row: Record<string, unknown> }) {
        return columnOf(this.row, cls.name, key);
      },
      configurable: true,
    });
  }
}

/**
 * Column `key` of `row`, read for a field of `type`: a column the row lacks (not selected, see
 * projection.ts) throws rather than answering undefined. What {@link readsRow}'s getters read,
 * and getters of their own over a column (masking) too.
 */
export function columnOf<R extends object, K extends keyof R & string>(row: R, type: string, key: K): R[K] {
  const value = row[key];
  if (value === undefined) throw new Error(`${type}.${key}: its column was not selected (declare what the field reads: fieldNeeds in graphql/projection.ts)`);
  return value;
}

/**
 * A node of a type that reads its row (see {@link readsRow}): the row, its database id and its
 * global id (of `type`), set on a fresh `cls` object and nothing else copied.
 */
export function rowNode<T extends { row: R; dbId: number; id: string }, R extends { id: number }>(cls: new () => T, type: NodeType, row: R): T {
  const node = new cls();
  node.row = row;
  node.dbId = row.id;
  node.id = toGlobalId(type, row.id);
  return node;
}
