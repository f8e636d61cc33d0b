import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/graphql/errors.js';
import { decodeGlobalId, NODE_TYPES, parseId, toGlobalId, type NodeType } from '../../src/graphql/global-id.js';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** Runs `fn` and returns the AppError it throws. */
function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('toGlobalId / decodeGlobalId round trip', () => {
  it.each(NODE_TYPES.flatMap((type) => [1, 42, 2 ** 31, Number.MAX_SAFE_INTEGER].map((id) => [type, id] as const)))(
    '%s %i',
    (type, id) => {
      const gid = toGlobalId(type, id);
      expect(gid).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeGlobalId(gid)).toEqual({ type, id });
      expect(parseId(gid, type, 'id')).toBe(id);
    },
  );

  it('is opaque (does not show the type name or id in clear)', () => {
    const gid = toGlobalId('Customer', 42);
    expect(gid).not.toContain('Customer');
    expect(gid).not.toContain(':');
  });

  it('differs by type for the same id', () => {
    expect(toGlobalId('Customer', 1)).not.toBe(toGlobalId('Project', 1));
  });
});

describe('decodeGlobalId rejects what is not one of ours', () => {
  it.each([
    ['empty', ''],
    ['not base64url', '!!!'],
    ['standard base64 characters', 'Q3VzdG9tZXI6NDI+/w'],
    ['garbage that decodes to bytes', 'abc'],
    ['a bare number', '42'],
    ['too long', 'A'.repeat(65)],
    ['unknown type', b64('Foo:1')],
    ['lower-case type', b64('customer:1')],
    ['no id', b64('Customer:')],
    ['no separator', b64('Customer1')],
    ['zero id', b64('Customer:0')],
    ['negative id', b64('Customer:-1')],
    ['leading zero', b64('Customer:01')],
    ['fractional id', b64('Customer:1.5')],
    ['exponent', b64('Customer:1e3')],
    ['trailing data', b64('Customer:1:2')],
    ['whitespace', b64('Customer: 1')],
    ['trailing newline', b64('Customer:1\n')],
    ['beyond MAX_SAFE_INTEGER', b64('Customer:9007199254740993')],
    ['17 digits', b64('Customer:12345678901234567')],
  ])('%s: %j → null', (_what, gid) => {
    expect(decodeGlobalId(gid)).toBeNull();
  });
});

describe('parseId', () => {
  it.each<[string, string, string]>([
    ['malformed', '!!!', 'input.customerId'],
    ['empty', '', 'id'],
    ['unknown type', b64('Foo:1'), 'input.projectId'],
    ['zero id', b64('Customer:0'), 'filter.projectIds.0'],
    ['very long', 'x'.repeat(500), 'id'],
  ])('%s → BAD_USER_INPUT naming the field %s', (_what, gid, field) => {
    const e = appErrorOf(() => parseId(gid, 'Customer', field));
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(e.extensions.field).toBe(field);
  });

  it('does not echo a very long id back in full', () => {
    const e = appErrorOf(() => parseId('x'.repeat(500), 'Customer', 'id'));
    expect(e.message.length).toBeLessThan(200);
  });

  it.each<[NodeType, NodeType]>([
    ['Project', 'Customer'],
    ['Customer', 'Project'],
    ['Complaint', 'SlaAlert'],
    ['Unit', 'UnitOwnership'],
  ])('an ID of a %s where a %s is expected → NOT_FOUND', (actual, expected) => {
    const gid = toGlobalId(actual, 7);
    const e = appErrorOf(() => parseId(gid, expected, 'id'));
    expect(e.extensions.code).toBe('NOT_FOUND');
    expect(e.extensions.id).toBe(gid);
  });
});
