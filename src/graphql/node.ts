import { Field, ID, InterfaceType } from 'type-graphql';

/** Relay Node: every object with a global ID. */
@InterfaceType('Node', { description: 'An object with a global ID, fetchable with `node(id:)`.' })
export abstract class Node {
  @Field(() => ID, { description: 'Global, opaque ID.' })
  id!: string;
}
