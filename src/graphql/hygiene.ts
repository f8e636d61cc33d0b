import { Kind, visit, type DocumentNode } from 'graphql';

/**
 * Characters refused in every text input: C0 controls but tab, line feed and carriage
 * return; DEL and the C1 controls; and unpaired UTF-16 surrogates (not valid text, and
 * refused by PostgreSQL as invalid UTF-8).
 */
const BAD_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string holds a character no text input may contain. */
export const hasBadText = (s: string): boolean => BAD_TEXT.test(s);

/** A text input holding a control character, with where it is. */
export type BadText = { field: string; message: string };

const describe = (field: string): BadText => ({
  field,
  message: `${field}: must not contain control characters (such as NUL) or unpaired surrogates; remove them and send plain text`,
});

/** Longest list accepted in variables (id lists in filters, answers, attachments …). */
export const MAX_VARIABLE_LIST = 1_000;

/**
 * The first string in GraphQL variables (at any depth) holding a control character,
 * or list longer than {@link MAX_VARIABLE_LIST}, named by its path (`input.name`,
 * `ids.2`); null when all is clean. Object keys are checked too: they become field
 * names in error messages. (Literal lists are bounded by the document's token limit.)
 */
export function findBadTextInVariables(variables: unknown): BadText | null {
  // Iterative, with a depth limit: a 100,000-deep list must not overflow the stack.
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: variables, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasBadText(v)) return describe(path);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_VARIABLE_DEPTH) {
      return { field: path, message: `${path || 'variables'}: nested more than ${MAX_VARIABLE_DEPTH} levels deep; no input of this API is` };
    }
    if (Array.isArray(v)) {
      if (v.length > MAX_VARIABLE_LIST) return { field: path, message: `${path}: at most ${MAX_VARIABLE_LIST} items in one list; split the request` };
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}.${i}`, depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      if (hasBadText(k)) return describe(path);
      stack.push({ v: x, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return null;
}

/** Deepest nesting of variables accepted (inputs nest a few levels). */
export const MAX_VARIABLE_DEPTH = 32;
/** The first string literal in a document holding a control character, named by its argument. */
export function findBadTextInDocument(document: DocumentNode): BadText | null {
  let found: BadText | null = null;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      if (found || !hasBadText(node.value)) return;
      const names: string[] = [];
      for (const a of [...ancestors, parent]) {
        if (!a) continue;
        if (Array.isArray(a)) continue;
        const n = a as { kind: string; name?: { value: string } };
        if ((n.kind === Kind.ARGUMENT || n.kind === Kind.OBJECT_FIELD) && n.name) names.push(n.name.value);
      }
      found = describe(names.join('.') || 'query');
    },
  });
  return found;
}
