import type { Cursors } from '../graphql/pagination.js';

const KIND = 'EVENT';

/** The opaque cursor of an event: its `seq`, encrypted like every cursor (survives restarts). */
export function encodeEventCursor(cursors: Cursors, seq: number): string {
  return cursors.encode(KIND, seq, seq);
}

/** The `seq` of an event cursor; BAD_USER_INPUT on `field` when it is not one. */
export function decodeEventCursor(cursors: Cursors, cursor: string, field: string): number {
  const c = cursors.decode(cursor, field, KIND);
  return Number(c.v);
}
