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
 * Such rows are partial: they are never primed into a request's loaders (whose rows are
 * whole), and reading a column they lack through a node throws (see `readsRow`) rather than
 * answering null.
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
 * `fields` for each field with a resolver (an empty list: it reads nothing of the row).
 */
export function fieldNeeds(cls: object, spec: { always: readonly string[]; fields: Record<string, readonly string[]> }): void {
  const needs = needsByType.get(cls);
  if (!needs) throw new Error(`fieldNeeds: declare the row's columns first (readsRow) for ${(cls as { name?: string }).name}`);
  needs.always = spec.always;
  for (const [f, cols] of Object.entries(spec.fields)) needs.fields.set(f, cols);
}

/** The fields selected under `sets`, by name, with their nodes (fragments and inline fragments followed). */
function subFields(sets: readonly (SelectionSetNode | undefined)[], fragments: Record<string, FragmentDefinitionNode>): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const s of set?.selections ?? []) {
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

/** Field names selected on the nodes of the field being resolved: directly, or under `edges.node` and `nodes` when `connection`. */
function nodeFieldNames(info: GraphQLResolveInfo, connection: boolean): Set<string> {
  const top = subFields(setsOf(info.fieldNodes), info.fragments);
  if (!connection) return new Set(top.keys());
  const names = new Set<string>();
  const edges = subFields(setsOf(top.get('edges')), info.fragments);
  for (const set of [subFields(setsOf(edges.get('node')), info.fragments), subFields(setsOf(top.get('nodes')), info.fragments)]) for (const k of set.keys()) names.add(k);
  return names;
}

/** Per field node of a parsed document (documents are parsed once and cached): the names selected on its nodes. */
const namesCache = new WeakMap<FieldNode, Set<string>>();

/** {@link nodeFieldNames}, cached per field node; a field node merged with others is answered for the merge, uncached. */
function selectedNames(info: GraphQLResolveInfo, connection: boolean): Set<string> {
  const first = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  let names = first ? namesCache.get(first) : undefined;
  if (!names) {
    names = nodeFieldNames(info, connection);
    if (first) namesCache.set(first, names);
  }
  return names;
}

/**
 * Whether the nodes of the field being resolved select `field` (directly, or under `edges.node`
 * and `nodes` when `connection`): a list reads a relation with its page when it is selected.
 */
export function selectsField(info: GraphQLResolveInfo, field: string, connection: boolean): boolean {
  return selectedNames(info, connection).has(field);
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
  const needs = needsByType.get(cls);
  if (!needs || needs.always.length === 0) return null;
  // A field node merged with others (the same field selected twice under one parent) is answered for the merge, uncached.
  const first = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  let byType = first ? cache.get(first) : undefined;
  if (byType?.has(cls)) return byType.get(cls)!;
  const wanted = new Set(needs.always);
  let all = false;
  for (const name of selectedNames(info, connection)) {
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
