import { AppError } from './errors.js';

/** Object types addressable through `node(id:)`. */
export const NODE_TYPES = [
  'Region',
  'CityCompany',
  'Project',
  'Customer',
  'Unit',
  'UnitOwnership',
  'AuditEntry',
  'Complaint',
  'SlaPolicy',
  'SlaAlert',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Opaque global ID: base64url of `Type:dbId`. */
export function toGlobalId(type: NodeType, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/** Decodes a global ID, or returns null when it is not one of ours. */
export function decodeGlobalId(gid: string): { type: NodeType; id: number } | null {
  if (typeof gid !== 'string' || gid.length === 0 || gid.length > 64 || !/^[A-Za-z0-9_-]+={0,2}$/.test(gid)) return null;
  const text = Buffer.from(gid, 'base64url').toString('utf8');
  const m = /^([A-Za-z]+):([1-9][0-9]{0,15})$/.exec(text);
  if (!m || !(NODE_TYPES as readonly string[]).includes(m[1]!)) return null;
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? { type: m[1] as NodeType, id } : null;
}

/**
 * The database id behind a global ID of the expected type. A malformed ID is
 * BAD_USER_INPUT naming the field; an ID of another type is NOT_FOUND.
 */
export function parseId(gid: string, type: NodeType, field: string): number {
  const decoded = decodeGlobalId(gid);
  if (!decoded) throw AppError.badInput(field, `"${truncate(gid)}" is not a valid ID`);
  if (decoded.type !== type) throw AppError.notFound(type, gid);
  return decoded.id;
}

function truncate(s: string): string {
  return typeof s === 'string' && s.length > 40 ? `${s.slice(0, 40)}…` : String(s);
}
