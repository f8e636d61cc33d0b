import type { slaPolicies } from '../db/schema/index.js';
import type { ComplaintCategory, ComplaintKind, Severity } from '../domain/enums.js';

type PolicyRow = typeof slaPolicies.$inferSelect;

/**
 * The policy for a complaint: among active policies whose non-empty match lists all
 * contain the complaint's value, the most specific (most dimensions matched), then the
 * highest priority, then the most recently saved.
 */
export function choosePolicy<P extends Pick<PolicyRow, 'kinds' | 'categories' | 'severities' | 'priority' | 'updatedAt' | 'active'>>(
  policies: P[],
  c: { kind: ComplaintKind; category: ComplaintCategory; severity: Severity },
): P | null {
  let best: { p: P; specificity: number } | null = null;
  for (const p of policies) {
    if (!p.active) continue;
    const dims: [readonly string[], string][] = [
      [p.kinds, c.kind],
      [p.categories, c.category],
      [p.severities, c.severity],
    ];
    if (dims.some(([list, v]) => list.length > 0 && !list.includes(v))) continue;
    const specificity = dims.filter(([list]) => list.length > 0).length;
    if (
      !best ||
      specificity > best.specificity ||
      (specificity === best.specificity &&
        (p.priority > best.p.priority || (p.priority === best.p.priority && p.updatedAt.getTime() > best.p.updatedAt.getTime())))
    ) {
      best = { p, specificity };
    }
  }
  return best?.p ?? null;
}
