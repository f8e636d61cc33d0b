import { sql } from 'drizzle-orm';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  type FieldNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckChar } from '../../src/domain/contact.js';
import type { Role } from '../../src/domain/enums.js';
import { ERROR_CODES } from '../../src/graphql/errors.js';
import { toGlobalId, toStaffGlobalId } from '../../src/graphql/global-id.js';
import { getSchema } from '../../src/schema.js';
import { addUnit, createProject, createStaff, seedOrg } from '../helpers/factories.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Fuzz test (issue 6 §8): thousands of generated hostile operations and inputs sent
 * through the real HTTP API (POST and GET /graphql), generated from the schema (root
 * fields, arguments, input types, output types) plus hand-written hostile cases, under
 * every role. Every response is checked against four invariants:
 *
 * 1. no HTTP 5xx and no INTERNAL_SERVER_ERROR (nor SQL, stack traces or driver text);
 * 2. no unmasked personal data of the seeded customers for any role but ADMIN;
 * 3. a refused write changes nothing (fingerprint of the tables, sequential phase);
 * 4. GraphQL over HTTP shape: JSON with `data` and/or `errors`, or a documented plain
 *    HTTP error (400/401/405/413/415/429, and 406 for an Accept without JSON) with
 *    `errors[0].extensions.code`.
 *
 * Everything is generated from one seeded PRNG (mulberry32), so a failure reproduces:
 *   FUZZ_SEED=<seed printed with the failure> npx vitest run test/integration/fuzz.test.ts
 * Each test draws from its own stream (seed ^ hash(test label)), so a test also
 * reproduces on its own with `-t`.
 */

// ---------------------------------------------------------------------------------------
// Seeded PRNG
// ---------------------------------------------------------------------------------------

const DEFAULT_SEED = 0x5eed2026;
const SEED = (() => {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return n >>> 0;
})();

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same stream everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a label: each test gets its own stream from the one seed. */
function hashLabel(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  sample<T>(xs: readonly T[], n: number): T[] {
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < n && pool.length) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return out;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

const rngFor = (label: string) => new Rng((SEED ^ hashLabel(label)) >>> 0);

// ---------------------------------------------------------------------------------------
// Requests, responses and the invariants
// ---------------------------------------------------------------------------------------

/** One generated request. `auth` names a token of {@link tokens}. */
type Req = {
  label: string;
  auth: string;
  method?: string;
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
  /** Sent as the body instead of `{ query, variables, operationName, extensions }`. */
  rawBody?: string | Uint8Array;
  /** Content-Type of a POST (default application/json); null sends none. */
  contentType?: string | null;
  accept?: string;
  /** GET query string; built from query/variables/operationName/extensions when absent. */
  search?: string;
  /** Extra or replacing request headers (e.g. a malformed Authorization). */
  headers?: Record<string, string>;
  /** Response keys of the root fields of a generated mutation (for the refused-write check). */
  rootKeys?: string[];
};

type Res = { status: number; type: string; text: string; json: unknown; parsed: boolean };

type Finding = { label: string; auth: string; method: string; problems: string[]; request: string; response: string };

/** A token by name; `masked` is true for every role but ADMIN (and for no token at all). */
type TokenEntry = { token: string | null; masked: boolean; role: Role | null; sub?: string };

const MASKED_FIELDS = ['name', 'phone', 'idNumber', 'email', 'birthday'] as const;
/** Error codes this API documents, plus those graphql-js/Apollo and the HTTP layer use. */
const KNOWN_CODES = new Set<string>([
  ...ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PAYLOAD_TOO_LARGE',
  'METHOD_NOT_ALLOWED',
]);
/**
 * The documented plain HTTP errors, and 406: GraphQL over HTTP lets a server refuse an
 * Accept header that names no JSON media type, as Apollo does (with BAD_REQUEST); the
 * README does not list it.
 */
const PLAIN_HTTP_ERRORS = new Set([400, 401, 405, 406, 413, 415, 429]);
/** Text that only the database driver, Node or a stack trace would put in a response. */
const INTERNAL_TEXT =
  /duplicate key value|violates (?:foreign key|unique|not-null|check) constraint|syntax error at or near|invalid input syntax for type|field value out of range|out of range for type|invalid byte sequence|bind message|MAX_PARAMETERS_EXCEEDED|Maximum call stack|Cannot read propert|is not a function|node_modules|\bat \S+\.[cm]?[jt]s:\d+/i;

const excerpt = (s: string, n = 700) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

function requestText(r: Req): string {
  const parts: string[] = [];
  if (typeof r.query === 'string') parts.push(r.query);
  else if (r.query !== undefined) parts.push(JSON.stringify(r.query) ?? '');
  if (r.variables !== undefined) parts.push(JSON.stringify(r.variables) ?? '');
  if (r.operationName !== undefined) parts.push(JSON.stringify(r.operationName) ?? '');
  if (r.extensions !== undefined) parts.push(JSON.stringify(r.extensions) ?? '');
  if (r.rawBody !== undefined) parts.push(typeof r.rawBody === 'string' ? r.rawBody : Buffer.from(r.rawBody).toString('utf8'));
  if (r.search !== undefined) {
    parts.push(r.search);
    try {
      for (const v of new URLSearchParams(r.search).values()) parts.push(v);
    } catch {
      /* not decodable: the raw text is there */
    }
  }
  for (const v of Object.values(r.headers ?? {})) parts.push(v);
  return parts.join('\n');
}

function describeRequest(r: Req): string {
  const o: Record<string, unknown> = { seed: SEED, label: r.label, auth: r.auth, method: r.method ?? 'POST' };
  if (r.query !== undefined) o.query = typeof r.query === 'string' ? excerpt(r.query, 1500) : r.query;
  if (r.variables !== undefined) o.variables = excerpt(JSON.stringify(r.variables) ?? 'undefined', 1500);
  if (r.operationName !== undefined) o.operationName = r.operationName;
  if (r.extensions !== undefined) o.extensions = r.extensions;
  if (r.rawBody !== undefined) o.rawBody = excerpt(typeof r.rawBody === 'string' ? r.rawBody : `<${r.rawBody.length} bytes>`, 300);
  if (r.contentType !== undefined) o.contentType = r.contentType;
  if (r.accept !== undefined) o.accept = r.accept;
  if (r.search !== undefined) o.search = excerpt(r.search, 600);
  if (r.headers) o.headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, excerpt(v, 120)]));
  return JSON.stringify(o, null, 1);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Response keys of `revealCustomerContact` root fields in a mutation, with the payload keys
 * that carry unmasked values ('all' when fragments make them unknowable).
 */
function revealPayloadKeys(query: unknown): Map<string, Set<string> | 'all'> {
  const out = new Map<string, Set<string> | 'all'>();
  if (typeof query !== 'string') return out;
  let doc;
  try {
    doc = parse(query, { noLocation: true, maxTokens: 20_000 });
  } catch {
    return out;
  }
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const payloadKeys = (f: FieldNode): Set<string> | 'all' => {
    const keys = new Set<string>();
    for (const s of f.selectionSet?.selections ?? []) {
      if (s.kind !== Kind.FIELD) return 'all';
      if ((MASKED_FIELDS as readonly string[]).includes(s.name.value)) keys.add(s.alias?.value ?? s.name.value);
    }
    return keys;
  };
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === 'revealCustomerContact') out.set(s.alias?.value ?? s.name.value, payloadKeys(s));
      } else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) visit(f, seen);
      }
    }
  };
  for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation') visit(d.selectionSet, new Set());
  return out;
}

// ---------------------------------------------------------------------------------------
// Test state
// ---------------------------------------------------------------------------------------

/** An app under test with its tokens by name. */
type Target = { app: TestApp; tokens: Map<string, TokenEntry> };

let t: TestApp;
let schema: GraphQLSchema;
const tokens = new Map<string, TokenEntry>();
let main: Target;
/** Raw personal data of the seeded customers: never in a response to a masked viewer. */
const secrets: { label: string; value: string }[] = [];
const secretCustomerIds = new Set<string>();
/** Global IDs by type ('Staff' included), for valid-looking references. */
const pool: Record<string, string[]> = {};
/** Set-up data that fits together: customer–project(–unit) links, ownerships by milestone, handlers. */
const fx = {
  links: [] as { customerId: string; projectId: string; unitId?: string }[],
  unsigned: [] as string[],
  signed: [] as string[],
  handlers: [] as string[],
  normalCustomers: [] as string[],
};
const cursors: string[] = [];
let requestsSent = 0;
const knownBugHits = new Map<string, number>();

/**
 * Known bugs, found by this fuzz test and reproduced in the `known bugs` block below: a
 * finding whose request matches one is counted (and printed) instead of failing the run,
 * so the file stays green until the bug is fixed. Remove an entry with its `it.fails`.
 */
const KNOWN_BUGS: { id: string; matches: (r: Req, problems: string[]) => boolean }[] = [
  // None open: every bug the fuzz found is fixed and has a regression test below.
];

/** Whether the only problems are a 500 or INTERNAL_SERVER_ERROR (what the known bugs produce). */
function onlyInternal(problems: string[]): boolean {
  return problems.length > 0 && problems.every((p) => p === 'HTTP 500' || p.startsWith('INTERNAL_SERVER_ERROR'));
}

async function send(r: Req, target: Target = main): Promise<Res> {
  const method = r.method ?? 'POST';
  const headers: Record<string, string> = {};
  const tok = target.tokens.get(r.auth);
  if (!tok) throw new Error(`no token ${r.auth}`);
  if (tok.token !== null) headers.authorization = `Bearer ${tok.token}`;
  if (r.accept !== undefined) headers.accept = r.accept;
  let path = '/graphql';
  let body: string | Uint8Array | undefined;
  if (method === 'GET') {
    path += `?${r.search ?? searchOf(r)}`;
  } else {
    body = r.rawBody ?? JSON.stringify({ query: r.query, variables: r.variables, operationName: r.operationName, extensions: r.extensions });
    const type = r.contentType === undefined ? 'application/json' : r.contentType;
    if (type !== null) headers['content-type'] = type;
  }
  Object.assign(headers, r.headers ?? {});
  requestsSent++;
  let res: Response;
  let text: string;
  try {
    res = await fetch(target.app.url + path, { method, headers, body: method === 'GET' ? undefined : (body as BodyInit) });
    text = await res.text();
  } catch (e) {
    // No HTTP response at all (connection closed or reset): reported as status 0.
    return { status: 0, type: '', text: `no response: ${String((e as Error).cause ?? e)}`, json: undefined, parsed: false };
  }
  let json: unknown;
  let parsed = false;
  try {
    json = JSON.parse(text);
    parsed = true;
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json, parsed };
}

function searchOf(r: Req): string {
  const p = new URLSearchParams();
  if (r.query !== undefined) p.set('query', typeof r.query === 'string' ? r.query : JSON.stringify(r.query));
  if (r.variables !== undefined) p.set('variables', JSON.stringify(r.variables));
  if (r.operationName !== undefined) p.set('operationName', String(r.operationName));
  if (r.extensions !== undefined) p.set('extensions', JSON.stringify(r.extensions));
  return p.toString();
}

/** Invariants 1, 2 and 4 for one response; the problems found (empty when fine). */
function check(r: Req, res: Res, target: Target = main): string[] {
  const problems: string[] = [];
  const method = r.method ?? 'POST';
  // 1. No 5xx (nor a dropped connection).
  if (res.status >= 500) problems.push(`HTTP ${res.status}`);
  if (res.status === 0) return [res.text];
  // The IDE page (documented): a browser GET without a query.
  if (method === 'GET' && (r.accept ?? '').includes('text/html') && !new URLSearchParams(r.search ?? searchOf(r)).has('query')) {
    if (res.status !== 200 || !res.type.startsWith('text/html')) problems.push(`IDE page expected, got ${res.status} ${res.type}`);
    return problems;
  }
  // 4. GraphQL over HTTP shape, or a documented plain HTTP error.
  if (res.status !== 200 && !PLAIN_HTTP_ERRORS.has(res.status) && res.status < 500) problems.push(`undocumented HTTP status ${res.status}`);
  if (!/^application\/(?:graphql-response\+)?json\b/i.test(res.type)) problems.push(`content type ${JSON.stringify(res.type)}`);
  const body = res.json;
  if (!res.parsed) problems.push('body is not JSON');
  else if (!isRecord(body)) problems.push('body is not a JSON object');
  else {
    const extra = Object.keys(body).filter((k) => k !== 'data' && k !== 'errors' && k !== 'extensions');
    if (extra.length) problems.push(`unexpected top-level keys ${extra.join(', ')}`);
    if (!('data' in body) && !('errors' in body)) problems.push('neither data nor errors');
    if ('data' in body && body.data !== null && !isRecord(body.data)) problems.push('data is neither an object nor null');
    if (res.status !== 200 && !Array.isArray(body.errors)) problems.push(`HTTP ${res.status} without errors`);
    if ('errors' in body) {
      const errors = body.errors;
      if (!Array.isArray(errors) || errors.length === 0) problems.push('errors is not a non-empty list');
      else {
        for (const e of errors) {
          if (!isRecord(e) || typeof e.message !== 'string') {
            problems.push('an error without a message');
            continue;
          }
          const ext = isRecord(e.extensions) ? e.extensions : {};
          const code = ext.code;
          if (typeof code !== 'string') problems.push(`error without extensions.code: ${excerpt(e.message, 200)}`);
          else if (code === 'INTERNAL_SERVER_ERROR') problems.push(`INTERNAL_SERVER_ERROR at ${JSON.stringify(e.path ?? null)}`);
          else if (!KNOWN_CODES.has(code)) problems.push(`undocumented error code ${code}`);
          if ('stacktrace' in ext || 'exception' in ext) problems.push('stack trace in extensions');
        }
      }
    }
  }
  // 1. No driver text or stack traces (unless the client sent that text itself). One
  // exception: graphql-js parses recursively, so a document nested a few thousand levels
  // deep (within MAX_QUERY_TOKENS) overflows the stack while parsing; Apollo reports that
  // as the client error it is (GRAPHQL_PARSE_FAILED, "Maximum call stack size exceeded").
  const m = INTERNAL_TEXT.exec(res.text);
  const only = isRecord(body) && Array.isArray(body.errors) && body.errors.length === 1 && isRecord(body.errors[0]) ? body.errors[0] : null;
  const parseOverflow = !!only && only.message === 'Maximum call stack size exceeded' && isRecord(only.extensions) && only.extensions.code === 'GRAPHQL_PARSE_FAILED';
  if (m && !parseOverflow && !requestText(r).includes(m[0])) problems.push(`internal text in the response: ${JSON.stringify(m[0])}`);
  // 2. No unmasked personal data for masked viewers.
  const tok = target.tokens.get(r.auth)!;
  if (tok.masked && secrets.length) {
    const sent = requestText(r);
    const candidates = secrets.filter((s) => !sent.includes(s.value));
    if (candidates.length) {
      const texts: string[] = [];
      // revealCustomerContact legitimately returns the raw values to a MANAGER (the
      // documented, audited way to call a customer); its payload's name, phone, idNumber,
      // email and birthday are dropped before the check, its `customer` stays checked.
      // Only for roles that may reveal: a reveal payload reaching any other role is a leak.
      const reveals = tok.role === 'MANAGER' && isRecord(body) && isRecord(body.data) ? revealPayloadKeys(r.query) : new Map<string, Set<string> | 'all'>();
      if (reveals.size && isRecord(body) && isRecord(body.data)) {
        const data: Record<string, unknown> = { ...body.data };
        for (const [key, fields] of reveals) {
          const payload = data[key];
          if (!isRecord(payload)) continue;
          if (fields === 'all') data[key] = '<reveal payload>';
          else data[key] = Object.fromEntries(Object.entries(payload).filter(([k]) => !fields.has(k)));
        }
        texts.push(JSON.stringify({ ...body, data }));
      } else {
        texts.push(res.text);
        if (res.parsed) texts.push(JSON.stringify(body));
      }
      for (const s of candidates) if (texts.some((x) => x.includes(s.value))) problems.push(`unmasked ${s.label} for ${r.auth}`);
    }
  }
  return problems;
}

function finding(r: Req, res: Res, problems: string[]): Finding {
  return { label: r.label, auth: r.auth, method: r.method ?? 'POST', problems, request: describeRequest(r), response: `${res.status} ${res.type}\n${excerpt(res.text, 1500)}` };
}

/** Keeps a finding unless a known bug explains it. */
function triage(findings: Finding[], r: Req, res: Res, problems: string[]) {
  if (!problems.length) return;
  const known = KNOWN_BUGS.find((b) => b.matches(r, problems));
  if (known) {
    knownBugHits.set(known.id, (knownBugHits.get(known.id) ?? 0) + 1);
    return;
  }
  findings.push(finding(r, res, problems));
}

/** Sends requests `concurrency` at a time, checking every response. */
async function runAll(reqs: Req[], opts: { concurrency?: number; target?: Target } = {}): Promise<Finding[]> {
  const { concurrency = 8, target = main } = opts;
  const findings: Finding[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < reqs.length) {
        const r = reqs[next++]!;
        const res = await send(r, target);
        triage(findings, r, res, check(r, res, target));
      }
    }),
  );
  return findings;
}

function report(what: string, findings: Finding[]): string {
  if (!findings.length) return '';
  const summary = findings.slice(0, 60).map((f, i) => `#${i + 1} [${f.label}] as ${f.auth} via ${f.method}: ${f.problems.join('; ')}`);
  const shown = findings.slice(0, 8).map((f, i) => `#${i + 1} [${f.label}] as ${f.auth} via ${f.method}: ${f.problems.join('; ')}\nrequest: ${f.request}\nresponse: ${f.response}`);
  return `${what}: ${findings.length} finding(s) with FUZZ_SEED=${SEED} (reproduce: FUZZ_SEED=${SEED} npx vitest run test/integration/fuzz.test.ts)\n${summary.join('\n')}\n\n${shown.join('\n\n')}`;
}

// ---------------------------------------------------------------------------------------
// Value pools
// ---------------------------------------------------------------------------------------

const b64 = (s: string) => Buffer.from(s).toString('base64url');

const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u3000',
  '\t',
  '\r\n',
  'a\u0000b',
  '\u0000',
  '\u0007bell',
  '\u001b[31mred',
  '\u007f',
  '\u0085',
  '\u009f',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '\u202e张三',
  '张\u2066三',
  '\u202a\u202b\u202c\u202d',
  '\u200b\u200d\u3164',
  '\u200e',
  '\u061c王',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '𝕏😀👨‍👩‍👧',
  'e\u0301\u0301\u0301',
  'Z̷̡̛͓̈́a̵l̶g̷o̴',
  "'; drop table customers; --",
  '" or 1=1 --',
  '%',
  '_',
  '\\',
  '%%__\\\\',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  '__proto__',
  'constructor',
  'a'.repeat(51),
  '测'.repeat(101),
  'x'.repeat(4001),
  'y'.repeat(20_000),
];

const BAD_LOCAL_DATES: readonly unknown[] = ['0000-01-01', '0001-01-01', '9999-12-31', '2023-02-29', '2025-13-01', '2025-00-10', 'today', '20240101', '2024-1-1', '', ' 2024-01-01', 20240101, '1899-12-31', '2024-01-01T00:00:00Z'];
const BAD_DATE_TIMES: readonly unknown[] = [
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '1969-12-31T23:59:59Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:00+14:00',
  '2024-01-01T00:00:00.123456789Z',
  new Date(Date.now() + 400 * 86_400_000).toISOString(),
  new Date(Date.now() - 30 * 365 * 86_400_000).toISOString(),
  '2024-01-01',
  'yesterday',
  '',
  1_700_000_000_000,
  '+275760-09-13T00:00:00Z',
];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '诸葛', '上官'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明'];

// ---------------------------------------------------------------------------------------
// Generation from the schema
// ---------------------------------------------------------------------------------------

type Hint = { field: string; owner: string };

const ID_FIELD_TYPES: Record<string, string> = {
  customerId: 'Customer',
  customerIds: 'Customer',
  projectId: 'Project',
  projectIds: 'Project',
  complaintId: 'Complaint',
  complaintIds: 'Complaint',
  unitId: 'Unit',
  ownershipId: 'UnitOwnership',
  regionId: 'Region',
  regionIds: 'Region',
  cityCompanyId: 'CityCompany',
  cityCompanyIds: 'CityCompany',
  alertId: 'SlaAlert',
  handlerId: 'Staff',
  handlerIds: 'Staff',
};

/** A document under construction: variable definitions and values. */
class Doc {
  readonly defs: string[] = [];
  readonly variables: Record<string, unknown> = {};
  private n = 0;
  constructor(
    readonly rng: Rng,
    /** Chance that an argument goes in a variable rather than a literal. */
    readonly varShare: number,
  ) {}
  /** An argument value as text: `$vN` (declared) or a literal. */
  arg(type: GraphQLInputType, value: unknown, hostile: boolean): string {
    if (this.rng.chance(this.varShare)) {
      const name = `v${this.n++}`;
      let typeText = String(type);
      // Hostile: a declaration of the wrong type or nullability (a validation error).
      if (hostile && this.rng.chance(0.05)) typeText = this.rng.pick(['String', 'Int!', '[ID]', 'Boolean', 'Nope', typeText.replace(/!$/, '')]);
      this.defs.push(`$${name}: ${typeText}`);
      if (value !== undefined) this.variables[name] = value;
      return `$${name}`;
    }
    return literal(value, type);
  }
  header(kind: 'query' | 'mutation' | 'subscription', name?: string): string {
    const n = name ? ` ${name}` : '';
    return this.defs.length ? `${kind}${n}(${this.defs.join(', ')})` : kind === 'query' && !name && this.rng.chance(0.5) ? '' : `${kind}${n}`;
  }
}

/** A GraphQL literal for a JSON-ish value; enum names print bare where the type is an enum. */
function literal(value: unknown, type: GraphQLInputType | null): string {
  const inner = type && isNonNullType(type) ? type.ofType : type;
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') {
    if (inner && isEnumType(inner) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) && !['true', 'false', 'null'].includes(value)) return value;
    return JSON.stringify(value);
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const item = inner && isListType(inner) ? (inner.ofType as GraphQLInputType) : null;
    return `[${value.map((v) => literal(v, item)).join(', ')}]`;
  }
  if (isRecord(value)) {
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : 'bad_key'}: ${literal(v, fields[k]?.type ?? null)}`)
      .join(', ')}}`;
  }
  return 'null';
}

/** A valid input for a mutation, built from the set-up data (null for mutations without one). */
function template(name: string, g: Gen): Record<string, unknown> | null {
  const r = g.rng;
  const n = r.digits(6);
  const link = () => r.pick(fx.links);
  const complaintId = () => r.pick(pool.Complaint!);
  const note = () => r.pick(['客户来电补充说明', '已上门查看', 'Called back, no answer.']);
  switch (name) {
    case 'createRegion':
      return { code: `R${n}`, name: `区域${n}` };
    case 'updateRegion':
      return { id: r.pick(pool.Region!), name: `区域${n}` };
    case 'createCityCompany':
      return { code: `C${n}`, name: `城市公司${n}`, city: '深圳', regionId: r.pick(pool.Region!) };
    case 'updateCityCompany':
      return { id: r.pick(pool.CityCompany!), city: r.pick(['深圳', '上海']) };
    case 'createStaff':
      return { login: `fuzz.staff.${n}`, name: g.personName(), role: r.pick(['HANDLER', 'AGENT', 'MANAGER', 'ANALYST']), department: 'ENGINEERING', cityCompanyId: r.pick(pool.CityCompany!) };
    case 'updateStaff':
      return { id: r.pick(pool.Staff!), name: g.personName() };
    case 'createProject':
      return { code: `P${n}`, name: `项目${n}`, city: '深圳', cityCompanyId: r.pick(pool.CityCompany!), stage: r.pick(['SIGNING', 'DELIVERY']) };
    case 'updateProject':
      return { id: r.pick(pool.Project!), name: `项目${n}` };
    case 'createCustomer':
      return { name: g.personName(), phone: g.phone(), projectId: r.pick(pool.Project!) };
    case 'updateCustomer':
      return { id: r.pick(fx.normalCustomers), email: g.email() };
    case 'addUnitOwnership': {
      const l = link();
      return { customerId: l.customerId, projectId: l.projectId, building: `${r.int(1, 30)}栋`, unitNo: '1单元', room: String(r.int(101, 3300)) };
    }
    case 'recordSigning':
      return { ownershipId: r.pick(fx.unsigned) };
    case 'recordDelivery':
      return { ownershipId: r.pick(fx.signed) };
    case 'revealCustomerContact':
      return { customerId: r.pick(pool.Customer!), reason: '交付回访电话核对' };
    case 'createComplaint': {
      const l = link();
      return {
        customerId: l.customerId,
        projectId: l.projectId,
        ...(l.unitId ? { unitId: l.unitId } : {}),
        kind: r.pick(['COMPLAINT', 'REPAIR', 'INQUIRY', 'SUGGESTION']),
        category: r.pick(['ENGINEERING_QUALITY', 'SERVICE_ATTITUDE', 'OTHER']),
        channel: r.pick(['HOTLINE_400', 'WECHAT', 'PHONE']),
        description: '卫生间地面渗水至楼下',
      };
    }
    case 'acceptComplaint':
      return { complaintId: complaintId(), department: r.pick(['ENGINEERING', 'PROPERTY']), handlerId: r.pick(fx.handlers) };
    case 'startComplaintWork':
    case 'closeComplaint':
    case 'resumeComplaintSla':
      return { complaintId: complaintId() };
    case 'resolveComplaint':
      return { complaintId: complaintId(), resolution: '已修复并回访' };
    case 'recordReturnVisit':
      return { complaintId: complaintId(), satisfaction: r.int(1, 5), note: note() };
    case 'rejectComplaint':
      return { complaintId: complaintId(), reason: '非本公司业务范围' };
    case 'escalateComplaint':
      return { complaintId: complaintId(), reason: r.pick(['REPEAT', 'AUTHORITY_OR_MEDIA', 'GROUP_COMPLAINT']) };
    case 'reopenComplaint':
    case 'reportComplaintEscalation':
    case 'pauseComplaintSla':
    case 'addComplaintNote':
      return { complaintId: complaintId(), note: note() };
    case 'acknowledgeSlaAlert':
      return { alertId: pool.SlaAlert?.length ? r.pick(pool.SlaAlert) : 'x' };
    case 'upsertSlaPolicy':
      return { name: `fuzz policy ${r.int(0, 5)}`, match: { kinds: ['SUGGESTION'] }, clocks: [{ clock: 'ACCEPTANCE', target: 'P1D', workingTime: true }] };
    case 'upsertBusinessCalendarYear': {
      const y = r.int(2080, 2099);
      return { year: y, holidays: [{ name: '春节', from: `${y}-02-01`, to: `${y}-02-07` }], workdays: [`${y}-01-28`] };
    }
    default:
      return null;
  }
}

class Gen {
  constructor(
    readonly rng: Rng,
    readonly s: GraphQLSchema,
  ) {}

  // ----- scalars by hint -----

  personName(): string {
    const r = this.rng;
    if (r.chance(0.2)) return r.pick(['Li Wei', 'Anna Müller', 'José Chen', 'O’Brien Zhao', 'Jos\u0065\u0301 Wang']);
    return r.pick(SURNAMES) + r.pick(GIVEN) + (r.chance(0.5) ? r.pick(GIVEN) : '');
  }

  /** Valid phone numbers, never a seeded customer's (those start 139/177 or are 0755 landlines). */
  phone(): string {
    const r = this.rng;
    const mobile = `1${r.pick(['50', '51', '52', '53', '86', '87', '88', '89'])}${r.digits(8)}`;
    return r.pick([mobile, mobile, `+86 ${mobile}`, `${mobile.slice(0, 3)}-${mobile.slice(3, 7)}-${mobile.slice(7)}`, `010-${r.digits(8)}`, `(021) ${r.digits(8)}`, `0571${r.digits(8)}`]);
  }

  badPhone(): string {
    return this.rng.pick(['123', '1'.repeat(50), '+86', '()', '((((((', '139-', '１３９１２３４５６７８', '١٣٩١٢٣٤٥٦٧٨', '13912345678 ', '+8613', '0086', '12012345678', '010-123', '(010)(010)12345678', '+86+86 15012345678']);
  }

  /** Valid ID numbers (birth years 1970–2005, area 110101/310104), never a seeded customer's. */
  idNumber(): string {
    const r = this.rng;
    const first17 = `${r.pick(['110101', '310104'])}${r.int(1970, 2005)}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}${r.digits(3)}`;
    const id = first17 + idCheckChar(first17);
    return r.chance(0.1) ? id.toLowerCase() : id;
  }

  badIdNumber(): string {
    const r = this.rng;
    const first17 = `11010119900307${r.digits(3)}`;
    const wrong = String((Number(idCheckChar(first17) === 'X' ? 10 : idCheckChar(first17)) + 1) % 10);
    return r.pick([first17 + wrong, first17, `01010119900307${r.digits(4)}`, '110101189901011234', '110101209901011237', '11010119900230123X', 'X'.repeat(18), '1'.repeat(200)]);
  }

  email(): string {
    const r = this.rng;
    return r.pick([`fuzz${r.digits(4)}@example.com`, `a.b+c${r.digits(2)}@sub.example.cn`, `测试${r.digits(2)}@例子.中国`]);
  }

  localDate(field: string): string {
    const r = this.rng;
    const year = field === 'birthday' ? r.int(1960, 2005) : r.int(2015, 2030);
    return `${year}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
  }

  badLocalDate(): unknown {
    return this.rng.pick(BAD_LOCAL_DATES);
  }

  dateTime(field: string): string {
    const r = this.rng;
    const now = Date.now();
    const future = field === 'repairAppointmentAt' || (field === 'receivedTo' && r.chance(0.5));
    const offset = r.int(1, 60 * 24 * 20) * 60_000;
    return new Date(future ? now + offset : now - offset).toISOString();
  }

  badDateTime(): unknown {
    return this.rng.pick(BAD_DATE_TIMES);
  }

  /** A global ID of the given type (or '*' for any), from the pools; sometimes of another type. */
  id(type: string): string {
    const r = this.rng;
    const types = Object.keys(pool).filter((k) => pool[k]!.length);
    const want = type === '*' || !pool[type]?.length || r.chance(0.05) ? r.pick(types) : type;
    return r.pick(pool[want]!);
  }

  /** The type behind an ID-valued field, from its name and owner. */
  idTypeOf(hint: Hint): string {
    if (hint.field !== 'id') return ID_FIELD_TYPES[hint.field] ?? '*';
    const update = /^Update(\w+)Input$/.exec(hint.owner)?.[1];
    return update ?? ({ customer: 'Customer', project: 'Project', complaint: 'Complaint' } as Record<string, string>)[hint.owner] ?? '*';
  }

  badId(): unknown {
    const r = this.rng;
    return r.pick<unknown>([
      '',
      ' ',
      '1',
      '0',
      '-1',
      'null',
      'Customer:1',
      b64('Customer:0'),
      b64('Customer:-1'),
      b64('Customer:01'),
      b64('Customer:1.5'),
      b64('Customer:1e3'),
      b64('Customer: 1'),
      b64('Customer:1\n'),
      b64('Customer:99999999999999999999'),
      b64('Customer:9007199254740993'),
      b64('Customer:9007199254740991'),
      b64('customer:1'),
      b64('Nope:1'),
      b64(':1'),
      b64('Staff:'),
      b64(`Staff:${'x'.repeat(201)}`),
      b64('Staff:\u0000'),
      b64('Staff:nobody.here'),
      `${b64('Customer:1')}==`,
      `${b64('Customer:1')}=`,
      Buffer.from('Customer:1').toString('base64').replace(/=+$/, '') + '+/',
      'x'.repeat(65),
      'x'.repeat(5000),
      '😀',
      '\u202e',
      "' or 1=1 --",
      toGlobalId('Customer', 2 ** 53 - 1),
      toGlobalId('Project', 999_999),
      toStaffGlobalId('ghost.user'),
      123,
      1.5,
      { id: 1 },
      [pool.Customer?.[0] ?? 'x'],
    ]);
  }

  cursor(): string {
    return cursors.length && this.rng.chance(0.9) ? this.rng.pick(cursors) : 'x';
  }

  badCursor(): unknown {
    const r = this.rng;
    const real = cursors.length ? r.pick(cursors) : 'AAAA';
    const flipped = Buffer.from(real, 'base64url');
    if (flipped.length) {
      const at = r.int(0, flipped.length - 1);
      flipped[at] = flipped[at]! ^ (1 << r.int(0, 7));
    }
    return r.pick<unknown>([flipped.toString('base64url'), real.slice(0, -1), `${real}A`, real.toUpperCase(), '', 'null', 'x'.repeat(29), b64('["NAME","a",1]'), 'A'.repeat(4098), b64('x'.repeat(30)), '!!!', 123]);
  }

  /** A valid-looking string for a field, by its name. */
  text(field: string, owner: string): unknown {
    const r = this.rng;
    switch (field) {
      case 'name':
        if (/Customer|Staff/.test(owner)) return this.personName();
        if (owner === 'HolidayInput') return r.pick(['春节', '国庆节', 'Fuzz Day']);
        return `${r.pick(['华南', '华东', '测试', 'Fuzz'])}${r.pick(['区域', '公司', '项目', '策略'])}${r.digits(4)}`;
      case 'phone':
        return this.phone();
      case 'idNumber':
        return this.idNumber();
      case 'email':
        return this.email();
      case 'search':
        return r.pick(['王', '张伟', '1', '138', this.phone(), 'TS-', '项目', 'Fuzz', '%', '_', '\\', ' ', '测'.repeat(100), 'a'.repeat(100)]);
      case 'code':
        return `F${r.digits(6)}`;
      case 'login':
        return `fuzz.${r.digits(6)}`;
      case 'target':
        return r.pick(['P1D', 'PT24H', 'PT10M', 'P1W2D', 'PT0.5S', 'PT1.5H', 'P366D']);
      case 'idempotencyKey':
        return `fuzz-key-${r.int(0, 40)}`;
      case 'after':
      case 'before':
        return this.cursor();
      case 'attachments':
        return r.pick(['https://files.example.com/a.jpg', 'http://x.example/b.png?c=1']);
      case 'from':
      case 'to':
      case 'workdays':
        return this.localDate(field);
      case 'actions':
        return r.pick(['createCustomer', 'revealCustomerContact', 'updateCustomer', 'acceptComplaint']);
      case 'actorIds':
        return r.pick(['test-admin', 'fuzz-agent', 'fuzz-manager']);
      case 'cities':
      case 'city':
        return r.pick(['深圳', '上海', 'Beijing', '广州']);
      default:
        if (ID_FIELD_TYPES[field] || field === 'subjectIds' || field.endsWith('Ids')) return this.id(ID_FIELD_TYPES[field] ?? '*');
        return r.pick(['卫生间地面渗水至楼下', '已联系客户，约定上门时间', 'Customer called twice about the leak.', '说明', 'ok', '多行\n文本\r\n', 'tab\there', 'emoji 😀', 'e\u0301', '  padded  ', '1栋', '2单元', '1201']);
    }
  }

  /** A wrong string for a field: hostile text, or a near miss of its format. */
  badText(field: string): unknown {
    const r = this.rng;
    if (r.chance(0.5)) return r.pick(HOSTILE_STRINGS);
    switch (field) {
      case 'phone':
        return this.badPhone();
      case 'idNumber':
        return this.badIdNumber();
      case 'email':
        return r.pick(['a@', '@b', `${'a'.repeat(300)}@x.com`, 'a@b@c', 'plain']);
      case 'search':
        return r.pick(['测'.repeat(101), 'a'.repeat(1000), '%%%', '\\%']);
      case 'code':
        return r.pick(['a b', 'x'.repeat(33), '中文', '-', '', 'sz']);
      case 'login':
        return r.pick(['a b', 'x'.repeat(101), '中文', '', 'test-admin', 'TEST-ADMIN', 'fuzz.handler', 'FUZZ.HANDLER']);
      case 'target':
        return r.pick(['P0D', 'P367D', 'PT9999999999H', 'P1Y', 'P1M', '-P1D', 'PT', 'P', 'P1DT', 'p1d', 'P1D2W', 'PT1H1H', 'P1,5D', 'PT0.0001S', 'x']);
      case 'idempotencyKey':
        return r.pick(['', 'with space', 'k'.repeat(201), '键']);
      case 'after':
      case 'before':
        return this.badCursor();
      case 'attachments':
        return r.pick(['javascript:alert(1)', 'ftp://x/y', `https://x.example/${'a'.repeat(1000)}`, 'not a url', 'data:text/html,<b>x</b>', 'http://']);
      case 'from':
      case 'to':
      case 'workdays':
        return this.badLocalDate();
      default:
        if (ID_FIELD_TYPES[field] || field.endsWith('Ids')) return this.badId();
        return r.pick(HOSTILE_STRINGS);
    }
  }

  int(field: string): number {
    const r = this.rng;
    switch (field) {
      case 'first':
      case 'last':
        return r.pick([0, 1, 2, 3, 5, 20, 200]);
      case 'satisfaction':
        return r.int(1, 5);
      case 'year':
        return r.pick([2024, 2025, 2026, 2027, 2000, 2100]);
      case 'priority':
        return r.pick([0, 1, 10, -1000, 1000]);
      case 'totalUnits':
        return r.pick([0, 100, 1_000_000]);
      case 'years':
        return r.pick([1, 2, 5, 100]);
      default:
        return r.int(0, 100);
    }
  }

  badInt(field: string): unknown {
    const r = this.rng;
    const near = ({ first: [201, -1], last: [201, -1], satisfaction: [0, 6, -1], year: [1999, 2101, 0, -5], priority: [1001, -1001], totalUnits: [-1, 1_000_001], years: [0, 101] } as Record<string, number[]>)[field] ?? [];
    return r.pick<unknown>([...near, ...near, -1, 2147483647, -2147483648, 2147483648, -2147483649, 2 ** 53, 1.5, 1e308, -0, '1', '0x10', true]);
  }

  /** A valid-looking scalar for a field. */
  scalar(name: string, hint: Hint): unknown {
    const r = this.rng;
    switch (name) {
      case 'ID':
        return this.id(this.idTypeOf(hint));
      case 'String':
        return this.text(hint.field, hint.owner);
      case 'Int':
        return this.int(hint.field);
      case 'Float':
        return r.pick([0.5, 0.8, 0.9, 0.25]);
      case 'Boolean':
        return r.chance(0.5);
      case 'DateTime':
        return this.dateTime(hint.field);
      case 'LocalDate':
        return this.localDate(hint.field);
      default:
        return {};
    }
  }

  /** A wrong value for a scalar or enum: near misses of its format, or another type altogether. */
  badScalar(type: GraphQLNamedType, hint: Hint): unknown {
    const r = this.rng;
    // Wrong types for any argument or variable: numbers for strings, objects for ids, ...
    if (r.chance(0.15)) return r.pick<unknown>([123, -1, 1.5, 2 ** 53, 1e308, true, {}, { a: 1 }, [], ['x'], 'str', '']);
    if (isEnumType(type)) return r.pick<unknown>(['UNKNOWN_VALUE', 'admin', '', 'ADMIN ', 'null', 0, type.getValues()[0]!.name.toLowerCase()]);
    switch (type.name) {
      case 'ID':
        return this.badId();
      case 'String':
        return this.badText(hint.field);
      case 'Int':
        return this.badInt(hint.field);
      case 'Float':
        return r.pick<unknown>([0, 1, -0.1, 1.1, 1e308, 5e-324, 'x', 2 ** 53]);
      case 'Boolean':
        return r.pick<unknown>(['true', 0, 1, 'yes']);
      case 'DateTime':
        return this.badDateTime();
      case 'LocalDate':
        return this.badLocalDate();
      default:
        return r.pick<unknown>(['x', 1, [], { a: { b: [1, 'x', null] } }]);
    }
  }

  /** A valid-looking value of an input type (optional fields sometimes left out or null). */
  value(type: GraphQLInputType, hint: Hint, depth = 0): unknown {
    const r = this.rng;
    if (isNonNullType(type)) return this.value(type.ofType, hint, depth);
    if (r.chance(0.03)) return null;
    if (isListType(type)) {
      const item = type.ofType as GraphQLInputType;
      return Array.from({ length: r.pick([0, 1, 1, 2, 3]) }, () => this.value(item, hint, depth + 1));
    }
    if (isEnumType(type)) return r.pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      if (depth > 6) return null;
      const out: Record<string, unknown> = {};
      for (const f of Object.values(type.getFields())) {
        const required = isNonNullType(f.type) && f.defaultValue === undefined;
        if (required || r.chance(0.5)) out[f.name] = this.value(f.type, { field: f.name, owner: type.name }, depth + 1);
      }
      return out;
    }
    return this.scalar(type.name, hint);
  }

  /**
   * Corrupts one node of a valid value (the root included): a wrong scalar, a null (also for
   * non-null), a missing required field, an unknown field, a huge or nested list, or a
   * single value where a list belongs. Returns the new root.
   */
  corrupt(root: unknown, rootType: GraphQLInputType, rootHint: Hint): unknown {
    const r = this.rng;
    type Slot = { type: GraphQLInputType; hint: Hint; value: unknown; set: (v: unknown) => void; remove?: () => void };
    const slots: Slot[] = [];
    let out = root;
    const walk = (value: unknown, type: GraphQLInputType, hint: Hint, set: (v: unknown) => void, remove?: () => void) => {
      slots.push({ type, hint, value, set, remove });
      const inner = isNonNullType(type) ? type.ofType : type;
      if (isListType(inner) && Array.isArray(value)) {
        value.forEach((v, i) => walk(v, inner.ofType as GraphQLInputType, hint, (x) => (value[i] = x)));
      } else if (isInputObjectType(inner) && isRecord(value)) {
        const fields = inner.getFields();
        for (const [k, v] of Object.entries(value)) {
          const f = fields[k];
          if (f) walk(v, f.type, { field: k, owner: inner.name }, (x) => (value[k] = x), () => delete value[k]);
        }
      }
    };
    walk(root, rootType, rootHint, (x) => (out = x));
    const slot = r.pick(slots);
    const inner = isNonNullType(slot.type) ? slot.type.ofType : slot.type;
    const action = r.int(0, 9);
    if (action === 0) slot.set(null);
    else if (action === 1 && slot.remove) slot.remove();
    else if (action === 2 && isInputObjectType(inner) && isRecord(slot.value)) slot.value[r.pick(['bogus', '__proto__', 'constructor', 'ID', 'name_'])] = r.pick<unknown>([1, 'x', { a: 1 }, null]);
    else if (action === 3 && isListType(inner)) {
      const item = inner.ofType as GraphQLInputType;
      slot.set(r.pick([() => this.value(item, slot.hint), () => [[this.value(item, slot.hint)]], () => Array.from({ length: r.int(50, 400) }, () => this.value(item, slot.hint))])());
    } else {
      const named = getNamedType(slot.type);
      slot.set(isInputObjectType(named) ? r.pick<unknown>(['x', 1, [], true]) : this.badScalar(named, slot.hint));
    }
    return out;
  }

  /** A valid-looking value, corrupted at one or two nodes when `hostile`. */
  input(type: GraphQLInputType, hint: Hint, hostile: boolean): unknown {
    let v = this.value(type, hint);
    if (hostile) for (let i = this.rng.chance(0.2) ? 2 : 1; i > 0; i--) v = this.corrupt(v, type, hint);
    return v;
  }

  // ----- output selections -----

  /** `name(args) { selection }` with optional alias; args of nested fields stay small. */
  field(f: GraphQLField<unknown, unknown>, doc: Doc, depth: number, hostile: boolean): string {
    const r = this.rng;
    const alias = r.chance(0.08) ? `a${r.int(0, 999)}: ` : '';
    const args = this.args(f.args, f.name, doc, hostile, true);
    const sel = this.selection(f.type, doc, depth, hostile);
    return `${alias}${f.name}${args}${sel ? ` ${sel}` : ''}`;
  }

  args(args: readonly GraphQLArgument[], owner: string, doc: Doc, hostile: boolean, nested: boolean): string {
    const r = this.rng;
    const chosen: [GraphQLArgument, unknown][] = [];
    for (const a of args) {
      if (!isNonNullType(a.type) && !r.chance(nested ? 0.35 : 0.6)) continue;
      chosen.push([a, nested && (a.name === 'first' || a.name === 'last') ? r.pick([1, 2, 3]) : this.value(a.type, { field: a.name, owner })]);
    }
    // Hostile: one argument goes wrong (always at the root, rarely in nested fields).
    if (hostile && args.length && (!nested || r.chance(0.1))) {
      const a = r.pick(args);
      const at = chosen.findIndex(([x]) => x === a);
      const hint = { field: a.name, owner };
      const bad = this.corrupt(at >= 0 ? chosen[at]![1] : this.value(a.type, hint), a.type, hint);
      if (at >= 0) chosen[at] = [a, bad];
      else chosen.push([a, bad]);
    }
    const parts = chosen.map(([a, v]) => `${a.name}: ${doc.arg(a.type, v, hostile)}`);
    if (hostile && r.chance(0.03)) parts.push(r.pick(['bogus: 1', 'first: "x"', 'filter: 5', 'first: 1, first: 2']));
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  selection(type: GraphQLOutputType, doc: Doc, depth: number, hostile: boolean): string {
    const r = this.rng;
    const named: GraphQLNamedType = getNamedType(type);
    if (isLeafType(named)) return hostile && r.chance(0.02) ? '{ id }' : '';
    if (isInterfaceType(named) || isUnionType(named)) {
      const parts = isInterfaceType(named) ? ['id', '__typename'] : ['__typename'];
      for (const pt of r.sample(this.s.getPossibleTypes(named), r.int(1, 3))) parts.push(`... on ${pt.name} ${this.object(pt, doc, depth, hostile)}`);
      return `{ ${parts.join(' ')} }`;
    }
    return this.object(named as GraphQLObjectType, doc, depth, hostile);
  }

  object(obj: GraphQLObjectType, doc: Doc, depth: number, hostile: boolean): string {
    const r = this.rng;
    const fields = Object.values(obj.getFields());
    const leaves = fields.filter((f) => isLeafType(getNamedType(f.type)));
    const nested = fields.filter((f) => !isLeafType(getNamedType(f.type)));
    const chosen: string[] = [];
    if (obj.name === 'Customer' || obj.name === 'RevealCustomerContactPayload') {
      if (r.chance(0.85)) chosen.push(...MASKED_FIELDS);
    }
    for (const f of r.sample(leaves, r.int(1, Math.min(5, leaves.length)))) chosen.push(this.field(f, doc, depth, hostile));
    if (depth > 0 || !leaves.length) {
      const want = obj.name.endsWith('Connection') || obj.name.endsWith('Edge') || obj.name.endsWith('Payload') ? r.int(1, 2) : r.int(0, 2);
      for (const f of r.sample(nested, Math.min(want, nested.length))) chosen.push(this.field(f, doc, Math.max(depth - 1, 0), hostile));
    }
    if (hostile && r.chance(0.03)) chosen.push(r.pick(['nope', 'id(x: 1)', '__typename @skip(if: true) @skip(if: true)', 'id @foo']));
    if (!chosen.length) chosen.push('__typename');
    return `{ ${chosen.join(' ')} }`;
  }

  // ----- operations -----

  auth(kinds: readonly string[]): string {
    return this.rng.pick(kinds);
  }

  query(auths: readonly string[]): Req {
    const r = this.rng;
    const hostile = r.chance(0.4);
    const doc = new Doc(r, 0.5);
    // Now and then a subscription: over HTTP it must be refused cleanly (they run over WebSocket).
    const st = this.s.getSubscriptionType();
    const kind: 'query' | 'subscription' = st && r.chance(0.04) ? 'subscription' : 'query';
    const roots = Object.values((kind === 'subscription' ? st : this.s.getQueryType())!.getFields());
    const n = kind === 'query' && r.chance(0.15) ? r.int(2, 4) : 1;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = r.pick(roots);
      const alias = n > 1 ? `q${i}: ` : r.chance(0.05) ? 'x: ' : '';
      const args = this.args(f.args, f.name, doc, hostile, false);
      const sel = this.selection(f.type, doc, r.chance(0.1) ? r.int(4, 8) : r.int(1, 3), hostile);
      parts.push(`${alias}${f.name}${args}${sel ? ` ${sel}` : ''}`);
    }
    const query = `${doc.header(kind)} { ${parts.join(' ')} }`;
    const method = query.length + JSON.stringify(doc.variables).length < 3000 && r.chance(0.2) ? 'GET' : 'POST';
    return {
      label: `${kind} ${parts.map((p) => /^(?:\w+: )?(\w+)/.exec(p)?.[1]).join('+')}${hostile ? ' (hostile)' : ''}`,
      auth: this.auth(auths),
      method,
      query,
      variables: Object.keys(doc.variables).length || r.chance(0.5) ? doc.variables : undefined,
      accept: r.pick([undefined, 'application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', '*/*']),
    };
  }

  /**
   * An `input` for a mutation: from a known-valid template (which reaches the business
   * rules) or generated from the schema; corrupted when `hostile`. The seeded customers'
   * personal data is left alone (invariant 2 looks for it).
   */
  mutationInput(f: GraphQLField<unknown, unknown>, hostile: boolean, templateShare = 0.6): unknown {
    const arg = f.args.find((a) => a.name === 'input');
    if (!arg) return undefined;
    const hint = { field: 'input', owner: f.name };
    let v = (this.rng.chance(templateShare) ? template(f.name, this) : null) ?? this.value(arg.type, hint);
    if (hostile) for (let i = this.rng.chance(0.2) ? 2 : 1; i > 0; i--) v = this.corrupt(v, arg.type, hint);
    if (f.name === 'updateCustomer' && isRecord(v) && typeof v.id === 'string' && secretCustomerIds.has(v.id)) {
      for (const k of MASKED_FIELDS) delete v[k];
    }
    return v;
  }

  mutation(auths: readonly string[], opts: { maxRoots?: number; only?: string[] } = {}): Req {
    const r = this.rng;
    const hostile = r.chance(0.45);
    const doc = new Doc(r, 0.75);
    const mt = this.s.getMutationType()!;
    const all = Object.values(mt.getFields()).filter((f) => !opts.only || opts.only.includes(f.name));
    const n = (opts.maxRoots ?? 3) > 1 && r.chance(0.12) ? r.int(2, opts.maxRoots ?? 3) : 1;
    const parts: string[] = [];
    const rootKeys: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = r.pick(all);
      const key = n > 1 || r.chance(0.05) ? `m${i}` : f.name;
      const input = this.mutationInput(f, hostile);
      const argType = f.args.find((a) => a.name === 'input')?.type;
      const args = argType ? `(input: ${doc.arg(argType, input, hostile)})` : '';
      const sel = this.selection(f.type, doc, r.int(1, 3), hostile);
      parts.push(`${key === f.name ? '' : `${key}: `}${f.name}${args}${sel ? ` ${sel}` : ''}`);
      rootKeys.push(key);
    }
    return {
      label: `mutation ${parts.map((p) => /^(?:\w+: )?(\w+)/.exec(p)?.[1]).join('+')}${hostile ? ' (hostile)' : ''}`,
      auth: this.auth(auths),
      query: `${doc.header('mutation')} { ${parts.join(' ')} }`,
      variables: doc.variables,
      rootKeys,
      accept: r.pick([undefined, 'application/json', 'application/graphql-response+json']),
    };
  }
}

// ---------------------------------------------------------------------------------------
// Set-up: an organisation, projects, seeded customers with known personal data, units,
// staff, complaints in several states, SLA alerts, cursors and tokens for every role.
// ---------------------------------------------------------------------------------------

const ADMIN_Q = async (query: string, variables: Record<string, unknown> = {}) => {
  const r = await t.gql(query, variables, 'ADMIN');
  if (r.errors?.length || !r.data) throw new Error(`set-up failed: ${JSON.stringify(r.errors)} for ${query.slice(0, 80)}`);
  return r.data as Record<string, any>;
};

const CREATE_CUSTOMER = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`;

/** Roles in rotation for generated operations (scoped variants and broken tokens included). */
const ALL_AUTHS = [
  'ADMIN',
  'ADMIN',
  'MANAGER',
  'MANAGER',
  'MANAGER_SCOPED',
  'AGENT',
  'AGENT',
  'AGENT_SCOPED',
  'HANDLER',
  'HANDLER_NODEPT',
  'ANALYST',
  'ANALYST_SCOPED',
  'SUBSCRIBER',
  'ANON',
  'BAD_TOKEN',
  'EXPIRED',
] as const;

beforeAll(async () => {
  t = await startTestApp({
    // Budgets off so they do not mask bugs; the SLA scheduler off so that nothing but the
    // fuzzed requests writes (its ticks would move the refused-write fingerprint). Alerts
    // are fired once below with an explicit tick.
    env: { PERSONAL_LOOKUPS_PER_MINUTE: '1000000', RATE_LIMIT_PER_MINUTE: '0', SLA_SCHEDULER: 'off' },
  });
  main = { app: t, tokens };
  schema = await getSchema();

  const org = await seedOrg(t);
  const pA = (await createProject(t, org.szId, { stage: 'DELIVERY' })).id;
  const pB = (await createProject(t, org.szId)).id;
  const pC = (await createProject(t, org.shId, { stage: 'WARRANTY' })).id;

  // Customers with known personal data (valid phone, ID number, email, birthday).
  const idOf = (first17: string) => first17 + idCheckChar(first17);
  const seeded = [
    { name: '欧阳震华', phone: '13957312468', idNumber: idOf('44030519530227461'), email: 'ouyang.zhenhua@pii-secret.example', birthday: '1953-02-27', projectId: pA },
    { name: 'Quentin Zabriskie', phone: '17785201937', idNumber: idOf('51010719481103282'), email: 'quentin.zabriskie@pii-secret.example', birthday: '1948-11-03', projectId: pA },
    { name: '慕容秋雪', phone: '0755-83927164', idNumber: idOf('33010619560812574'), email: 'murong.qiuxue@pii-secret.example', birthday: '1956-08-12', projectId: pA, confidentiality: 'SECRET' },
    { name: '司马光明', phone: '13978065213', idNumber: idOf('61010319510430193'), email: 'sima.guangming@pii-secret.example', birthday: '1951-04-30', projectId: pC },
  ];
  const customers: string[] = [];
  for (const c of seeded) {
    const d = await ADMIN_Q(CREATE_CUSTOMER, { input: { ...c, gender: 'FEMALE', memberNo: 'M-secret' } });
    const id = d.createCustomer.customer.id as string;
    customers.push(id);
    secretCustomerIds.add(id);
    const phoneDigits = c.phone.replace('-', '');
    secrets.push(
      { label: `name of ${c.name}`, value: c.name },
      { label: `phone of ${c.name}`, value: c.phone },
      { label: `phone digits of ${c.name}`, value: phoneDigits.slice(3, -4) + phoneDigits.slice(-4) },
      { label: `ID number of ${c.name}`, value: c.idNumber },
      { label: `hidden ID digits of ${c.name}`, value: c.idNumber.slice(3, 14) },
      { label: `email of ${c.name}`, value: c.email },
      { label: `email user of ${c.name}`, value: c.email.split('@')[0]! },
      { label: `birthday of ${c.name}`, value: c.birthday },
      { label: `birthday digits of ${c.name}`, value: c.birthday.replaceAll('-', '') },
    );
  }
  for (let i = 0; i < 6; i++) {
    const d = await ADMIN_Q(CREATE_CUSTOMER, { input: { name: `${SURNAMES[i]}${GIVEN[i]}${GIVEN[i + 1]}`, phone: `1580000${String(1000 + i)}`, projectId: i % 2 ? pC : pB } });
    customers.push(d.createCustomer.customer.id);
  }
  const ownerships = [];
  for (const [i, cid] of customers.entries()) {
    const project = i === 3 || i % 2 === 1 ? pC : pA;
    if (i === 2 || i >= 7) continue;
    ownerships.push({ ...(await addUnit(t, cid, project)), customerId: cid, projectId: project });
  }
  const SIGN = `mutation($input: RecordSigningInput!) { recordSigning(input: $input) { ownership { id } } }`;
  const DELIVER = `mutation($input: RecordDeliveryInput!) { recordDelivery(input: $input) { ownership { id } } }`;
  for (const o of ownerships.slice(0, 3)) await ADMIN_Q(SIGN, { input: { ownershipId: o.id, signedAt: new Date(Date.now() - 400 * 86_400_000).toISOString() } });
  await ADMIN_Q(DELIVER, { input: { ownershipId: ownerships[0]!.id, deliveredAt: new Date(Date.now() - 200 * 86_400_000).toISOString() } });

  const handler = await createStaff(t, { login: 'fuzz.handler', cityCompanyId: org.szId });
  const property = await createStaff(t, { login: 'fuzz.property', department: 'PROPERTY' });
  const inactive = await createStaff(t, { login: 'fuzz.inactive', active: false });
  const agentStaff = await createStaff(t, { login: 'fuzz-agent', role: 'AGENT', department: null, cityCompanyId: org.szId });

  // Complaints received days ago (their clocks are breached) in several states.
  const CREATE_COMPLAINT = `mutation($input: CreateComplaintInput!) { createComplaint(input: $input) { complaint { id } } }`;
  const complaints: string[] = [];
  const specs = [
    { c: 0, o: 0, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', defectLocation: 'WATERPROOFING' },
    { c: 1, kind: 'COMPLAINT', category: 'SERVICE_ATTITUDE' },
    { c: 2, kind: 'COMPLAINT', category: 'SALES_PROMISE', severity: 'MAJOR', majorReason: 'REFUND_DEMAND' },
    { c: 3, kind: 'REPAIR', category: 'ENGINEERING_QUALITY' },
    { c: 4, kind: 'INQUIRY', category: 'OTHER' },
    { c: 5, kind: 'COMPLAINT', category: 'PROPERTY_MANAGEMENT' },
    { c: 0, kind: 'SUGGESTION', category: 'DESIGN' },
  ];
  for (const [i, s] of specs.entries()) {
    const cid = customers[s.c]!;
    const projectId = s.c === 3 || s.c === 5 ? pC : s.c === 4 ? pB : pA;
    const d = await ADMIN_Q(CREATE_COMPLAINT, {
      input: {
        customerId: cid,
        projectId,
        unitId: s.o === 0 ? ownerships[0]!.unit.id : undefined,
        kind: s.kind,
        category: s.category,
        defectLocation: s.defectLocation,
        severity: s.severity,
        majorReason: s.majorReason,
        channel: 'HOTLINE_400',
        description: `设置投诉 ${i}`,
        receivedAt: new Date(Date.now() - (3 + i) * 86_400_000).toISOString(),
      },
    });
    complaints.push(d.createComplaint.complaint.id);
  }
  const step = (name: string, input: Record<string, unknown>) => {
    const type = name.charAt(0).toUpperCase() + name.slice(1) + 'Input';
    return ADMIN_Q(`mutation($input: ${type}!) { ${name}(input: $input) { complaint { id } } }`, { input });
  };
  await step('acceptComplaint', { complaintId: complaints[0], department: 'ENGINEERING', handlerId: handler.id });
  await step('acceptComplaint', { complaintId: complaints[1], department: 'PROPERTY', handlerId: property.id });
  await step('startComplaintWork', { complaintId: complaints[1] });
  await step('acceptComplaint', { complaintId: complaints[3], department: 'ENGINEERING' });
  await step('startComplaintWork', { complaintId: complaints[3] });
  await step('resolveComplaint', { complaintId: complaints[3], resolution: '已修复' });
  await step('rejectComplaint', { complaintId: complaints[4], reason: '非本公司业务' });
  await step('pauseComplaintSla', { complaintId: complaints[5], note: '等待客户回复' });
  await step('addComplaintNote', { complaintId: complaints[6], note: '客户来电补充' });
  await t.app.scheduler.tick();

  // Pools of IDs and cursors, as ADMIN and as a masked AGENT.
  const lists = await ADMIN_Q(`{
    slaPolicies { id }
    auditLog(first: 20) { edges { cursor node { id } } }
    slaAlerts(first: 50) { edges { cursor node { id } } }
    regions(first: 20) { edges { cursor node { id } } }
    cityCompanies(first: 20) { edges { cursor node { id } } }
    staff(first: 20, orderBy: { field: LOGIN }) { edges { cursor node { id } } }
    projects(first: 20, orderBy: { field: CODE }) { edges { cursor } }
    customers(first: 20) { edges { cursor } }
    complaints(first: 20, orderBy: { field: DUE_AT }) { edges { cursor } }
  }`);
  const edges = (c: { edges: { cursor: string; node?: { id: string } }[] }) => c.edges;
  for (const k of ['auditLog', 'slaAlerts', 'regions', 'cityCompanies', 'staff', 'projects', 'customers', 'complaints']) {
    for (const e of edges(lists[k])) cursors.push(e.cursor);
  }
  const masked = await t.gql(`{ customers(first: 5) { edges { cursor } } complaints(first: 5) { pageInfo { endCursor startCursor } } }`, {}, 'AGENT');
  for (const e of masked.data?.customers?.edges ?? []) cursors.push(e.cursor);
  if (masked.data?.complaints?.pageInfo?.endCursor) cursors.push(masked.data.complaints.pageInfo.endCursor);

  fx.links = [
    ...customers.map((c, i) => ({ customerId: c, projectId: i < 3 ? pA : i === 3 ? pC : (i - 4) % 2 ? pC : pB })),
    ...ownerships.map((o) => ({ customerId: o.customerId, projectId: o.projectId, unitId: o.unit.id })),
  ];
  fx.unsigned = ownerships.slice(3).map((o) => o.id);
  fx.signed = ownerships.slice(1, 3).map((o) => o.id);
  fx.handlers = [handler.id, property.id, inactive.id];
  fx.normalCustomers = customers.filter((c) => !secretCustomerIds.has(c));
  pool.Region = [org.southId, org.eastId];
  pool.CityCompany = [org.szId, org.shId];
  pool.Project = [pA, pB, pC];
  pool.Customer = customers;
  pool.Unit = ownerships.map((o) => o.unit.id);
  pool.UnitOwnership = ownerships.map((o) => o.id);
  pool.Complaint = complaints;
  pool.SlaPolicy = lists.slaPolicies.map((p: { id: string }) => p.id);
  pool.SlaAlert = edges(lists.slaAlerts).map((e) => e.node!.id);
  pool.AuditEntry = edges(lists.auditLog).slice(0, 5).map((e) => e.node!.id);
  pool.Staff = [handler.id, property.id, inactive.id, agentStaff.id, toStaffGlobalId('test-admin'), toStaffGlobalId('fuzz-manager')];

  // Tokens for every role, scoped variants and broken ones.
  const sign = (role: Role, o: Parameters<TestApp['token']>[1] = {}) => t.token(role, { sub: `fuzz-${role.toLowerCase()}`, ...o });
  const add = async (name: string, role: Role | null, token: Promise<string> | string | null) => tokens.set(name, { token: await token, masked: role !== 'ADMIN', role });
  for (const role of ['ADMIN', 'MANAGER', 'AGENT', 'ANALYST', 'SUBSCRIBER'] as const) await add(role, role, sign(role));
  await add('HANDLER', 'HANDLER', sign('HANDLER', { department: 'ENGINEERING' }));
  await add('HANDLER_NODEPT', 'HANDLER', sign('HANDLER', { sub: 'fuzz-handler-nodept' }));
  await add('MANAGER_SCOPED', 'MANAGER', sign('MANAGER', { sub: 'fuzz-manager-sz', scope: [org.szId] }));
  await add('AGENT_SCOPED', 'AGENT', sign('AGENT', { sub: 'fuzz-agent-pa', scope: [pA] }));
  await add('ANALYST_SCOPED', 'ANALYST', sign('ANALYST', { sub: 'fuzz-analyst-south', scope: [org.eastId, pB] }));
  await add('ANON', null, null);
  await add('BAD_TOKEN', null, 'not.a.token');
  const secret = new TextEncoder().encode(t.config.jwtSecret);
  const now = Math.floor(Date.now() / 1000);
  await add(
    'EXPIRED',
    null,
    new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(t.config.jwtIssuer).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(secret),
  );
}, 120_000);

afterAll(async () => {
  const known = [...knownBugHits].map(([id, n]) => `${id}: ${n}`).join(', ');
  console.log(`fuzz: ${requestsSent} requests with FUZZ_SEED=${SEED}${known ? `; known bugs hit: ${known}` : ''}`);
  await t?.close();
});

// ---------------------------------------------------------------------------------------
// Refused writes: a fingerprint of every table the API writes
// ---------------------------------------------------------------------------------------

/** Tables written by the API (lookup_budgets is left out: refused lookups spend it by design). */
const FINGERPRINT_TABLES = [
  'regions',
  'city_companies',
  'projects',
  'staff',
  'customers',
  'units',
  'unit_ownerships',
  'complaints',
  'complaint_events',
  'complaint_number_counters',
  'sla_policies',
  'sla_clocks',
  'sla_alerts',
  'business_calendar_years',
  'business_calendar_days',
  'audit_log',
  'domain_events',
  'idempotency_keys',
] as const;

/**
 * Columns maintained in the background, left out of the fingerprint: the event sequencer
 * stamps `seq` on committed domain events asynchronously (a refused write may be answered
 * while it stamps an earlier, accepted one).
 */
const BACKGROUND_COLUMNS: Partial<Record<(typeof FINGERPRINT_TABLES)[number], string[]>> = { domain_events: ['seq'] };

const FINGERPRINT_SQL = sql.raw(
  `select ${FINGERPRINT_TABLES.map((name) => {
    const row = `(to_jsonb(x)${(BACKGROUND_COLUMNS[name] ?? []).map((c) => ` - '${c}'`).join('')})::text`;
    return `(select count(*) || ':' || coalesce(md5(string_agg(${row}, '|' order by ${row})), '-') from ${name} x) as "${name}"`;
  }).join(', ')}`,
);

/** Row count and a hash of every row of each table, through the test's own connection. */
async function fingerprint(): Promise<Record<string, string>> {
  const result = (await t.database.db.execute(FINGERPRINT_SQL)) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, String(v)]));
}

/**
 * Whether every root field of a generated mutation was refused: no data at all (a request
 * error: nothing ran), or an error on each root field itself (path of length 1; an error
 * deeper in the payload means the write went through).
 */
function refusedEntirely(r: Req, res: Res): boolean {
  const body = res.json;
  if (!isRecord(body) || !('data' in body)) return true;
  const errors = Array.isArray(body.errors) ? body.errors : [];
  const refusedKeys = new Set(errors.filter((e) => isRecord(e) && Array.isArray(e.path) && e.path.length === 1).map((e) => String((e as { path: unknown[] }).path[0])));
  return (r.rootKeys ?? []).length > 0 && (r.rootKeys ?? []).every((k) => refusedKeys.has(k));
}

// ---------------------------------------------------------------------------------------
// Hand-written hostile documents and HTTP requests
// ---------------------------------------------------------------------------------------

type Case = Omit<Req, 'auth'> & { auth?: string };

/** `{ ...F0 } fragment F0 on T { ...F1 ...F1 } … fragment Fn on T { leaf }`. */
function bomb(levels: number, spreads: number, leaf: string, on = 'Query', root = '{ ...F0 }'): string {
  let doc = `query ${root}\n`;
  for (let i = 0; i < levels; i++) doc += `fragment F${i} on ${on} { ${Array.from({ length: spreads }, () => `...F${i + 1}`).join(' ')} }\n`;
  return `${doc}fragment F${levels} on ${on} { ${leaf} }\n`;
}

/** A data query `levels` × 4 fields deep through real fields. */
function deepData(levels: number): string {
  let inner = 'id name';
  for (let i = 0; i < levels; i++) inner = `originProject { customers(first: 1) { edges { node { ${inner} } } } }`;
  return `query($id: ID!) { customer(id: $id) { ${inner} } }`;
}

function hostileDocuments(rng: Rng): Case[] {
  const cust = () => rng.pick(pool.Customer!);
  const cases: Case[] = [];
  const q = (label: string, query: string, extra: Partial<Case> = {}) => cases.push({ label, query, ...extra });
  // Deep and wide documents.
  for (const n of [50, 500, 2000, 4900]) q(`nested selections ×${n}`, `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`);
  for (const n of [3, 4, 20]) q(`deep data query ×${n * 4}`, deepData(n), { variables: { id: cust() } });
  for (const n of [100, 1000, 4900]) q(`nested list literal ×${n}`, `{ customers(filter: { projectIds: ${'['.repeat(n)}"x"${']'.repeat(n)} }) { totalCount } }`);
  for (const n of [100, 1000, 2400]) q(`nested object literal ×${n}`, `{ customers(filter: ${'{search: '.repeat(n)}"x"${'}'.repeat(n)}) { totalCount } }`);
  q('9,990 identical fields', `{ viewer { ${'id '.repeat(9990)}} }`);
  q('5,000 identical fields under a connection', `{ customers(first: 200) { edges { node { ${'name '.repeat(5000)}} } } }`);
  q('9,000 distinct aliases-free fields', `{ ${'__typename '.repeat(9990)}}`);
  q('an identifier of 60,000 characters', `{ ${'x'.repeat(60_000)} }`);
  // Aliases and root fields.
  q('50 aliases', `{ ${Array.from({ length: 50 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`);
  q('51 aliases', `{ ${Array.from({ length: 51 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`);
  q('50 aliased big pages', `{ ${Array.from({ length: 50 }, (_, i) => `c${i}: customers(first: 200) { edges { node { name phone idNumber } } }`).join(' ')} }`);
  q('50 aliased searches', `{ ${Array.from({ length: 50 }, (_, i) => `s${i}: customers(filter: { search: "${SURNAMES[i % SURNAMES.length]}" }) { totalCount edges { node { name phone } } }`).join(' ')} }`);
  q('20 root fields', `{ ${Array.from({ length: 20 }, () => 'viewer { id }').join(' ')} }`);
  q('21 root fields', `{ ${Array.from({ length: 21 }, () => 'viewer { id }').join(' ')} }`);
  q('21 root fields through fragments', `{ ...A ...B } fragment A on Query { ${'viewer { id } '.repeat(11)}} fragment B on Query { ${'regions { totalCount } '.repeat(10)}}`);
  // Fragment cycles and bombs.
  q('fragment cycle', '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
  q('fragment self-spread', '{ ...A } fragment A on Query { viewer { id } ...A }');
  q('fragment cycle through inline fragments', '{ viewer { ...V } } fragment V on Viewer { ... on Viewer { ...V } }');
  q('three-fragment cycle', '{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ...A viewer { id } }');
  q('unknown fragment', '{ ...Nope }');
  q('fragment on a scalar', '{ viewer { id } } fragment S on String { length }');
  q('fragment on an unknown type', '{ ...X } fragment X on Nope { id }');
  for (const levels of [10, 60, 149]) q(`fragment bomb 2^${levels}`, bomb(levels, 2, 'viewer { id }'));
  for (const levels of [20, 99]) q(`fragment bomb 3^${levels}`, bomb(levels, 3, '__typename'));
  q('fragment bomb over big pages', bomb(100, 2, 'customers(first: 200) { edges { node { name phone idNumber email } } }'));
  q('fragment bomb on Customer', bomb(100, 2, 'name phone idNumber birthday', 'Customer', '{ customers(first: 200) { edges { node { ...F0 } } } }'));
  q('fragment bomb on a mutation', bomb(100, 2, '__typename', 'Mutation', '{ __typename }').replace('query {', 'mutation {'));
  q('301 fragment spreads', `{ viewer { ${'...V '.repeat(301)}} } fragment V on Viewer { id }`);
  // Directives.
  q('duplicated @skip', '{ viewer @skip(if: false) @skip(if: false) { id } }');
  q('@include and @skip together', '{ viewer @include(if: true) @skip(if: true) { id } customers @include(if: false) { totalCount } }');
  q('100 repeated directives', `{ viewer ${'@skip(if: false) '.repeat(100)}{ id } }`);
  q('unknown directive', '{ viewer @foo { id } }');
  q('@skip without its argument', '{ viewer @skip { id } }');
  q('@skip with a string', '{ viewer @skip(if: "yes") { id } }');
  q('@include with a variable of the wrong type', 'query($v: Int) { viewer @include(if: $v) { id } }', { variables: { v: 1 } });
  q('@include with a missing variable', 'query($v: Boolean!) { viewer @include(if: $v) { id } }', { variables: {} });
  q('@deprecated on a field', '{ viewer @deprecated { id } }');
  q('directive on the operation', 'query @skip(if: true) { viewer { id } }');
  // Huge lists.
  const ids = (n: number) => Array.from({ length: n }, (_, i) => pool.Project![i % pool.Project!.length]!);
  q('5,000 project ids', 'query($ids: [ID!]) { customers(filter: { projectIds: $ids }) { totalCount } }', { variables: { ids: ids(5000) } });
  q('30,000 project ids', 'query($ids: [ID!]) { projects(filter: { cityCompanyIds: $ids }) { totalCount } }', { variables: { ids: Array.from({ length: 30_000 }, () => pool.CityCompany![0]!) } });
  q('70,000 handler ids', 'query($h: [String!]) { complaints(filter: { handlerIds: $h }) { totalCount } }', { variables: { h: Array.from({ length: 70_000 }, (_, i) => `h${i % 10}`) } });
  q('70,000 roles', 'query($r: [Role!]) { staff(filter: { roles: $r }) { totalCount } }', { variables: { r: Array.from({ length: 70_000 }, () => 'AGENT') } });
  q('70,000 segments', 'query($s: [CustomerSegment!]) { customers(filter: { segments: $s }) { totalCount } }', { variables: { s: Array.from({ length: 70_000 }, () => 'PROSPECT') } });
  q('70,000 audit actions', 'query($a: [String!]) { auditLog(filter: { actions: $a }) { totalCount } }', { variables: { a: Array.from({ length: 70_000 }, (_, i) => `a${i % 7}`) }, auth: 'ADMIN' });
  q('70,000 alert levels', 'query($l: [AlertLevel!]) { slaAlerts(filter: { levels: $l }) { totalCount } }', { variables: { l: Array.from({ length: 70_000 }, () => 'WARNING') } });
  q('9,000 cities as literals', `{ projects(filter: { cities: [${'"深圳", '.repeat(9000)}] }) { totalCount } }`);
  // Operations and variables.
  q('two operations without operationName', 'query A { viewer { id } } query B { regions { totalCount } }');
  q('unknown operationName', 'query A { viewer { id } }', { operationName: 'B' });
  q('operationName of the wrong type', 'query A { viewer { id } }', { operationName: { a: 1 } });
  q('duplicate operation names', 'query A { viewer { id } } query A { viewer { id } }', { operationName: 'A' });
  q('anonymous and named operations', '{ viewer { id } } query A { viewer { id } }');
  q('subscription', 'subscription { viewer { id } }');
  q('empty document', '');
  q('only fragments', 'fragment F on Query { viewer { id } }');
  q('undeclared variable', '{ customers(filter: { search: $s }) { totalCount } }', { variables: { s: 'x' } });
  q('variable declared twice', 'query($s: String, $s: String) { customers(filter: { search: $s }) { totalCount } }');
  q('default of the wrong type', 'query($f: Int = "x") { customers(first: $f) { totalCount } }');
  q('unused deeply nested list variable', 'query($x: [[[[Int]]]]) { viewer { id } }', { variables: { x: [[[[1]]]] } });
  q('variable of an unknown type', 'query($x: Foo) { viewer { id } }');
  q('variable of an output type', 'query($x: Customer) { viewer { id } }');
  q('variable called __proto__', 'query($__proto__: String) { customers(filter: { search: $__proto__ }) { totalCount } }', { variables: { __proto__: 'x' } });
  // Introspection.
  q('introspection anonymously', '{ __schema { types { name fields { name } } } }', { auth: 'ANON' });
  q('__type chain deeper than the introspection limit', `{ __type(name: "Customer") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`);
  q('four __schema fields', `{ a: __schema { queryType { name } } b: __schema { queryType { name } } c: __schema { queryType { name } } d: __schema { queryType { name } } }`);
  q('__typename only', '{ __typename }');
  // Syntax.
  for (const g of ['{', '}', '{{{{', 'query', 'mutation', '{ viewer { id }', '{ "viewer" }', '{ viewer(id: 1.) { id } }', '{ viewer { id } } }', 'query query { viewer }', '\u0000{ viewer { id } }', '\ufeff{ viewer { id } }', '{ viewer { id } } # \u0000']) q(`syntax ${JSON.stringify(g).slice(0, 30)}`, g);
  for (const n of ['99999999999999999999', '1e400', '0x10', '01', '-0', '1.5', '-2147483649', '2147483647']) q(`first: ${n}`, `{ customers(first: ${n}) { totalCount } }`);
  for (const lit of ['"\\u0000"', '"""\u0000"""', '"\\uD800"', '"\\u{10FFFF}"', '"\\u{110000}"', '"\u0007"', '"\u2028"', '"\\u202E"']) q(`string literal ${JSON.stringify(lit)}`, `{ customers(filter: { search: ${lit} }) { totalCount } }`);
  for (let i = 0; i < 25; i++) {
    const chars = '{}()[]:$@!.=|&"#,\n abcxyz0123…_-\\';
    q('random garbage', Array.from({ length: rng.int(1, 120) }, () => chars[rng.int(0, chars.length - 1)]).join(''));
  }
  // Persisted queries.
  q('persisted query with a wrong hash', '{ viewer { id } }', { extensions: { persistedQuery: { version: 1, sha256Hash: 'deadbeef' } } });
  cases.push({ label: 'persisted query by unknown hash (GET)', method: 'GET', search: `extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } }))}` });
  q('persisted query of the wrong version', '{ viewer { id } }', { extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } });
  q('extensions of the wrong type', '{ viewer { id } }', { extensions: 'x' });
  return cases;
}

/** Wraps raw text as a POST body of the given content type. */
const raw = (label: string, body: string | Uint8Array, contentType: string | null = 'application/json', extra: Partial<Case> = {}): Case => ({ label, rawBody: body, contentType, ...extra });

function hostileHttp(rng: Rng): Case[] {
  const cases: Case[] = [];
  const ok = '{ viewer { id role } }';
  const limit = t.config.maxBodyBytes;
  // Malformed JSON bodies.
  for (const body of ['', '{', '}', 'null', 'true', '123', '"x"', '[]', '[1]', '{"query": 1}', '{"query": null}', '{"query": ""}', '{"query": "{"}', '{"query": {}}', '{"query": []}', '\ufeff{"query": "{ viewer { id } }"}', `{"query": "${ok}", "variables": "{}"}`, `{"query": "${ok}", "variables": 1}`, `{"query": "${ok}", "variables": []}`, `{"query": "${ok}", "variables": null}`, `{"query": "${ok}", "query": "{ regions { totalCount } }"}`, `{"query": "${ok}",}`, "{'query': '{ viewer { id } }'}", `{"query": "${ok}", "variables": {"a": 1e999}}`, `{"query": "${ok}", "variables": {"a": "\\ud800"}}`, `{"query": "{ customers(filter: { search: \\"\\u0000\\" }) { totalCount } }"}`, `{"query": "${ok}", "extensions": {"persistedQuery": null}}`, `{"query": "${ok}", "operationName": null}`, `{"query": "${ok}", "operationName": 5}`, 'x'.repeat(1000)]) {
    cases.push(raw(`malformed body ${JSON.stringify(body).slice(0, 40)}`, body));
  }
  cases.push(raw('invalid UTF-8 bytes', new Uint8Array([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])));
  cases.push(raw('UTF-16 body', new Uint8Array(Buffer.from(JSON.stringify({ query: ok }), 'utf16le'))));
  // Batches and missing queries.
  cases.push(raw('batch of two', JSON.stringify([{ query: ok }, { query: ok }])));
  cases.push(raw('batch of one', JSON.stringify([{ query: ok }])));
  cases.push(raw('batch of 200 mutations', JSON.stringify(Array.from({ length: 200 }, () => ({ query: 'mutation { createRegion(input: { code: "BATCH", name: "x" }) { region { id } } }' })))));
  for (const body of [{}, { variables: {} }, { operationName: 'x' }, { query: null, variables: { a: 1 } }]) cases.push(raw(`missing query ${JSON.stringify(body)}`, JSON.stringify(body)));
  // Content types.
  for (const type of [null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/jsonp', 'application/graphql-response+json', 'application/json, text/plain', ' application/json', 'text/json', '*/*']) {
    cases.push(raw(`content type ${JSON.stringify(type)}`, JSON.stringify({ query: ok }), type));
  }
  cases.push(raw('form-encoded body', `query=${encodeURIComponent(ok)}`, 'application/x-www-form-urlencoded'));
  cases.push(raw('GraphQL document as the body', ok, 'application/graphql'));
  // Methods.
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) cases.push({ label: `method ${method}`, method, query: ok });
  // GET.
  const mutation = 'mutation { createRegion(input: { code: "GETREGION", name: "x" }) { region { id } } }';
  cases.push({ label: 'GET with a mutation', method: 'GET', query: mutation, auth: 'ADMIN' });
  cases.push({ label: 'GET selecting the mutation of a mixed document', method: 'GET', query: `query Q { viewer { id } } ${mutation.replace('mutation', 'mutation M')}`, operationName: 'M', auth: 'ADMIN' });
  cases.push({ label: 'GET with a mutation and the IDE Accept header', method: 'GET', query: mutation, accept: 'text/html', auth: 'ADMIN' });
  for (const search of ['', 'query=', 'query=%7B', `query=${encodeURIComponent(ok)}&variables=%7B`, `query=${encodeURIComponent(ok)}&variables=1`, `query=${encodeURIComponent(ok)}&variables=%5B%5D`, `query=${encodeURIComponent(ok)}&extensions=notjson`, `query=${encodeURIComponent('query($s: String) { customers(filter: { search: $s }) { totalCount } }')}&variables=${encodeURIComponent('{"s":"\\u0000"}')}`, `query=${encodeURIComponent(ok)}&query=${encodeURIComponent('{ regions { totalCount } }')}`, 'query=%E0%A4%A', `query=${encodeURIComponent(ok)}&operationName=`, 'variables=%7B%7D', '%%%', `query=${'x'.repeat(5000)}`]) {
    cases.push({ label: `GET ?${search.slice(0, 40)}`, method: 'GET', search });
  }
  cases.push({ label: 'GET IDE page', method: 'GET', search: '', accept: 'text/html' });
  // Size: bodies up to and beyond the limit, huge strings, deep JSON variables.
  const withString = (n: number, field = 'search') => {
    const head = `{"query":"query($s: String) { customers(filter: { ${field}: $s }) { totalCount } }","variables":{"s":"`;
    return head + 'a'.repeat(Math.max(0, n - head.length - 3)) + '"}}';
  };
  for (const n of [100_000, 500_000, limit - 10, limit, limit + 1, limit * 2]) cases.push(raw(`body of ${n} bytes`, withString(n)));
  cases.push(raw('a 900,000-character name', JSON.stringify({ query: 'mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }', variables: { i: { name: '张'.repeat(300_000), phone: '15000000000', projectId: pool.Project![0] } } })));
  cases.push(raw('a 900,000-character note', JSON.stringify({ query: 'mutation($i: AddComplaintNoteInput!) { addComplaintNote(input: $i) { complaint { id } } }', variables: { i: { complaintId: pool.Complaint![0], note: 'n'.repeat(900_000) } } }), 'application/json', { auth: 'ADMIN' }));
  const deep = (depth: number, open = '[', close = ']') =>
    `{"query":"query($f: CustomerFilter) { customers(filter: $f) { totalCount } }","variables":{"f":{"projectIds":${open.repeat(depth)}${close.repeat(depth)}}}}`;
  for (const d of [100, 1000, 10_000, 100_000, Math.floor((limit - 200) / 2)]) cases.push(raw(`variables nested ${d} deep`, deep(d)));
  const deepObject = (d: number) => `{"query":"{ viewer { id } }","variables":{"x":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}}`;
  for (const d of [1000, 50_000, Math.floor((limit - 100) / 6)]) cases.push(raw(`unused object variable nested ${d} deep`, deepObject(d)));
  // Accept headers.
  for (const accept of ['application/xml', 'text/plain', 'application/graphql-response+json;q=0', '*/*;q=0.1, application/json;q=0', 'garbage;;;q=x', 'application/graphql-response+json;q=0.5, application/json;q=0.9', 'text/html', '']) {
    cases.push({ label: `Accept ${JSON.stringify(accept)}`, query: rng.chance(0.5) ? ok : '{ nope }', accept });
    cases.push({ label: `GET Accept ${JSON.stringify(accept)}`, method: 'GET', query: ok, accept });
  }
  // Authorization headers.
  const admin = tokens.get('ADMIN')!.token!;
  const none = `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify({ sub: 'x', role: 'ADMIN', iss: t.config.jwtIssuer, iat: 1, exp: 9_999_999_999 }))}.`;
  for (const h of ['Bearer', 'Bearer ', 'Basic YWJjOmRlZg==', `bearer ${admin}`, `Bearer ${admin} extra`, `Bearer  ${admin}`, `Bearer ${'a'.repeat(10_000)}`, `Bearer ${none}`, `Bearer ${admin.slice(0, -2)}`, `Token ${admin}`, 'Bearer a.b.c', `Bearer ${admin},Bearer ${admin}`]) {
    cases.push({ label: `Authorization ${h.slice(0, 20)}…`, query: ok, auth: 'ANON', headers: { authorization: h } });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------
// Text inputs and token claims
// ---------------------------------------------------------------------------------------

type Segment = { name: string; list: boolean; type: GraphQLInputType };

/** One input position: a root field's argument and the path of fields inside it (empty: the argument itself). */
type InputPath = { root: GraphQLField<unknown, unknown>; operation: 'query' | 'mutation'; arg: GraphQLArgument; path: Segment[]; type: GraphQLInputType };

/** Every argument of every root field and every field inside their input objects (to 4 levels). */
function inputPaths(s: GraphQLSchema): InputPath[] {
  const out: InputPath[] = [];
  const walk = (p: InputPath, depth: number) => {
    out.push(p);
    const named = getNamedType(p.type);
    if (!isInputObjectType(named) || depth >= 4) return;
    for (const f of Object.values(named.getFields())) {
      const inner = isNonNullType(f.type) ? f.type.ofType : f.type;
      walk({ ...p, path: [...p.path, { name: f.name, list: isListType(inner), type: f.type }], type: f.type }, depth + 1);
    }
  };
  for (const [operation, type] of [['query', s.getQueryType()!], ['mutation', s.getMutationType()!]] as const) {
    for (const root of Object.values(type.getFields())) for (const arg of root.args) walk({ root, operation, arg, path: [], type: arg.type }, 0);
  }
  return out;
}

/** A valid-looking value of `p.arg` with the position `p.path` set to `value` (a list item where lists are). */
function argWith(g: Gen, p: InputPath, value: unknown): unknown {
  const hint = { field: p.arg.name, owner: p.root.name };
  if (!p.path.length) return value;
  const base = p.operation === 'mutation' && p.arg.name === 'input' ? g.mutationInput(p.root, false, 0.9) : g.value(p.arg.type, hint);
  const root: Record<string, unknown> = isRecord(base) ? base : {};
  let cur = root;
  p.path.forEach((seg, i) => {
    if (i === p.path.length - 1) {
      cur[seg.name] = seg.list && value !== null && !isInputObjectType(getNamedType(seg.type)) ? [value] : value;
      return;
    }
    const inner = (isNonNullType(seg.type) ? seg.type.ofType : seg.type) as GraphQLInputType;
    const itemType = isListType(inner) ? (inner.ofType as GraphQLInputType) : inner;
    const fresh = () => {
      const v = g.value(itemType, { field: seg.name, owner: p.root.name });
      return isRecord(v) ? v : {};
    };
    let next = cur[seg.name];
    if (seg.list) {
      const list = Array.isArray(next) && next.length && isRecord(next[0]) ? next : [fresh()];
      cur[seg.name] = list;
      next = list[0];
    } else if (!isRecord(next)) {
      next = fresh();
      cur[seg.name] = next;
    }
    cur = next as Record<string, unknown>;
  });
  // The seeded customers keep their personal data (invariant 2 looks for it).
  if (p.root.name === 'updateCustomer' && typeof root.id === 'string' && secretCustomerIds.has(root.id) && (MASKED_FIELDS as readonly string[]).includes(p.path[0]?.name ?? '')) {
    root.id = pool.Customer!.find((c) => !secretCustomerIds.has(c))!;
  }
  return root;
}

/** Bad values for one input position: every edge date, a few wrong values of other types, and null. */
function badValuesFor(g: Gen, p: InputPath): unknown[] {
  const named = getNamedType(p.type);
  const field = p.path.at(-1)?.name ?? p.arg.name;
  const hint = { field, owner: p.root.name };
  if (isInputObjectType(named)) return [null];
  if (named.name === 'DateTime') return [null, ...BAD_DATE_TIMES];
  if (named.name === 'LocalDate') return [null, ...BAD_LOCAL_DATES];
  if (named.name === 'String') return [null, ...g.rng.sample(TEXT_ATTACKS, 2), g.badText(field)];
  const n = named.name === 'Int' ? 4 : named.name === 'ID' ? 3 : 2;
  return [null, ...Array.from({ length: n }, () => g.badScalar(named, hint))];
}

const TEXT_ATTACKS: readonly string[] = [
  'a\u0000b',
  '\u0000',
  'x\ud800',
  '\udfff',
  '\u0085',
  '\u001b[2J',
  '\u202e张三',
  '王\u2067五',
  '\u200b\u200d\ufeff',
  '\u3164\u115f',
  'e\u0301',
  "'; drop table customers; --",
  '%_\\',
  '😀👍🏽',
  '   ',
  '',
  'x'.repeat(5000),
  '字'.repeat(60_000),
];

const HOSTILE_SUBS: readonly string[] = ['a\u0000b', 'x\ud800', '\u202eadmin', 'x'.repeat(200), "'; drop table staff; --", '😀', 'Staff:x', ' ', '\n', 'test-admin', '%', 'FUZZ.HANDLER', '\u200b'];

// ---------------------------------------------------------------------------------------
// Regressions: deterministic reproductions of what the fuzz found, all fixed. Each
// asserts the invariant (a new bug found by the fuzz goes here as `it.fails` with a
// matching KNOWN_BUGS entry until it is fixed). They run first, on the set-up data only
// (the fuzz below changes policies, complaints and more).
// ---------------------------------------------------------------------------------------

describe('regressions found by the fuzz (fixed)', () => {
  const expectClean = async (r: Req) => {
    const res = await send(r);
    expect(check(r, res), `${describeRequest(r)}\n${res.status} ${excerpt(res.text, 500)}`).toEqual([]);
  };

  // Was a bug: PostgreSQL has no year 0, but the DateTime and LocalDate scalars (graphql-scalars)
  // and the zod checks accept "0000-…": the INSERT fails and the client gets
  // INTERNAL_SERVER_ERROR (the same for project dates and every DateTime input).
  it('a LocalDate in year 0 in a write is a client error, not INTERNAL_SERVER_ERROR', async () => {
    await expectClean({
      label: 'createCustomer birthday 0000-01-01',
      auth: 'ADMIN',
      query: CREATE_CUSTOMER,
      variables: { input: { name: '王小明', phone: '15999990001', projectId: pool.Project![1], birthday: '0000-01-01' } },
    });
  });

  // Was a bug: the same in list filters: complaints(receivedFrom/receivedTo), auditLog(from/to)
  // and slaAlerts(firedFrom/firedTo) with a year-0 DateTime are INTERNAL_SERVER_ERROR.
  it('a DateTime in year 0 in a filter is a client error, not INTERNAL_SERVER_ERROR', async () => {
    await expectClean({ label: 'complaints receivedFrom 0000-01-01', auth: 'ADMIN', query: '{ complaints(filter: { receivedFrom: "0000-01-01T00:00:00Z" }) { totalCount } }' });
  });

  // Was a bug: createComplaint looks for repeats in the 30 days before receivedAt: with
  // receivedAt early in year 1 that window starts in year 0 and the query fails
  // (INTERNAL_SERVER_ERROR). receivedAt is only checked for "not in the future".
  it('createComplaint with receivedAt in year 1 is a client error, not INTERNAL_SERVER_ERROR', async () => {
    const link = fx.links[0]!;
    await expectClean({
      label: 'createComplaint receivedAt 0001-01-01',
      auth: 'ADMIN',
      query: 'mutation($i: CreateComplaintInput!) { createComplaint(input: $i) { complaint { id } } }',
      variables: { i: { customerId: link.customerId, projectId: link.projectId, kind: 'COMPLAINT', category: 'OTHER', channel: 'PHONE', description: 'x', receivedAt: '0001-01-01T00:00:00Z' } },
    });
  });

  // Was a bug: a repair appointment late on 9999-12-31 is accepted (only "not in the past" is
  // checked); the REPAIR_VISIT clock is due 10 minutes later, in year 10000, which the
  // INSERT cannot store as sent: INTERNAL_SERVER_ERROR (acceptComplaint takes the same path).
  it('createComplaint with repairAppointmentAt 9999-12-31T23:59:59.999Z is not INTERNAL_SERVER_ERROR', async () => {
    const link = fx.links[0]!;
    await expectClean({
      label: 'createComplaint repairAppointmentAt 9999-12-31',
      auth: 'ADMIN',
      query: 'mutation($i: CreateComplaintInput!) { createComplaint(input: $i) { complaint { id } } }',
      variables: { i: { customerId: link.customerId, projectId: link.projectId, kind: 'REPAIR', category: 'ENGINEERING_QUALITY', channel: 'PHONE', description: 'x', repairAppointmentAt: '9999-12-31T23:59:59.999Z' } },
    });
  });

  // Was a bug: UpdateProjectInput says "`null` clears optional ones", and the zod schema accepts
  // warrantyTerms: null, but projects.warranty_terms is NOT NULL: the UPDATE fails with a
  // not-null violation, reported as INTERNAL_SERVER_ERROR (null should clear to [] or be
  // refused as BAD_USER_INPUT).
  it('updateProject with warrantyTerms: null is not INTERNAL_SERVER_ERROR', async () => {
    await expectClean({ label: 'updateProject warrantyTerms null', auth: 'ADMIN', query: `mutation { updateProject(input: { id: ${JSON.stringify(pool.Project![1])}, warrantyTerms: null }) { project { id } } }` });
  });

  // Was a bug: findBadTextInVariables (src/graphql/hygiene.ts) walks variables recursively, and
  // builds a path string per level: a JSON body nested 100,000 levels deep (200 kB, under
  // MAX_BODY_BYTES; JSON.parse handles it) overflows the stack, and the request ends as
  // HTTP 500 INTERNAL_SERVER_ERROR, even without a token. A few thousand levels are
  // enough (RangeError: Maximum call stack size exceeded from 5,000 on, in a test worker).
  it('variables nested 100,000 levels deep are a client error, not HTTP 500', async () => {
    const d = 100_000;
    await expectClean({
      label: 'variables nested 100,000 deep',
      auth: 'ANON',
      rawBody: `{"query":"query($f: CustomerFilter) { customers(filter: $f) { totalCount } }","variables":{"f":{"projectIds":${'['.repeat(d)}${']'.repeat(d)}}}}`,
    });
  });

  // Was a bug: Apollo's automatic persisted queries answer a wrong sha256Hash ("provided sha does
  // not match query") and an unsupported version ("Unsupported persisted query version")
  // with GraphQLErrors that carry no code; formatError turns them into
  // INTERNAL_SERVER_ERROR (HTTP 400) and the server logs them as internal errors.
  it('a persisted query with a wrong hash is a client error, not INTERNAL_SERVER_ERROR', async () => {
    await expectClean({ label: 'APQ wrong hash', auth: 'AGENT', query: '{ viewer { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'deadbeef' } } });
  });

  // Was a bug: token claims check `sub` for length only: a validly signed token whose subject
  // holds NUL makes every statement that stores or compares the subject fail (audit
  // actor, lookup budget, assignedToMe, first responder): INTERNAL_SERVER_ERROR. Only
  // holders of the signing secret can mint such a token, so the impact is low; a 401 at
  // authentication (as for other invalid claims) would be expected.
  it('a token whose subject holds NUL gets 401 or a client error, not INTERNAL_SERVER_ERROR', async () => {
    tokens.set('NUL_SUB', { token: await t.token('ADMIN', { sub: 'a\u0000b' }), masked: false, role: 'ADMIN', sub: 'a\u0000b' });
    await expectClean({ label: 'assignedToMe with a NUL subject', auth: 'NUL_SUB', query: '{ complaints(filter: { assignedToMe: true }) { totalCount } }' });
  });
});

// ---------------------------------------------------------------------------------------
// The fuzz
// ---------------------------------------------------------------------------------------

/** How many requests each test sends (kept modest: the file runs in well under a minute). */
const COUNTS = { queries: 600, refusedWrites: 250, mutations: 500, budgets: 120 };

describe(`fuzz (FUZZ_SEED=${SEED})`, () => {
  it('notices unmasked personal data, and lets a MANAGER reveal it (self-test of invariant 2)', async () => {
    const [id] = [...secretCustomerIds];
    const phone = secrets.find((x) => x.label.startsWith('phone of'))!.value;
    const read: Req = { label: 'self-test read', auth: 'ADMIN', query: 'query($id: ID!) { customer(id: $id) { name phone idNumber email birthday } }', variables: { id } };
    const res = await send(read);
    expect(res.text).toContain(phone);
    expect(check(read, res)).toEqual([]);
    // The same response sent to an AGENT would be a leak of every value.
    expect(check({ ...read, auth: 'AGENT' }, res).filter((p) => p.startsWith('unmasked')).length).toBeGreaterThanOrEqual(5);
    const masked = { ...read, auth: 'AGENT' };
    const maskedRes = await send(masked);
    expect(maskedRes.text).toContain('"phone":"139****2468"');
    expect(check(masked, maskedRes)).toEqual([]);
    // A MANAGER's revealCustomerContact returns the raw values (documented); its `customer` stays masked.
    const reveal: Req = {
      label: 'self-test reveal',
      auth: 'MANAGER',
      query: 'mutation($i: RevealCustomerContactInput!) { r: revealCustomerContact(input: $i) { phone name customer { phone } } }',
      variables: { i: { customerId: id, reason: '交付回访电话核对' } },
    };
    const revealed = await send(reveal);
    expect(revealed.text).toContain(phone);
    expect(check(reveal, revealed)).toEqual([]);
    expect(check({ ...reveal, auth: 'AGENT' }, revealed).filter((p) => p.startsWith('unmasked')).length).toBeGreaterThanOrEqual(2);
  });

  it(`answers ${COUNTS.queries} schema-generated queries under every role within the invariants`, { timeout: 120_000 }, async () => {
    const g = new Gen(rngFor('queries'), schema);
    const reqs = Array.from({ length: COUNTS.queries }, () => g.query(ALL_AUTHS));
    const findings = await runAll(reqs);
    expect(findings, report('queries', findings)).toEqual([]);
  });

  it(`changes no data when every root field of a write is refused (${COUNTS.refusedWrites} sequential mutations, fingerprinted)`, { timeout: 120_000 }, async () => {
    const g = new Gen(rngFor('refused writes'), schema);
    const findings: Finding[] = [];
    let before = await fingerprint();
    let compared = 0;
    let writes = 0;
    for (let i = 0; i < COUNTS.refusedWrites; i++) {
      const r = g.mutation(ALL_AUTHS, { maxRoots: 2 });
      const res = await send(r);
      const problems = check(r, res);
      const after = await fingerprint();
      const changed = FINGERPRINT_TABLES.filter((k) => before[k] !== after[k]);
      if (refusedEntirely(r, res)) {
        compared++;
        if (changed.length) problems.push(`a refused write changed ${changed.map((k) => `${k} (${before[k]} → ${after[k]})`).join(', ')}`);
      } else if (changed.length) writes++;
      triage(findings, r, res, problems);
      before = after;
    }
    expect(findings, report('refused writes', findings)).toEqual([]);
    // Most generated writes are refused (roles, scope, validation): the check did run.
    expect(compared).toBeGreaterThan(COUNTS.refusedWrites / 3);
    // …and the fingerprint does see writes: the accepted ones changed it.
    expect(writes).toBeGreaterThan(5);
  });

  it(`answers ${COUNTS.mutations} schema-generated mutations under every role within the invariants`, { timeout: 120_000 }, async () => {
    const g = new Gen(rngFor('mutations'), schema);
    const reqs = Array.from({ length: COUNTS.mutations }, () => g.mutation(ALL_AUTHS));
    const findings = await runAll(reqs);
    expect(findings, report('mutations', findings)).toEqual([]);
  });

  it('answers hostile documents: deep, wide, aliased, cyclic, fragment bombs, directives, huge lists, bad syntax', { timeout: 120_000 }, async () => {
    const rng = rngFor('documents');
    const reqs = hostileDocuments(rng).flatMap((c) =>
      [0, 1].map((k): Req => {
        const auth = c.auth ?? rng.pick(ALL_AUTHS);
        // Short documents go over GET too (cacheable reads; mutations are refused there).
        const viaGet = k === 1 && !c.method && typeof c.query === 'string' && c.query.length + JSON.stringify(c.variables ?? {}).length < 3000;
        return { ...c, auth: k === 0 ? auth : rng.pick(ALL_AUTHS), method: c.method ?? (viaGet ? 'GET' : 'POST'), accept: c.accept ?? rng.pick([undefined, 'application/graphql-response+json']) };
      }),
    );
    const findings = await runAll(reqs, { concurrency: 4 });
    expect(findings, report('hostile documents', findings)).toEqual([]);
  });

  it('answers hostile HTTP: malformed JSON, wrong content types and methods, GET mutations, batches, sizes, deep variables, headers', { timeout: 120_000 }, async () => {
    const rng = rngFor('http');
    const reqs = hostileHttp(rng).map((c): Req => ({ ...c, auth: c.auth ?? rng.pick(ALL_AUTHS) }));
    const findings = await runAll(reqs, { concurrency: 4 });
    expect(findings, report('hostile HTTP', findings)).toEqual([]);
  });

  it('answers wrong values, nulls and hostile text in every input position of every root field', { timeout: 120_000 }, async () => {
    const rng = rngFor('input positions');
    const g = new Gen(rng, schema);
    const reqs: Req[] = [];
    for (const p of inputPaths(schema)) {
      for (const bad of badValuesFor(g, p)) {
        const doc = new Doc(rng, 0);
        const args = p.root.args.map((a) => {
          if (a === p.arg) return `${a.name}: $x`;
          return isNonNullType(a.type) ? `${a.name}: ${literal(g.value(a.type, { field: a.name, owner: p.root.name }), a.type)}` : null;
        });
        const sel = g.selection(p.root.type, doc, 1, false);
        const value = argWith(g, p, bad);
        // Mostly as a variable; sometimes as a literal (the document's own checks then apply).
        const asLiteral = rng.chance(0.15);
        const argText = args.filter((a): a is string => a !== null).join(', ').replace('$x', asLiteral ? literal(value, p.arg.type) : '$x');
        reqs.push({
          label: `${p.root.name}(${[p.arg.name, ...p.path.map((x) => x.name)].join('.')}) = ${excerpt(JSON.stringify(bad) ?? 'undefined', 40)}`,
          auth: p.operation === 'mutation' ? rng.pick(['ADMIN', 'ADMIN', 'ADMIN', 'ADMIN', 'ADMIN', 'MANAGER', 'AGENT', 'HANDLER']) : rng.pick(['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST_SCOPED']),
          query: `${p.operation}${asLiteral ? '' : `($x: ${String(p.arg.type)})`} { ${p.root.name}(${argText})${sel ? ` ${sel}` : ''} }`,
          variables: asLiteral ? undefined : { x: value },
        });
      }
    }
    for (const field of ['customers', 'projects', 'complaints', 'regions', 'cityCompanies', 'staff']) {
      for (const value of [...rng.sample(TEXT_ATTACKS, 4), '测'.repeat(100), '王', '欧', '1395731']) {
        reqs.push({ label: `${field}(filter.search) literal`, auth: rng.pick(ALL_AUTHS), method: rng.chance(0.3) ? 'GET' : 'POST', query: `{ ${field}(filter: { search: ${JSON.stringify(value.slice(0, 600))} }) { totalCount edges { cursor } } }` });
      }
    }
    const findings = await runAll(reqs);
    expect(findings, report('input positions', findings)).toEqual([]);
  });

  it('answers validly signed tokens with hostile subjects, scopes and names', { timeout: 120_000 }, async () => {
    const rng = rngFor('claims');
    const roles: Role[] = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST', 'SUBSCRIBER'];
    const names: string[] = [];
    for (const [i, sub] of HOSTILE_SUBS.entries()) {
      const role = rng.pick(roles);
      const name = `CLAIMS_${i}`;
      tokens.set(name, { token: await t.token(role, { sub, department: role === 'HANDLER' ? 'ENGINEERING' : undefined }), masked: role !== 'ADMIN', role, sub });
      names.push(name);
    }
    const scopes: string[][] = [['garbage'], [b64('Project:0')], [''], [toGlobalId('Customer', 1)], Array.from({ length: 300 }, (_, i) => toGlobalId('Project', i + 1)), [pool.Project![0]!, pool.Project![0]!]];
    for (const [i, scope] of scopes.entries()) {
      const role = rng.pick(roles);
      const name = `SCOPE_${i}`;
      tokens.set(name, { token: await t.token(role, { sub: `fuzz-scope-${i}`, scope, name: rng.pick(['\u0000', '\u202e', 'n'.repeat(5000), '王五']) }), masked: role !== 'ADMIN', role });
      names.push(name);
    }
    const g = new Gen(rng, schema);
    const reqs: Req[] = [];
    for (const auth of names) {
      reqs.push({ label: 'viewer', auth, query: '{ viewer { id name role scope department can { read revealContact } } }' });
      reqs.push({ label: 'assigned to me', auth, query: '{ complaints(filter: { assignedToMe: true }) { totalCount edges { node { firstResponder { id login name } } } } }' });
      reqs.push({
        label: 'createCustomer',
        auth,
        query: CREATE_CUSTOMER,
        variables: { input: { name: g.personName(), phone: g.phone(), projectId: rng.pick(pool.Project!), idempotencyKey: `claims-${rng.int(0, 3)}` } },
      });
      reqs.push({ label: 'addComplaintNote', auth, query: 'mutation($i: AddComplaintNoteInput!) { addComplaintNote(input: $i) { complaint { id timeline { actor { id login } } } } }', variables: { i: { complaintId: rng.pick(pool.Complaint!), note: 'note' } } });
      reqs.push({ label: 'search', auth, query: '{ customers(filter: { search: "王" }) { totalCount } }' });
      reqs.push({ label: 'acknowledge', auth, query: 'mutation($i: AcknowledgeSlaAlertInput!) { acknowledgeSlaAlert(input: $i) { alert { id acknowledgedBy { id login } } } }', variables: { i: { alertId: rng.pick(pool.SlaAlert ?? ['x']) } } });
      for (let k = 0; k < 4; k++) reqs.push({ ...g.mutation([auth], { maxRoots: 1 }) });
    }
    const findings = await runAll(reqs, { concurrency: 4 });
    expect(findings, report('token claims', findings)).toEqual([]);
  });
});

describe('default budgets (RATE_LIMITED allowed)', () => {
  it(`answers ${COUNTS.budgets} masked lookups and requests over the default budgets with RATE_LIMITED, never an internal error`, { timeout: 120_000 }, async () => {
    const app = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '100', SLA_SCHEDULER: 'off' } });
    try {
      const rng = rngFor('budgets');
      const local = new Map<string, TokenEntry>([
        ['AGENT', { token: await app.token('AGENT', { sub: 'budget-agent' }), masked: true, role: 'AGENT' }],
        ['MANAGER', { token: await app.token('MANAGER', { sub: 'budget-manager' }), masked: true, role: 'MANAGER' }],
        ['ANON', { token: null, masked: true, role: null }],
      ]);
      const target: Target = { app, tokens: local };
      const g = new Gen(rng, schema);
      const reqs: Req[] = Array.from({ length: COUNTS.budgets }, (_, i): Req => {
        const auth = rng.pick(['AGENT', 'AGENT', 'MANAGER', 'ANON']);
        const search = rng.chance(0.5) ? g.phone() : g.personName();
        return i % 3
          ? { label: 'budgeted search', auth, query: `{ ${Array.from({ length: rng.int(1, 5) }, (_, k) => `s${k}: customers(filter: { search: ${JSON.stringify(k ? g.personName() : search)} }) { totalCount }`).join(' ')} }` }
          : { label: 'budgeted create', auth, query: CREATE_CUSTOMER, variables: { input: { name: g.personName(), phone: g.phone(), idNumber: g.idNumber(), projectId: b64('Project:1') } } };
      });
      const findings = await runAll(reqs, { target, concurrency: 4 });
      expect(findings, report('default budgets', findings)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
