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
  'Touchpoint',
  'PlannedTouchpoint',
  'StandardActionRule',
  'Inspection',
  'InspectionFinding',
  'SurveyTemplate',
  'SurveyQuestion',
  'SurveyResponse',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Global IDs made so far, per type: the same rows are shown again and again (a list of 50 complaints makes 120 IDs). Bounded. */
const made = new Map<NodeType, Map<number, string>>();
const MAX_MADE = 20_000;
let madeCount = 0;

/** Opaque global ID: base64url of `Type:dbId`. */
export function toGlobalId(type: NodeType, id: number): string {
  let byId = made.get(type);
  if (!byId) made.set(type, (byId = new Map()));
  let gid = byId.get(id);
  if (gid === undefined) {
    gid = Buffer.from(`${type}:${id}`).toString('base64url');
    if (madeCount >= MAX_MADE) {
      for (const m of made.values()) m.clear();
      madeCount = 0;
    }
    byId.set(id, gid);
    madeCount++;
  }
  return gid;
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
 * Staff members are keyed by their login (the token `sub`), not a number: their global ID is
 * base64url of `Staff:<login>`. Kept apart from {@link NODE_TYPES} so the numeric kinds keep
 * their strict `Type:<positive integer>` check.
 */
export const STAFF_TYPE = 'Staff';
/** Longest token subject (see the token claims); every subject gets a decodable Staff ID. */
const MAX_SUBJECT = 200;

/** The global ID of a staff member (or any token subject) by login. */
export function toStaffGlobalId(login: string): string {
  return Buffer.from(`${STAFF_TYPE}:${login}`).toString('base64url');
}

/** The login behind a Staff global ID, or null when it is not one. */
export function decodeStaffGlobalId(gid: string): string | null {
  if (typeof gid !== 'string' || gid.length === 0 || gid.length > 4 * Math.ceil((6 + MAX_SUBJECT * 4) / 3)) return null;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(gid)) return null;
  const text = Buffer.from(gid, 'base64url').toString('utf8');
  if (!text.startsWith(`${STAFF_TYPE}:`)) return null;
  const login = text.slice(STAFF_TYPE.length + 1);
  // Canonical encodings only (no stray bits, no replacement characters), no control characters.
  if (login.length === 0 || login.length > MAX_SUBJECT || /[\u0000-\u001f\u007f\ufffd]/.test(login)) return null;
  return toStaffGlobalId(login) === gid.replace(/=+$/, '') ? login : null;
}

/**
 * The database id behind a global ID of the expected type. A malformed ID is
 * BAD_USER_INPUT naming the field; an ID of another type is NOT_FOUND.
 */
export function parseId(gid: string, type: NodeType, field: string): number {
  const decoded = decodeGlobalId(gid);
  if (!decoded && decodeStaffGlobalId(gid) !== null) throw AppError.notFound(type, gid);
  if (!decoded) throw AppError.badInput(field, `"${truncate(gid)}" is not a valid ID`);
  if (decoded.type !== type) throw AppError.notFound(type, gid);
  return decoded.id;
}

/**
 * The database ids of a list of global IDs in a filter (`field` names the list: an entry's error
 * names `field.i`), or null when the list is absent or empty (no condition).
 */
export function parseIds(gids: readonly string[] | null | undefined, type: NodeType, field: string): number[] | null {
  return gids?.length ? gids.map((g, i) => parseId(g, type, `${field}.${i}`)) : null;
}

/**
 * The login behind a Staff global ID. A malformed ID is BAD_USER_INPUT naming the field;
 * an ID of another type is NOT_FOUND (as {@link parseId}).
 */
export function parseStaffId(gid: string, field: string): string {
  const login = decodeStaffGlobalId(gid);
  if (login !== null) return login;
  if (decodeGlobalId(gid)) throw AppError.notFound(STAFF_TYPE, gid);
  throw AppError.badInput(field, `"${truncate(gid)}" is not a valid Staff ID`);
}

function truncate(s: string): string {
  return typeof s === 'string' && s.length > 40 ? `${s.slice(0, 40)}…` : String(s);
}
