import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { mapEdge, type EdgeData, type PageInfoData } from './pagination.js';

/** Sort direction shared by every `orderBy` input. */
export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Sort direction (排序方向).',
  valuesConfig: { ASC: { description: '升序 — ascending' }, DESC: { description: '降序 — descending' } },
});

@ObjectType({ description: 'Relay page information.' })
export class PageInfo implements PageInfoData {
  @Field({ description: 'Whether more items follow the last edge.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede the first edge.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge.' })
  endCursor!: string | null;
}

/** Runtime shape of every connection object. */
export type ConnectionData<T> = {
  edges: EdgeData<T>[];
  pageInfo: PageInfoData;
  /** Lazily counts all matching items; only runs when `totalCount` is selected. */
  count: () => Promise<number>;
};

/**
 * Relay connection and edge types for a node class: `<Name>Connection` with
 * `edges { cursor node }`, `pageInfo` and `totalCount`.
 */
export function Connection<T extends object>(nodeClass: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `An edge to a ${name}.` })
  class Edge {
    @Field({ description: 'Opaque cursor of this edge; pass it as `after` or `before`.' })
    cursor!: string;

    @Field(() => nodeClass, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay connection).` })
  class ConnectionType {
    @Field(() => [Edge], { description: 'The edges of this page.' })
    edges!: Edge[];

    @Field(() => PageInfo, { description: 'Page information.' })
    pageInfo!: PageInfo;

    count!: () => Promise<number>;

    @Field(() => Int, { description: 'Number of items matching the filter, over all pages.' })
    totalCount(): Promise<number> {
      return this.count();
    }

    /** The GraphQL connection of a page of rows, each mapped to its node type. */
    static of<R>(page: ConnectionData<R>, toNode: (row: R) => T): ConnectionType {
      // Cursors stay lazy: each is made only if the client selects it (the page info's
      // start and end cursors read the page's edges).
      return Object.assign(new ConnectionType(), {
        edges: page.edges.map((e) => mapEdge(e, toNode(e.node))),
        pageInfo: page.pageInfo,
        count: page.count,
      });
    }
  }
  return ConnectionType;
}

/** Relay pagination arguments shared by every connection field. */
@ArgsType()
export class PageArgsType {
  @Field(() => Int, { nullable: true, description: 'Page size forwards (default 20, at most 200).' })
  first?: number;

  @Field({ nullable: true, description: 'Return items after this cursor.' })
  after?: string;

  @Field(() => Int, { nullable: true, description: 'Page size backwards (at most 200).' })
  last?: number;

  @Field({ nullable: true, description: 'Return items before this cursor.' })
  before?: string;
}

