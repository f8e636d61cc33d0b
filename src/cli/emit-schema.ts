import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSdl } from '../graphql/schema.js';
import { getSchema } from '../schema.js';
import { projectRoot } from '../paths.js';

/** Writes schema/schema.graphql from the resolver classes. */
const file = path.join(projectRoot(), 'schema', 'schema.graphql');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, printSdl(await getSchema()));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
