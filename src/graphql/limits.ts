import {
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * Validation rule refusing operations nested deeper than `max` fields
 * (fragments are followed; introspection's `__schema` counts like any field).
 */
export function depthLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    // Depth of each fragment, computed once: re-walking a fragment at every spread would
    // make a chain of fragments that spread the next one twice cost 2^n.
    const fragmentDepth = new Map<string, number>();
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          deepest = Math.max(deepest, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, seen));
        } else {
          const name = sel.name.value;
          const frag = fragments.get(name);
          if (!frag || seen.has(name)) continue;
          let d = fragmentDepth.get(name);
          if (d === undefined) {
            seen.add(name);
            d = depthOf(frag.selectionSet, seen);
            seen.delete(name);
            fragmentDepth.set(name, d);
          }
          deepest = Math.max(deepest, d);
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) {
          context.reportError(
            new GraphQLError(`Query depth ${depth} exceeds the maximum of ${max}; split it into smaller queries`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', maxDepth: max },
            }),
          );
        }
      },
    };
  };
}

/** Fixed-window request counter per key (token subject or client address). */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait when over the limit, else 0. */
  take(key: string): number {
    if (this.perMinute <= 0) return 0;
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= 60_000) {
      if (this.windows.size > 50_000) this.windows.clear();
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.perMinute ? Math.ceil((w.start + 60_000 - t) / 1000) : 0;
  }
}

/**
 * Estimated cost of an operation: every selected field costs 1, and a connection's
 * subtree counts once per item it may return (`first`/`last`, or the default page of
 * 20). `projects(first: 200) { edges { node { customers(first: 200) { … } } } }` thus
 * costs tens of thousands, a typical screen a few hundred.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  defaultPage = 20,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const sizeOf = (field: FieldNode): number | null => {
    for (const arg of field.arguments ?? []) {
      if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
      const v = arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : arg.value.kind === Kind.INT ? Number(arg.value.value) : null;
      if (typeof v === 'number' && Number.isFinite(v)) return Math.max(v, 0);
    }
    return null;
  };
  const costOf = (set: SelectionSetNode | undefined, type: GraphQLNamedType | null | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[sel.name.value] : undefined;
        const child = def ? getNamedType(def.type) : undefined;
        const isConnection = !!child && child.name.endsWith('Connection');
        const n = isConnection ? (sizeOf(sel) ?? defaultPage) : 1;
        total += 1 + n * costOf(sel.selectionSet, child, seen);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        total += costOf(sel.selectionSet, t, seen);
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag && !seen.has(frag.name.value)) {
          total += costOf(frag.selectionSet, schema.getType(frag.typeCondition.name.value), new Set([...seen, frag.name.value]));
        }
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}
