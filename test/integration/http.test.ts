import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/token.js';
import { codeOf, startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { MAX_QUERY_DEPTH: '6', MAX_BODY_BYTES: '4096' } });
});
afterAll(() => t?.close());

/** POSTs `query` as ADMIN with the given Accept header. */
async function postAccepting(accept: string, query: string) {
  return t.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${await t.token('ADMIN')}` },
    body: JSON.stringify({ query }),
  });
}

describe('operational HTTP', () => {
  it('answers /healthz and /readyz', async () => {
    const h = await t.fetch('/healthz');
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
    const r = await t.fetch('/readyz');
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).status).toBe('ready');
  });

  it('exposes Prometheus metrics', async () => {
    await t.gql('{ viewer { id } }', {}, 'ADMIN');
    const m = await t.fetch('/metrics');
    expect(m.status).toBe(200);
    const text = await m.text();
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('db_statements_total');
  });

  it('echoes or creates a request id', async () => {
    const r = await t.fetch('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(r.headers.get('x-request-id')).toBe('abc-123');
    const r2 = await t.fetch('/healthz');
    expect(r2.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the self-hosted IDE to browsers', async () => {
    const page = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/ide/graphiql.js');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    for (const asset of ['/ide/graphiql.js', '/ide/graphiql.css', '/ide/react.js', '/ide/react-dom.js']) {
      const a = await t.fetch(asset);
      expect(a.status, asset).toBe(200);
      expect((await a.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it('answers GET /graphql queries (cacheable reads)', async () => {
    const token = await t.token('ANALYST');
    const r = await t.fetch(`/graphql?query=${encodeURIComponent('{ viewer { role } }')}`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).data.viewer.role).toBe('ANALYST');
  });

  it('marks every GraphQL answer no-store: answers depend on the token', async () => {
    const token = await t.token('ANALYST');
    const get = await t.fetch(`/graphql?query=${encodeURIComponent('{ viewer { role } }')}`, { headers: { authorization: `Bearer ${token}` } });
    const post = await t.fetch('/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    expect([get.status, post.status]).toEqual([200, 200]);
    expect(get.headers.get('cache-control')).toBe('no-store');
    expect(post.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses mutations over GET', async () => {
    const token = await t.token('ADMIN');
    const q = encodeURIComponent('mutation { updateProject(input: { id: "x" }) { project { id } } }');
    const r = await t.fetch(`/graphql?query=${q}`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(405);
  });

  it('rejects malformed JSON with 400 and no internals', async () => {
    const r = await t.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(text).not.toMatch(/at \w+ \(|node_modules|SyntaxError/);
  });

  it('rejects oversized bodies with 413', async () => {
    const body = JSON.stringify({ query: `{ viewer { id } } # ${'x'.repeat(5000)}` });
    const r = await t.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(413);
  });

  it('reads a body sent in chunks without a length, and refuses one that streams past the limit with 413', async () => {
    /** POSTs `parts` one write at a time (chunked, no content-length): the status and body, or the error if the connection was cut. */
    const streamed = (parts: (string | Buffer)[]) =>
      new Promise<{ status: number; body: string } | string>((resolve) => {
        const req = request(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          const got: Buffer[] = [];
          res.on('data', (c: Buffer) => got.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(got).toString('utf8') }));
        });
        req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
        (async () => {
          for (const p of parts) {
            req.write(p);
            await new Promise((r) => setTimeout(r, 5));
          }
          req.end();
        })();
      });
    // Under the limit (4096 bytes) in three writes, one character split across two: read whole (the parser's error quotes it).
    const doc = JSON.stringify({ query: '{ __typename 漏水 }' });
    const bytes = Buffer.from(doc);
    const cut = bytes.indexOf(Buffer.from('漏')) + 1;
    const read = await streamed([bytes.subarray(0, 5), bytes.subarray(5, cut), bytes.subarray(cut)]);
    expect(read).toEqual({ status: 200, body: expect.stringContaining('Unexpected character: U+6F0F.') }); // 漏, not U+FFFD
    // Past the limit without a declared length: 413 as with one, and the server answers the next request.
    const big = ['{"query":"{ __typename }", "x": "', ...Array.from({ length: 10 }, () => 'y'.repeat(1000)), '"}'];
    expect(await streamed(big)).toEqual({ status: 413, body: expect.stringContaining('PAYLOAD_TOO_LARGE') });
    expect((await t.fetch('/healthz')).status).toBe(200);
  });

  it('rejects invalid, foreign and expired tokens with 401 UNAUTHENTICATED', async () => {
    for (const token of [
      'not-a-jwt',
      await signToken({ ...t.config, jwtSecret: 'another-secret-another-secret-another-secret' }, { sub: 'x', role: 'ADMIN' }),
      await signToken(t.config, { sub: 'x', role: 'ADMIN' }, '-1m'),
    ]) {
      const r = await t.gql('{ viewer { id } }', {}, token);
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
    }
  });

  it('answers anonymous data queries with UNAUTHENTICATED and viewer with null', async () => {
    const r = await t.gql('{ projects { totalCount } }');
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
    expect(r.data).toBeNull();
    const v = await t.gql('{ viewer { id } }');
    expect(v.data).toEqual({ viewer: null });
  });

  it('limits query depth', async () => {
    const deep = '{ customers { edges { node { units { unit { project { cityCompany { region { name } } } } } } } } }';
    const r = await t.gql(deep, {}, 'ADMIN');
    expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors![0]!.message).toMatch(/depth/);
  });

  it('refuses operations whose estimated cost is too high, counting variables', async () => {
    const q = `query($n: Int) { projects(first: $n) { edges { node { customers(first: $n) { totalCount pageInfo { hasNextPage } } } } } }`;
    const big = await t.gql(q, { n: 200 }, 'ADMIN');
    expect(codeOf(big)).toBe('QUERY_TOO_COMPLEX');
    expect(big.errors![0]!.extensions).toMatchObject({ maxCost: 50_000 });
    expect(big.data).toBeUndefined();
    const small = await t.gql(q, { n: 10 }, 'ADMIN');
    expect(small.errors).toBeUndefined();
    // Answered once without errors, the document may skip Apollo's pipeline (src/http/executor.ts): its cost is still counted.
    expect(codeOf(await t.gql(q, { n: 200 }, 'ADMIN'))).toBe('QUERY_TOO_COMPLEX');
    // A document without variables is costed once and answered alike every time after.
    const literal = `{ projects(first: 200) { edges { node { customers(first: 200) { totalCount pageInfo { hasNextPage } } } } } }`;
    const first = await t.gql(literal, {}, 'ADMIN');
    expect(codeOf(first)).toBe('QUERY_TOO_COMPLEX');
    const again = await t.gql(literal, {}, 'ADMIN');
    expect(codeOf(again)).toBe('QUERY_TOO_COMPLEX');
    expect(again.errors![0]!.extensions!.cost).toBe(first.errors![0]!.extensions!.cost);
    // A page size left to its variable's default is costed at that default, however often it is sent.
    const defaulted = `query($n: Int = 200) { projects(first: $n) { edges { node { customers(first: $n) { totalCount pageInfo { hasNextPage } } } } } }`;
    for (let i = 0; i < 2; i++) expect(codeOf(await t.gql(defaulted, {}, 'ADMIN'))).toBe('QUERY_TOO_COMPLEX');
    expect((await t.gql(defaulted, { n: 10 }, 'ADMIN')).errors).toBeUndefined();
    expect(codeOf(await t.gql(defaulted, {}, 'ADMIN'))).toBe('QUERY_TOO_COMPLEX');
  });

  it('reports unknown fields as validation errors without stack traces', async () => {
    const r = await t.gql('{ nope }', {}, 'ADMIN');
    expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(r)).not.toContain('stacktrace');
  });

  it('uses 200 for validation errors with application/json and 400 with application/graphql-response+json', async () => {
    const post = (accept: string) => postAccepting(accept, '{ nope }');
    const legacy = await post('application/json');
    expect(legacy.status).toBe(200);
    expect(((await legacy.json()) as any).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const modern = await post('application/graphql-response+json');
    expect(modern.status).toBe(400);
    expect(modern.headers.get('content-type')).toContain('application/graphql-response+json');
  });

  it('answers in the media type the Accept header asks for, the first time and every time after (406 when it accepts neither JSON type)', async () => {
    const post = (accept: string) => postAccepting(accept, '{ viewer { role } }');
    const cases: [string, number, string | null][] = [
      ['application/graphql-response+json, application/json;q=0.9', 200, 'application/graphql-response+json; charset=utf-8'],
      ['application/json', 200, 'application/json; charset=utf-8'],
      ['*/*', 200, 'application/json; charset=utf-8'],
      ['application/json;q=0.5, application/graphql-response+json', 200, 'application/graphql-response+json; charset=utf-8'],
      ['text/plain', 406, null],
    ];
    for (const [accept, status, type] of cases) {
      for (let i = 0; i < 3; i++) {
        const r = await post(accept);
        expect([accept, i, r.status]).toEqual([accept, i, status]);
        if (type) expect([accept, i, r.headers.get('content-type')]).toEqual([accept, i, type]);
        const body = (await r.json()) as { data?: unknown };
        if (status === 200) expect(body.data).toEqual({ viewer: { role: 'ADMIN' } });
      }
    }
  });

  it('returns 404 JSON for unknown routes', async () => {
    const r = await t.fetch('/nope');
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After past the per-token limit', async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const token = await limited.token('ADMIN');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.gql('{ viewer { id } }', {}, token)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const other = await limited.gql('{ viewer { id } }', {}, await limited.token('ADMIN', { sub: 'someone-else' }));
      expect(other.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

/** Sends `GET /healthz` on a raw keep-alive connection; resolves with the response head and a promise of the socket's close. */
function keepAliveProbe(url: string): Promise<{ head: string; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let answeredAt = 0;
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - answeredAt)));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!answeredAt && received.includes('\r\n\r\n{')) {
        answeredAt = Date.now();
        resolve({ head: received.slice(0, received.indexOf('\r\n\r\n')), closed });
      }
    });
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('keep-alive', () => {
  it('keeps idle connections open longer than common load balancers do (65 s), and says so', async () => {
    const { head, closed } = await keepAliveProbe(t.url);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head.toLowerCase()).toContain('keep-alive: timeout=65');
    // Still open a moment later (the old 5 s timeout would also pass this; the header above is the setting).
    const early = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 300))]);
    expect(early).toBe('open');
  });

  it('closes idle connections after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const short = await startTestApp({ env: { HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' } });
    try {
      const { head, closed } = await keepAliveProbe(short.url);
      expect(head.toLowerCase()).toContain('keep-alive: timeout=1');
      const idleMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
      expect(idleMs).toBeGreaterThanOrEqual(900);
    } finally {
      await short.close();
    }
  });
});
