// A small closed-loop HTTP load generator in a worker thread, so the clients' JSON and
// socket work does not run on the event loop of the server under test (which the
// benchmarks start in the main thread). `concurrency` clients each send their next POST as
// soon as the previous answer arrived, over keep-alive connections, until `bodies` is used up.
import http from 'node:http';
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

if (!isMainThread && workerData?.bodies) {
  work(workerData).then(
    (r) => parentPort.postMessage(r),
    (e) => {
      throw e;
    },
  );
}
