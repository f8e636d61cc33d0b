import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/prepare.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** File with a dumped, migrated PGlite data dir to clone per test file. */
    pgliteTemplate: string;
    /** With TEST_DATABASE_URL: the migrated template database to copy per test file. */
    pgTemplate: string;
  }
}

/**
 * Migrates once per run: a PGlite data dir dumped to a file (PGlite pass) or a
 * template database on the server (PostgreSQL pass). Test files clone it.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `cx_tpl_${process.pid}_${Date.now()}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const db = openPostgres(url.toString(), { max: 1 });
    try {
      await prepareDatabase(db);
    } catch (e) {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      throw e;
    }
    await db.close();
    project.provide('pgTemplate', name);
    project.provide('pgliteTemplate', '');
    return async () => {
      // Drop databases left behind by crashed test files too.
      const leftovers = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${name}\\_%`} or datname = ${name}`;
      for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end();
    };
  }
  const db = await openPglite({});
  await prepareDatabase(db);
  const dump = await db.pglite!.dumpDataDir('none');
  const file = path.join(os.tmpdir(), `cx-pglite-template-${process.pid}.tar`);
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  project.provide('pgliteTemplate', file);
  project.provide('pgTemplate', '');
  return () => rmSync(file, { force: true });
}
