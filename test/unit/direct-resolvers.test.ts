import 'reflect-metadata';
import { graphql, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { Arg, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema, isDirectResolver } from '../../src/graphql/schema.js';

// A small schema through the same builder as the API's: which fields keep type-graphql's
// resolver, which get graphql-js's default one or a direct call, and that answers are alike
// either way (class instances and plain objects as roots).

type TestContext = { who: string; items: unknown[]; guarded: string[] };

const note: MiddlewareFn<TestContext> = async ({ context, info }, next) => {
  context.guarded.push(info.fieldName);
  return next();
};

@ObjectType({ description: 'An item.' })
class Item {
  @Field(() => String, { description: 'Code.' })
  code!: string;

  @Field(() => String, { name: 'label', description: 'Its GraphQL name is not its property name.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'A getter on the class.' })
  get upper(): string {
    return this.code.toUpperCase();
  }

  @Field(() => String, { description: 'Behind a middleware.' })
  @UseMiddleware(note)
  secret!: string;
}

@Resolver(() => Item)
class ItemResolver {
  @Query(() => [Item], { description: 'Items.' })
  items(@Ctx() ctx: TestContext): unknown[] {
    return ctx.items;
  }

  @FieldResolver(() => String, { description: 'From the root and the context.' })
  owner(@Root() item: Item, @Ctx() ctx: TestContext): string {
    return `${ctx.who}:${item.upper}`;
  }

  @FieldResolver(() => String, { description: 'Takes an argument.' })
  repeated(@Root() item: Item, @Arg('times', () => Int, { description: 'How often.' }) times: number): string {
    return item.code.repeat(times);
  }
}

const instance = (code: string) => Object.assign(new Item(), { code, title: `T-${code}`, secret: `s-${code}` });

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema([ItemResolver]);
});

describe('direct resolvers', () => {
  it('gives plain properties graphql-js’s default resolver and keeps type-graphql’s where it does something', () => {
    const fields = (schema.getType('Item') as GraphQLObjectType).getFields();
    // Plain properties and getters are read as properties.
    expect(fields.code!.resolve).toBeUndefined();
    expect(fields.upper!.resolve).toBeUndefined();
    // A field resolver method taking only the root and the context is called directly.
    expect(isDirectResolver(fields.owner!.resolve)).toBe(true);
    // A renamed property, middleware and arguments keep type-graphql's resolver.
    for (const name of ['label', 'secret', 'repeated']) {
      expect(fields[name]!.resolve, name).toBeTypeOf('function');
      expect(isDirectResolver(fields[name]!.resolve), name).toBe(false);
    }
  });

  it('answers for class instances and plain objects, runs middleware, passes arguments', async () => {
    const guarded: string[] = [];
    const items = [instance('ab'), { code: 'cd', title: 'T-cd', secret: 's-cd' }];
    const result = await graphql({
      schema,
      source: '{ items { code label upper secret owner repeated(times: 2) } }',
      contextValue: { who: 'me', items, guarded } satisfies TestContext,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      items: [
        { code: 'ab', label: 'T-ab', upper: 'AB', secret: 's-ab', owner: 'me:AB', repeated: 'abab' },
        // A plain object root is converted to the class by type-graphql for its field resolvers
        // (`owner` reads the getter); a getter field itself reads the root's own property (none here).
        { code: 'cd', label: 'T-cd', upper: null, secret: 's-cd', owner: 'me:CD', repeated: 'cdcd' },
      ],
    });
    expect(guarded).toEqual(['secret', 'secret']);
  });
});
