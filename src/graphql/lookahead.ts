import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** The fields of a selection set, through inline and named fragments. */
function* fieldsIn(info: GraphQLResolveInfo, set: SelectionSetNode, depth = 0): Generator<FieldNode> {
  if (depth > 20) return; // fragments are validated acyclic; a bound all the same
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) yield s;
    else if (s.kind === Kind.INLINE_FRAGMENT) yield* fieldsIn(info, s.selectionSet, depth + 1);
    else {
      const f = info.fragments[s.name.value];
      if (f) yield* fieldsIn(info, f.selectionSet, depth + 1);
    }
  }
}

/** The selection sets of the fields named `name` in `sets`. */
function under(info: GraphQLResolveInfo, sets: SelectionSetNode[], name: string): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  for (const set of sets) for (const f of fieldsIn(info, set)) if (f.name.value === name && f.selectionSet) out.push(f.selectionSet);
  return out;
}

/**
 * The names of the fields selected on the nodes of the connection field being resolved
 * (`edges { node { … } }`), through aliases and fragments. A field under `@skip` or
 * `@include` counts as selected: the names only decide what a resolver fetches ahead, and
 * fetching a row that is then not read costs a little, never a wrong answer.
 */
export function nodeFields(info: GraphQLResolveInfo): Set<string> {
  const roots = info.fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  const out = new Set<string>();
  for (const set of under(info, under(info, roots, 'edges'), 'node')) for (const f of fieldsIn(info, set)) out.add(f.name.value);
  return out;
}
