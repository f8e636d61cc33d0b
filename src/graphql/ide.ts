import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';

/** Files of the self-hosted GraphiQL IDE, served from node_modules (no CDN at run time). */
export const IDE_ASSETS: Record<string, { file: string; type: string }> = {
  '/ide/react.js': { file: 'react/umd/react.production.min.js', type: 'text/javascript' },
  '/ide/react-dom.js': { file: 'react-dom/umd/react-dom.production.min.js', type: 'text/javascript' },
  '/ide/graphiql.js': { file: 'graphiql/graphiql.min.js', type: 'text/javascript' },
  '/ide/graphiql.css': { file: 'graphiql/graphiql.min.css', type: 'text/css' },
};

const cache = new Map<string, Buffer>();

/** The bytes of an IDE asset, or null. */
export function ideAsset(urlPath: string): { body: Buffer; type: string } | null {
  const asset = IDE_ASSETS[urlPath];
  if (!asset) return null;
  let body = cache.get(urlPath);
  if (!body) {
    body = readFileSync(path.join(projectRoot(), 'node_modules', asset.file));
    cache.set(urlPath, body);
  }
  return { body, type: asset.type };
}

const EXAMPLE = `# Customer-experience API. Set the Authorization header below
# (npm run --silent token -- --role ADMIN), then run:
query Overview {
  viewer { id role can { editCustomers revealContact } }
  projects(first: 5) {
    totalCount
    edges { node { id code name stage cityCompany { name city } } }
  }
  customers(first: 5, filter: { segments: [PRE_OWNER, BREAK_IN] }) {
    totalCount
    edges { node { id name phone segment units { unit { label } signedAt deliveredAt } } }
  }
}
`;

/** The GraphiQL page; `token` pre-fills the Authorization header (development only). */
export function idePage(token: string | null): string {
  const headers = JSON.stringify({ Authorization: `Bearer ${token ?? '<paste a token from: npm run --silent token -- --role ADMIN>'}` }, null, 2);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>Customer-experience GraphQL API</title>
<link rel="stylesheet" href="/ide/graphiql.css" />
<style>html,body,#ide{height:100%;margin:0}</style>
</head>
<body>
<div id="ide"></div>
<script src="/ide/react.js"></script>
<script src="/ide/react-dom.js"></script>
<script src="/ide/graphiql.js"></script>
<script>
  // Until a token is pasted over the placeholder, send no Authorization header: the
  // placeholder would make every request a 401, the schema introspection included
  // (no docs, no autocompletion), while anonymous introspection is allowed.
  // Subscriptions go over graphql-ws on the same path; the headers become connection_init params.
  const send = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql' });
  const fetcher = (params, opts) => {
    const headers = { ...(opts && opts.headers) };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'authorization' && String(headers[name]).includes('<')) delete headers[name];
    }
    return send(params, { ...opts, headers });
  };
  ReactDOM.createRoot(document.getElementById('ide')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: ${JSON.stringify(EXAMPLE)},
      defaultHeaders: ${JSON.stringify(headers)},
      headerEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
  );
</script>
</body>
</html>`;
}
