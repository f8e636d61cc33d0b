import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { printSdl } from '../src/graphql/schema.js';
import { getSchema } from '../src/schema.js';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await getSchema();
});

describe('schema/schema.graphql', () => {
  it('is current (run `npm run schema` and commit the result)', () => {
    const committed = readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printSdl(schema));
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description?.trim()) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const v of type.getValues()) if (!v.description?.trim()) missing.push(`${type.name}.${v.name}`);
      }
      if (isUnionType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });

  it('carries the Chinese term on every domain enum value', () => {
    const generic = new Set(['OrderDirection', 'Role']);
    const without: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isEnumType(type) || type.name.startsWith('__') || generic.has(type.name)) continue;
      for (const v of type.getValues()) if (!/[\u4e00-\u9fff]/.test(v.description ?? '')) without.push(`${type.name}.${v.name}`);
    }
    expect(without).toEqual([]);
  });

  it('follows the Relay connection shape', () => {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || !type.name.endsWith('Connection')) continue;
      const fields = type.getFields();
      expect(Object.keys(fields).sort(), type.name).toEqual(['edges', 'pageInfo', 'totalCount']);
    }
  });
});
