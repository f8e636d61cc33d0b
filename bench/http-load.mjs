// Closed-loop HTTP load generators: `concurrency` clients each send their next POST as soon
// as the previous answer arrived, over keep-alive connections.
//
// - runLoad: in a worker thread, so the clients' JSON and socket work does not run on the
//   event loop of the server under test (which complaints-create starts in the main thread),
//   until `bodies` is used up.
// - runTimedLoad: in a process of its own (its CPU can be read from /proc apart from the
//   bench's and the server's), for a warm-up and then a timed window, cycling through
//   `bodies`; on raw sockets with the requests serialised once, so that the client costs
//   as little CPU as possible on a small machine where it shares the cores with the server
//   and PostgreSQL.
import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/**
 * POSTs every body in `bodies` (JSON strings) to `url` with `concurrency` clients.
 * Resolves to { elapsedMs, latenciesMs[], errors, firstError }. A response counts as an
 * error when its status is not 200 or its JSON has `errors`.
 */
export function runLoad({ url, bodies, concurrency, headers = {} }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { url, bodies, concurrency, headers } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited with ${code}`)));
  });
}

async function work({ url, bodies, concurrency, headers }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = new Array(bodies.length);
  let next = 0;
  let errors = 0;
  let firstError = null;
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const client = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const t = performance.now();
      const { status, text } = await post(bodies[i]);
      latencies[i] = performance.now() - t;
      if (status !== 200 || text.includes('"errors"')) {
        errors++;
        firstError ??= `${status} ${text.slice(0, 500)}`;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { elapsedMs, latenciesMs: latencies, errors, firstError };
}

/**
 * Closed-loop load from a child process: `connections` keep-alive connections POST `bodies`
 * (JSON strings, taken in turn) to `url` for `warmupMs`, then for `durationMs` more (the timed
 * window), then stop sending and let the requests in flight finish. `onTimed(pid)` is awaited
 * when the timed window starts and `onEnd()` when it ends (e.g. to read CPU counters), both
 * with the generator's process id. Resolves to { requests, elapsedMs, rps, latenciesMs (of the
 * requests answered within the window), errors, firstError, warmupRequests }. A response is an
 * error when its status is not 200 or its body contains `"errors"`.
 */
export function runTimedLoad({ url, bodies, headers = {}, connections, warmupMs, durationMs, onTimed = async () => {}, onEnd = async () => {}, signal }) {
  return new Promise((resolve, reject) => {
    // `signal` (an AbortSignal) kills the load process, e.g. when the bench is interrupted.
    const child = fork(fileURLToPath(import.meta.url), ['--timed-load'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], signal });
    let done = false;
    child.on('message', async (m) => {
      try {
        if (m.phase === 'timed') await onTimed(child.pid);
        else if (m.phase === 'end') await onEnd(child.pid);
        else if (m.phase === 'done') {
          done = true;
          resolve(m.result);
          return;
        }
        child.send({ ack: m.phase });
      } catch (e) {
        child.kill();
        reject(e);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => !done && reject(new Error(`load process exited with ${code}`)));
    child.send({ url, bodies, headers, connections, warmupMs, durationMs });
  });
}

/** The child side of runTimedLoad. */
async function timedLoad({ url, bodies, headers, connections, warmupMs, durationMs }) {
  const target = new URL(url);
  const host = target.hostname;
  const port = Number(target.port || 80);
  const requests = bodies.map((b) => {
    const body = Buffer.from(b);
    const head = [`POST ${target.pathname}${target.search} HTTP/1.1`, `host: ${target.host}`, 'content-type: application/json', 'accept: application/json', `content-length: ${body.length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), body]);
  });
  const ERRORS = Buffer.from('"errors"');
  const HEAD_END = Buffer.from('\r\n\r\n');
  let next = 0;
  let phase = 'warmup'; // → timed → drain
  let windowStart = 0;
  let windowEnd = Infinity;
  const latencies = [];
  let warmupRequests = 0;
  let errors = 0;
  let firstError = null;
  const ask = (p) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.ack === p) {
          process.off('message', on);
          resolve();
        }
      };
      process.on('message', on);
      process.send({ phase: p });
    });

  /** End offset of a complete chunked body starting at `at`, or -1 when more bytes are needed. */
  const chunkedEnd = (buf, at) => {
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return -1;
      const size = parseInt(buf.toString('latin1', at, eol), 16);
      if (size === 0) {
        const end = buf.indexOf(HEAD_END, eol);
        return end < 0 ? -1 : end + 4; // (no trailers are expected)
      }
      at = eol + 2 + size + 2;
      if (at > buf.length) return -1;
    }
  };
  /** The body of a chunked message (for the error check). */
  const unchunk = (buf, at) => {
    const parts = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      const size = parseInt(buf.toString('latin1', at, eol), 16);
      if (!size) return Buffer.concat(parts);
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  };

  const client = () =>
    new Promise((resolveClient) => {
      let socket;
      let buf = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        if (phase === 'drain') {
          socket.end();
          return; // resolved by 'close'
        }
        const i = next++ % requests.length;
        sentAt = performance.now();
        socket.write(requests[i]);
      };
      const fail = (text) => {
        errors++;
        firstError ??= text;
      };
      const connect = () => {
        buf = Buffer.alloc(0);
        socket = net.connect(port, host);
        socket.setNoDelay(true);
        socket.on('connect', send);
        socket.on('data', (chunk) => {
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
          const headEnd = buf.indexOf(HEAD_END);
          if (headEnd < 0) return;
          const head = buf.toString('latin1', 0, headEnd).toLowerCase();
          const status = Number(head.slice(9, 12));
          const cl = /\r\ncontent-length: *(\d+)/.exec(head);
          let end;
          let body;
          if (cl) {
            end = headEnd + 4 + Number(cl[1]);
            if (buf.length < end) return;
            body = buf.subarray(headEnd + 4, end);
          } else if (/\r\ntransfer-encoding: *chunked/.test(head)) {
            end = chunkedEnd(buf, headEnd + 4);
            if (end < 0) return;
            body = unchunk(buf, headEnd + 4);
          } else {
            fail(`response without length: ${head.slice(0, 200)}`);
            socket.destroy();
            return;
          }
          const t = performance.now();
          if (status !== 200 || body.indexOf(ERRORS) >= 0) fail(`${status} ${body.toString('utf8', 0, Math.min(body.length, 500))}`);
          if (phase === 'warmup') warmupRequests++;
          else if (t >= windowStart && t <= windowEnd) latencies.push(t - sentAt);
          buf = buf.length > end ? buf.subarray(end) : Buffer.alloc(0);
          if (/\r\nconnection: *close/.test(head)) {
            socket.destroy(); // the 'close' handler reconnects and sends
            return;
          }
          send();
        });
        socket.on('error', (e) => fail(`socket: ${e.message}`));
        const mine = socket;
        socket.on('close', () => {
          if (mine !== socket) return;
          if (phase === 'drain') return resolveClient();
          setTimeout(connect, 10);
        });
      };
      connect();
    });

  const running = Promise.all(Array.from({ length: connections }, client));
  await new Promise((r) => setTimeout(r, warmupMs));
  await ask('timed');
  windowStart = performance.now();
  phase = 'timed';
  await new Promise((r) => setTimeout(r, durationMs));
  windowEnd = performance.now();
  phase = 'drain';
  await ask('end');
  await Promise.race([running, new Promise((r) => setTimeout(r, 30_000))]);
  const elapsedMs = windowEnd - windowStart;
  return { requests: latencies.length, elapsedMs, rps: (latencies.length * 1000) / elapsedMs, latenciesMs: Float64Array.from(latencies), errors, firstError, warmupRequests };
}

if (process.argv[2] === '--timed-load' && process.send) {
  process.once('disconnect', () => process.exit(0)); // the bench is gone: stop loading its servers
  process.once('message', (spec) =>
    timedLoad(spec).then(
      (result) => {
        process.send({ phase: 'done', result }, () => process.exit(0));
      },
      (e) => {
        console.error(e);
        process.exit(1);
      },
    ),
  );
}

if (!isMainThread && workerData?.bodies) {
  work(workerData).then(
    (r) => parentPort.postMessage(r),
    (e) => {
      throw e;
    },
  );
}
