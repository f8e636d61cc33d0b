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
  const walk = (v: unknown, path: string): BadText | null => {
    if (typeof v === 'string') return hasBadText(v) ? describe(path) : null;
    if (Array.isArray(v)) {
      if (v.length > MAX_VARIABLE_LIST) return { field: path, message: `${path}: at most ${MAX_VARIABLE_LIST} items in one list; split the request` };
      for (let i = 0; i < v.length; i++) {
        const hit = walk(v[i], `${path}.${i}`);
        if (hit) return hit;
      }
      return null;
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (hasBadText(k)) return describe(path);
        const hit = walk(x, path ? `${path}.${k}` : k);
        if (hit) return hit;
      }
    }
    return null;
  };
  return walk(variables, '');
}

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
