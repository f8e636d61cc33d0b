import type { IncomingMessage, ServerResponse } from 'node:http';

/** An HTTP-level refusal (before GraphQL): status, code and message, optional headers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Reads a request body up to `limit` bytes (413 beyond). With listeners rather than `for await`:
 * the stream's async iterator was about 1 % of a short read's CPU. It settles as `for await`
 * did: a request already closed (its client gone while the token was checked) or closed before
 * its end is refused at once; past the limit the request is let go of and destroyed without its
 * socket, as Node's stream destroyer does, so that the 413 still reaches the client.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  if (req.destroyed || req.readableAborted) return Promise.reject(new Error('The request was closed before its body was read'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        (req as { socket: unknown }).socket = null;
        req.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    // Closed before its end (the client went away): the body is incomplete.
    const onClose = () => {
      done();
      reject(new Error('The request was closed before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Whether the client prefers `application/graphql-response+json` over `application/json`
 * (GraphQL over HTTP): the higher quality wins, then the earlier entry.
 */
export function prefersGraphqlResponseJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let gr: { q: number; i: number } | null = null;
  let json: { q: number; i: number } | null = null;
  accept.split(',').forEach((part, i) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!(q > 0)) return;
    if (type === 'application/graphql-response+json') gr ??= { q, i };
    else if (type === 'application/json' || type === 'application/*' || type === '*/*') {
      if (!json || q > json.q) json = { q, i };
    }
  });
  if (!gr) return false;
  const g: { q: number; i: number } = gr;
  const j = json as { q: number; i: number } | null;
  return !j || g.q > j.q || (g.q === j.q && g.i < j.i);
}

/**
 * Sends a request error the way the GraphQL pipeline would: 400 under
 * `application/graphql-response+json`, 200 under the legacy `application/json`.
 */
export function sendRequestError(req: IncomingMessage, res: ServerResponse, error: { message: string; extensions: Record<string, unknown> }) {
  const modern = prefersGraphqlResponseJson(req.headers.accept);
  const text = JSON.stringify({ errors: [error] });
  res.writeHead(modern ? 400 : 200, {
    'content-type': `${modern ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The token of an `Authorization: Bearer …` header, or ''. */
export const bearerTokenOrEmpty = (h: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(h ?? '')?.[1] ?? '';

/** Whether a peer address is this machine. */
export const isLoopback = (addr: string | undefined) => !!addr && (addr === '::1' || addr.startsWith('127.') || addr === '::ffff:127.0.0.1');
