import {
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  visit,
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
import { findBadTextInDocument } from './hygiene.js';

/** Root fields of introspection; their subtrees are measured against their own depth limit. */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Deepest introspection selection allowed: what graphql 16's `getIntrospectionQuery()`
 * needs with every option on (GraphiQL, GraphQL Code Generator, Rover, Postman,
 * Insomnia send it). The `TypeRef` fragment nests `ofType` eight levels deep.
 */
export const INTROSPECTION_MAX_DEPTH = 15;

/**
 * Validation rule refusing operations nested deeper than `max` fields in the data
 * graph (fragments are followed, each measured once). Introspection (`__schema`,
 * `__type`) is bounded on its own terms, by {@link INTROSPECTION_MAX_DEPTH}, so the
 * standard introspection query passes while a data query of the same depth does not.
 */
export function depthLimit(max: number, introspectionMax = INTROSPECTION_MAX_DEPTH) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    // Depth of each fragment, computed once: re-walking a fragment at every spread would
    // make a chain of fragments that spread the next one twice cost 2^n.
    const fragmentDepth = new Map<string, { data: number; introspection: number }>();
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): { data: number; introspection: number } => {
      const out = { data: 0, introspection: 0 };
      if (!set) return out;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const inner = depthOf(sel.selectionSet, seen);
          if (INTROSPECTION_ROOTS.has(sel.name.value)) {
            out.introspection = Math.max(out.introspection, 1 + Math.max(inner.data, inner.introspection));
          } else {
            out.data = Math.max(out.data, 1 + inner.data);
            out.introspection = Math.max(out.introspection, inner.introspection > 0 ? 1 + inner.introspection : 0);
          }
        } else {
          let inner: { data: number; introspection: number } | undefined;
          if (sel.kind === Kind.INLINE_FRAGMENT) inner = depthOf(sel.selectionSet, seen);
          else {
            const name = sel.name.value;
            const frag = fragments.get(name);
            if (!frag || seen.has(name)) continue;
            inner = fragmentDepth.get(name);
            if (!inner) {
              seen.add(name);
              inner = depthOf(frag.selectionSet, seen);
              seen.delete(name);
              fragmentDepth.set(name, inner);
            }
          }
          out.data = Math.max(out.data, inner.data);
          out.introspection = Math.max(out.introspection, inner.introspection);
        }
      }
      return out;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth.data > max) {
          context.reportError(
            new GraphQLError(`Query depth ${depth.data} exceeds the maximum of ${max}; split it into smaller queries`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', maxDepth: max },
            }),
          );
        }
        if (depth.introspection > introspectionMax) {
          context.reportError(
            new GraphQLError(`Introspection depth ${depth.introspection} exceeds the maximum of ${introspectionMax} (the standard introspection query needs no more)`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', maxDepth: introspectionMax },
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

/** What a connection field and a `totalCount` cost at least: each is an SQL statement. */
export const CONNECTION_BASE_COST = 10;
export const TOTAL_COUNT_COST = 10;

/**
 * Estimated cost of an operation: every selected field costs 1; a connection costs
 * {@link CONNECTION_BASE_COST} plus its subtree once per item it may return
 * (`first`/`last`, or the default page of 20), so even `first: 0` is not free; a
 * `totalCount` costs {@link TOTAL_COUNT_COST}. `projects(first: 200) { edges { node {
 * customers(first: 200) { … } } } }` thus costs tens of thousands, a typical screen a
 * few hundred.
 *
 * Each fragment is costed once, a fragment spread twice at one level counts once (as
 * it executes once), and counting stops as soon as the total passes `stopAbove`, so
 * neither a fragment bomb nor a huge document makes this walk expensive. The result is
 * only a lower bound beyond `stopAbove`.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  opts: { defaultPage?: number; stopAbove?: number } = {},
): number {
  const defaultPage = opts.defaultPage ?? 20;
  const stopAbove = opts.stopAbove ?? Number.MAX_SAFE_INTEGER;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  // A variable not sent takes its default, as execution gives it (`$n: Int = 200`).
  const defaults = new Map<string, unknown>();
  for (const d of operation.variableDefinitions ?? []) if (d.defaultValue?.kind === Kind.INT) defaults.set(d.variable.name.value, Number(d.defaultValue.value));
  const valueOf = (name: string) => (Object.hasOwn(variables, name) ? variables[name] : defaults.get(name));
  const sizeOf = (field: FieldNode): number | null => {
    for (const arg of field.arguments ?? []) {
      if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
      const v = arg.value.kind === Kind.VARIABLE ? valueOf(arg.value.name.value) : arg.value.kind === Kind.INT ? Number(arg.value.value) : null;
      if (typeof v === 'number' && Number.isFinite(v)) return Math.max(v, 0);
    }
    return null;
  };
  const fragmentCost = new Map<string, number>();
  const cap = (n: number) => Math.min(n, stopAbove + 1);
  /**
   * Cost of a selection set. As in execution, a fragment spread once in a set (counting
   * the fragments spread inside it and inline fragments) runs once however often it is
   * spread there: `visited` holds the fragments already counted at this level.
   */
  const costOf = (set: SelectionSetNode | undefined, type: GraphQLNamedType | null | undefined, visited: Set<string>): number => {
    if (!set) return 0;
    let total = 0;
    for (const sel of set.selections) {
      if (total > stopAbove) return total;
      if (sel.kind === Kind.FIELD) {
        const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[sel.name.value] : undefined;
        const child = def ? getNamedType(def.type) : undefined;
        if (sel.name.value === 'totalCount' && type?.name.endsWith('Connection')) {
          total += TOTAL_COUNT_COST;
          continue;
        }
        const isConnection = !!child && child.name.endsWith('Connection');
        if (isConnection) {
          const n = sizeOf(sel) ?? defaultPage;
          // totalCount is one statement for the whole connection, not one per item.
          const counts = (sel.selectionSet?.selections ?? []).filter((s) => s.kind === Kind.FIELD && s.name.value === 'totalCount').length * TOTAL_COUNT_COST;
          total += cap(CONNECTION_BASE_COST + counts + n * (costOf(sel.selectionSet, child, new Set()) - counts));
        } else {
          total += cap(1 + costOf(sel.selectionSet, child, new Set()));
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        total += costOf(sel.selectionSet, t, visited);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || visited.has(name)) continue;
        visited.add(name);
        // Memoised: a fragment's cost depends only on its own selections (an upper bound
        // where the level has already counted some of the fragments it spreads).
        let c = fragmentCost.get(name);
        if (c === undefined) {
          fragmentCost.set(name, 0); // a cycle (refused by validation anyway) adds nothing
          c = costOf(frag.selectionSet, schema.getType(frag.typeCondition.name.value), new Set([name]));
          fragmentCost.set(name, c);
        }
        total += c;
      }
    }
    return cap(total);
  };
  return costOf(operation.selectionSet, root, new Set());
}

/** Per operation of a parsed document: the variables its `first`/`last` arguments read, and its cost by their values and the limit. */
const costs = new WeakMap<OperationDefinitionNode, { sizeVariables: string[]; byInputs: Map<string, number> }>();

/** The variables the `first`/`last` arguments of a document's fields read (its fragments included). */
function sizeVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(arg) {
      if ((arg.name.value === 'first' || arg.name.value === 'last') && arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
    },
  });
  return [...names];
}

/**
 * {@link operationCost}, remembered per operation of a parsed document (Apollo keeps parsed
 * documents and hands the same objects to every request that sends the same text) and per
 * value of the variables its page sizes read, the only inputs it depends on besides the schema
 * (one per server) and `stopAbove`: clients send the same few documents, and walking one was 1 %
 * of a short request's CPU.
 */
export function operationCostOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  opts: { stopAbove: number },
): number {
  let cached = costs.get(operation);
  if (!cached) costs.set(operation, (cached = { sizeVariables: sizeVariablesOf(document), byInputs: new Map() }));
  // A variable not sent ('-': its default applies) keys apart from one sent as null (the default page).
  const key = `${opts.stopAbove}|${cached.sizeVariables.map((v) => (Object.hasOwn(variables, v) ? JSON.stringify(variables[v]) ?? 'undefined' : '-')).join(',')}`;
  let cost = cached.byInputs.get(key);
  if (cost === undefined) {
    cost = operationCost(schema, document, operation, variables, opts);
    // Page sizes are the client's: bounded.
    if (cached.byInputs.size >= 64) cached.byInputs.clear();
    cached.byInputs.set(key, cost);
  }
  return cost;
}

/** Structural limits checked on the raw document before it is validated or executed. */
export type DocumentLimits = {
  /** Longest document, in characters. */
  maxLength: number;
  /** Most lexical tokens (graphql-js stops parsing past it). */
  maxTokens: number;
  /** Most aliased fields in the whole document. */
  maxAliases: number;
  /** Most root fields in any one operation (fragments on the root type included). */
  maxRootFields: number;
  /** Most fragment spreads in the whole document. */
  maxFragmentSpreads: number;
  /** Most introspection root fields (`__schema`, `__type`) in the whole document. */
  maxIntrospectionFields: number;
};

/** A document over one of the {@link DocumentLimits}, or one holding forbidden text. */
export type LimitViolation =
  | { code: 'QUERY_TOO_COMPLEX'; limit: keyof DocumentLimits; max: number; actual: number; message: string }
  | { code: 'BAD_USER_INPUT'; field: string; message: string };

const violation = (limit: keyof DocumentLimits, max: number, actual: number, what: string): LimitViolation => ({
  code: 'QUERY_TOO_COMPLEX',
  limit,
  max,
  actual,
  message: `The document has ${actual} ${what}, more than the maximum of ${max}; split it into several requests`,
});

/**
 * Cheap structural checks on a GraphQL document, before validation: length, tokens,
 * aliases, root fields and fragment spreads; and no control characters in its string
 * literals (see hygiene.ts). Returns the first violation, or null when
 * the document is within limits or does not parse (the parse error is then reported by
 * the normal pipeline). Linear in the document.
 */
export function checkDocument(query: string, limits: DocumentLimits): LimitViolation | null {
  if (query.length > limits.maxLength) return violation('maxLength', limits.maxLength, query.length, 'characters');
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (e) {
    // graphql-js: "Document contains more that N tokens. Parsing aborted."
    if (e instanceof GraphQLError && /tokens\. Parsing aborted/i.test(e.message)) {
      return violation('maxTokens', limits.maxTokens, limits.maxTokens + 1, 'tokens');
    }
    return null;
  }
  let aliases = 0;
  let spreads = 0;
  let introspection = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
      if (INTROSPECTION_ROOTS.has(node.name.value)) introspection++;
    },
    FragmentSpread() {
      spreads++;
    },
  });
  if (aliases > limits.maxAliases) return violation('maxAliases', limits.maxAliases, aliases, 'aliased fields');
  if (spreads > limits.maxFragmentSpreads) return violation('maxFragmentSpreads', limits.maxFragmentSpreads, spreads, 'fragment spreads');
  if (introspection > limits.maxIntrospectionFields) {
    return violation('maxIntrospectionFields', limits.maxIntrospectionFields, introspection, 'introspection fields (__schema, __type)');
  }
  // Root fields per operation: its own selections plus those of fragments spread at the
  // root (each fragment counted once, whatever the nesting of root-level fragments).
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    let roots = 0;
    const seen = new Set<string>();
    const count = (set: SelectionSetNode) => {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) roots++;
        else if (sel.kind === Kind.INLINE_FRAGMENT) count(sel.selectionSet);
        else if (!seen.has(sel.name.value)) {
          seen.add(sel.name.value);
          const f = fragments.get(sel.name.value);
          if (f) count(f.selectionSet);
        }
      }
    };
    count(def.selectionSet);
    if (roots > limits.maxRootFields) return violation('maxRootFields', limits.maxRootFields, roots, 'root fields in one operation');
  }
  const bad = findBadTextInDocument(document);
  return bad ? { code: 'BAD_USER_INPUT', ...bad } : null;
}
