// PostGraphile v5 (Grafast planner) as a peer of bench/read.mjs: the Amber preset plus the
// connection-filter preset, served by grafserv's node adaptor on a bare node:http server,
// exposing schema `public` of DATABASE_URL. No GraphiQL (ruru), no watch mode, no websockets,
// no plan explanations; default inflection and ids (`id` the global Node ID, `rowId` the row
// key); no authentication: the bench compares with our ADMIN, who sees every row. Pool: pg's
// default of 10 connections, like our DATABASE_POOL_SIZE default. Needs Node >= 22: the bench
// runs it with this package's `node` dev dependency (node_modules/.bin/node).
//
//   DATABASE_URL=postgres://… PORT=5002 node_modules/.bin/node server.mjs   (prints "listening on <port>" when ready)
import http from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'] })],
  schema: { connectionFilterRelations: false, connectionFilterComputedColumns: false },
  grafserv: { graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
  // Without PgIndexBehaviorsPlugin every column may be ordered and filtered by, indexed or not
  // (v4's default, ignoreIndexes): SlaClock's order (startedAt, id) has no index of its own.
  disablePlugins: ['PgMutationCreatePlugin', 'PgMutationUpdateDeletePlugin', 'PgIndexBehaviorsPlugin'],
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// Build the schema (introspection) before accepting requests, so the bench never times a cold start.
await pgl.getSchema();
const server = http.createServer();
server.keepAliveTimeout = 60_000;
await serv.addTo(server);
server.listen(Number(process.env.PORT ?? 5002), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
const stop = () => server.close(() => pgl.release().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
