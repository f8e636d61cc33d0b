// PostGraphile v4 as a peer of bench/read.mjs: the library middleware on a bare node:http
// server, exposing schema `public` of DATABASE_URL with the connection-filter plugin, tuned as
// PostGraphile's "production" page suggests (no query log, no GraphiQL, no watch mode, no
// extended errors). Default inflection and ids (`nodeId` global IDs, `id` the row key), no
// authentication: the bench compares with our ADMIN, who sees every row. Pool: pg's default of
// 10 connections, like our DATABASE_POOL_SIZE default.
//
//   DATABASE_URL=postgres://… PORT=5001 node server.mjs      (prints "listening on <port>" when ready)
import http from 'node:http';
import { postgraphile } from 'postgraphile';
import ConnectionFilterPlugin from 'postgraphile-plugin-connection-filter';

const middleware = postgraphile(process.env.DATABASE_URL, 'public', {
  appendPlugins: [ConnectionFilterPlugin],
  graphileBuildOptions: { connectionFilterRelations: false, connectionFilterComputedColumns: false },
  disableDefaultMutations: true,
  disableQueryLog: true,
  graphiql: false,
  watchPg: false,
  retryOnInitFail: false,
  setofFunctionsContainNulls: false,
  legacyRelations: 'omit',
  dynamicJson: true,
  enableQueryBatching: false,
});
// Build the schema (introspection) before accepting requests, so the bench never times a cold start.
await middleware.getGraphQLSchema();
const server = http.createServer(middleware);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 5001), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
const stop = () => server.close(() => middleware.release().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
