// The executor of bench/read.mjs (`--only …,executor`): what Apollo Server and graphql-js
// alone cost for the three read workloads, with the data already in memory. It serves our
// schema (schema/schema.graphql, built from its SDL) with Apollo configured as ours is (landing
// page and cache-control plugins disabled) on node:http, and answers each request body with the
// answer our API gave to the same body, recorded by bench/read.mjs: every root field returns its
// part of that answer and graphql-js resolves everything below it with its default resolvers.
//
// So it parses (Apollo's document cache), validates, executes and serialises exactly the
// documents ours does, into the same JSON, with no database, no authentication, no access
// rules, no type-graphql and no resolver work. Its CPU per request is the part of ours that
// any server on Apollo + graphql-js pays; what ours costs beyond it is our data path.
//
//   EXECUTOR_ANSWERS=answers.json PORT=5004 node bench/read-executor.mjs   (prints "listening on <port>")
//
// EXECUTOR_ANSWERS holds `[{ body, answer }]`: `body` the request body as sent (JSON text),
// `answer` our API's response to it. A body not in the file is a 400.
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const schema = buildSchema(readFileSync(path.join(root, 'schema', 'schema.graphql'), 'utf8'));
/** The recorded data of each request body, keyed by its canonical form (query + variables). */
const keyOf = (body) => JSON.stringify([body.query, body.variables ?? null]);
const recorded = new Map(JSON.parse(readFileSync(process.env.EXECUTOR_ANSWERS, 'utf8')).map(({ body, answer }) => [keyOf(JSON.parse(body)), answer.data]));

// Root fields take their value from the request's recorded data, under the field's response key (its alias).
for (const field of Object.values(schema.getQueryType().getFields())) field.resolve = (_root, _args, ctx, info) => ctx.data[info.path.key];

const apollo = new ApolloServer({ schema, plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()] });
await apollo.start();

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const data = recorded.get(keyOf(body));
    if (!data) {
      res.statusCode = 400;
      res.end(JSON.stringify({ errors: [{ message: 'not a recorded request body' }] }));
      return;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: 'POST', headers, search: '', body }, context: async () => ({ data }) });
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    res.end(result.body.kind === 'complete' ? result.body.string : '');
  } catch (e) {
    res.statusCode = 500;
    res.end(JSON.stringify({ errors: [{ message: String(e?.message ?? e) }] }));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 5004), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
const stop = () => server.close(() => apollo.stop().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
