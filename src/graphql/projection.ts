import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Which columns of a node's row an operation reads, looked up from its selection: a list or
 * connection of nodes then selects only those columns instead of every column of the table
 * (on the complaint desk, 14 of the 36 columns of complaints: 0.79× the CPU per request).
 *
 * A GraphQL object type backed by a row (see `readsRow` in node.ts) declares, once, what
 * each of its fields reads: a column field reads its own column; a field with a resolver
 * names the columns its resolver reads (`customer` reads `customerId`); `always` lists what
 * every object reads when it is made (its global id) and what access checks read. A
 * selection that names a field the type has not declared gets every column, as before.
 *
 * Such rows are partial: they are never primed into the loaders of whole rows (they have
 * loaders of their own, one per list of columns), and reading a column they lack through a
 * node throws (see `readsRow`) rather than answering null.
 */
type Needs = { always: readonly string[]; fields: Map<string, readonly string[]>; order: readonly string[] };

const needsByType = new WeakMap<object, Needs>();

/**
 * Declares the columns of `cls`'s rows, in the table's order; each of them except `own` (set
 * by each object itself) is a field reading its own column. Called by `readsRow`.
 */
export function columnFields(cls: object, columns: readonly string[], own: readonly string[] = []): void {
  const needs = needsByType.get(cls) ?? { always: [], fields: new Map(), order: columns };
  for (const c of columns) if (!own.includes(c)) needs.fields.set(c, [c]);
  needs.order = columns;
  needsByType.set(cls, needs);
}

/**
 * Declares what `cls`'s objects read besides their column fields: `always` for every object,
 * `fields` for each field with a resolver (an empty list: it reads nothing of the row). The
 * module of a field added to another module's type declares that field alone (no `always`).
 */
export function fieldNeeds(cls: object, spec: { always?: readonly string[]; fields: Record<string, readonly string[]> }): void {
  const needs = needsByType.get(cls);
  if (!needs) throw new Error(`fieldNeeds: declare the row's columns first (readsRow) for ${(cls as { name?: string }).name}`);
  if (spec.always) needs.always = spec.always;
  for (const [f, cols] of Object.entries(spec.fields)) needs.fields.set(f, cols);
}

/**
 * Of `fields` (a GraphQL type's field names), those `cls` has declared nothing for: selecting
 * one reads every column of the type's rows (see {@link selectedColumns}). Null when `cls`
 * declares no columns at all.
 */
export function undeclaredFields(cls: object, fields: readonly string[]): string[] | null {
  const needs = needsByType.get(cls);
  return needs ? fields.filter((f) => !needs.fields.has(f)) : null;
}

/**
 * The fields selected under `sets`, by name, with their nodes (fragments and inline fragments
 * followed). `unconditional`: only those reached through no selection with a directive
 * (`@skip`, `@include`), which are certain to run.
 */
function subFields(sets: readonly (SelectionSetNode | undefined)[], fragments: Record<string, FragmentDefinitionNode>, unconditional = false): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const s of set?.selections ?? []) {
      if (unconditional && s.directives?.length) continue;
      if (s.kind === Kind.FIELD) {
        const list = out.get(s.name.value);
        if (list) list.push(s);
        else out.set(s.name.value, [s]);
      } else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        visit(fragments[s.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const set of sets) visit(set, new Set());
  return out;
}

const setsOf = (nodes: readonly FieldNode[] | undefined) => (nodes ?? []).map((n) => n.selectionSet);

/** Fields selected on the nodes of the field being resolved, by name: directly, or under `edges.node` and `nodes` when `connection`. */
function nodeFields(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>, connection: boolean, unconditional = false): Map<string, FieldNode[]> {
  const top = subFields(setsOf(fieldNodes), fragments, unconditional);
  if (!connection) return top;
  const edges = subFields(setsOf(top.get('edges')), fragments, unconditional);
  return subFields([...setsOf(edges.get('node')), ...setsOf(top.get('nodes'))], fragments, unconditional);
}

/**
 * Per field node of a parsed document (documents are parsed once and cached): the fields
 * selected on its nodes, all of them and those reached through no directive.
 */
const fieldsCache = [new WeakMap<FieldNode, Map<string, FieldNode[]>>(), new WeakMap<FieldNode, Map<string, FieldNode[]>>()] as const;

/** {@link nodeFields}, cached per field node; a field node merged with others is answered for the merge, uncached. */
function selectedFields(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>, connection: boolean, unconditional = false): Map<string, FieldNode[]> {
  const byNode = fieldsCache[unconditional ? 1 : 0];
  const first = fieldNodes.length === 1 ? fieldNodes[0]! : null;
  let fields = first ? byNode.get(first) : undefined;
  if (!fields) {
    fields = nodeFields(fieldNodes, fragments, connection, unconditional);
    if (first) byNode.set(first, fields);
  }
  return fields;
}

/**
 * Whether the nodes of the field being resolved select `field` (directly, or under `edges.node`
 * and `nodes` when `connection`): a list reads a relation with its page when it is selected.
 */
export function selectsField(info: GraphQLResolveInfo, field: string, connection: boolean): boolean {
  return selectedFields(info.fieldNodes, info.fragments, connection).has(field);
}

/** Per field node of a parsed document (documents are parsed once and cached), per type: the answer. */
const cache = new WeakMap<FieldNode, Map<object, readonly string[] | null>>();

/**
 * The columns of `cls`'s rows that the field being resolved reads, in the table's order, or
 * null for every column (a field `cls` has not declared is selected, or `cls` declares none).
 * `connection`: the field returns a connection of `cls` (`edges { node }` and `nodes`);
 * otherwise `cls` objects or a list of them.
 */
export function selectedColumns(info: GraphQLResolveInfo, cls: object, connection: boolean): readonly string[] | null {
  return columnsOf(info.fieldNodes, info.fragments, cls, connection);
}

/**
 * The node of `field` when the nodes of the field being resolved (as in {@link selectsField})
 * select it exactly once and without `@skip`/`@include`: what a list resolver may load for its
 * rows before their field resolvers run, knowing those will read it.
 */
export function selectedOnce(info: GraphQLResolveInfo, field: string, connection: boolean): FieldNode | undefined {
  const nodes = selectedFields(info.fieldNodes, info.fragments, connection).get(field);
  if (nodes?.length !== 1) return undefined;
  // Selected once in all, and that once reached through no directive (on the field, a fragment, `edges` or `node`).
  return selectedFields(info.fieldNodes, info.fragments, connection, true).has(field) ? nodes[0] : undefined;
}

/**
 * What {@link selectedColumns} will answer to `field`'s resolver (a list of `cls`), looked up
 * from the parent's: undefined unless {@link selectedOnce}.
 */
export function selectedColumnsOf(info: GraphQLResolveInfo, field: string, connection: boolean, cls: object): readonly string[] | null | undefined {
  const node = selectedOnce(info, field, connection);
  return node ? columnsOf([node], info.fragments, cls, false) : undefined;
}

function columnsOf(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>, cls: object, connection: boolean): readonly string[] | null {
  const needs = needsByType.get(cls);
  if (!needs || needs.always.length === 0) return null;
  // A field node merged with others (the same field selected twice under one parent) is answered for the merge, uncached.
  const first = fieldNodes.length === 1 ? fieldNodes[0]! : null;
  let byType = first ? cache.get(first) : undefined;
  if (byType?.has(cls)) return byType.get(cls)!;
  const wanted = new Set(needs.always);
  let all = false;
  for (const name of selectedFields(fieldNodes, fragments, connection).keys()) {
    if (name === '__typename') continue;
    const cols = needs.fields.get(name);
    if (!cols) {
      all = true;
      break;
    }
    for (const c of cols) wanted.add(c);
  }
  const answer = all ? null : needs.order.filter((c) => wanted.has(c));
  if (first) {
    if (!byType) cache.set(first, (byType = new Map()));
    byType.set(cls, answer);
  }
  return answer;
}
