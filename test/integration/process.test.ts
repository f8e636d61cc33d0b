import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyToken } from '../../src/auth/token.js';
import { loadConfig } from '../../src/config.js';
import { dbKind } from '../helpers/test-app.js';

const root = path.join(__dirname, '..', '..');
const node = process.execPath;
const dist = (f: string) => path.join(root, 'dist', 'src', f);
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
let dataDir: string;

beforeAll(() => {
  // The CLIs run from the compiled build, as `npm start` and `npm run token` do.
  execFileSync(node, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'inherit' });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'cx-data-'));
}, 120_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('token CLI', () => {
  it('prints a verifiable token with role and scope', async () => {
    const out = execFileSync(node, [dist('cli/token.js'), '--role', 'manager', '--scope', 'UHJvamVjdDox,UHJvamVjdDoy', '--sub', 'li.lei'], {
      env: { ...baseEnv, NODE_ENV: 'development' },
    })
      .toString()
      .trim();
    const viewer = await verifyToken(loadConfig({ NODE_ENV: 'development' }), out);
    expect(viewer).toMatchObject({ id: 'li.lei', role: 'MANAGER', scope: ['UHJvamVjdDox', 'UHJvamVjdDoy'] });
  });

  it('refuses an unknown role with a usage message', () => {
    const r = spawnSync(node, [dist('cli/token.js'), '--role', 'KING'], { env: baseEnv });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/--role/);
  });
});

describe('server process', () => {
  it('refuses to start in production without JWT_SECRET, naming it', () => {
    const r = spawnSync(node, [dist('main.js')], { env: { ...baseEnv, NODE_ENV: 'production' }, timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toContain('JWT_SECRET');
  });

  it.skipIf(dbKind !== 'pglite')('starts on an empty DATA_DIR with demo data, serves queries, and stops on SIGTERM', async () => {
    const child = spawn(node, [dist('main.js')], {
      env: { ...baseEnv, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line in: ${out}`)), 150_000);
      child.stdout.on('data', () => {
        const m = /"port":(\d+).*server listening/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    expect(out).toContain('demo data loaded');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const token = execFileSync(node, [dist('cli/token.js'), '--role', 'ANALYST'], { env: { ...baseEnv, NODE_ENV: 'development' } }).toString().trim();
    const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          '{ projects { totalCount } customers { totalCount } touchpoints { totalCount } touchpointCompliance { total { planned done doneOnTime doneLate overdue skipped onTimeRate } } ' +
          'surveyResponses { totalCount } satisfactionStats(groupBy: [TEMPLATE]) { cells { group { templateCode } responses } total { responses mean } } ' +
          'slaAlerts(filter: { levels: [LOW_SATISFACTION] }) { totalCount } }',
      }),
    });
    type Compliance = { planned: number; done: number; doneOnTime: number; doneLate: number; overdue: number; skipped: number; onTimeRate: number };
    const body = (await r.json()) as {
      data: {
        projects: { totalCount: number };
        customers: { totalCount: number };
        touchpoints: { totalCount: number };
        touchpointCompliance: { total: Compliance };
        surveyResponses: { totalCount: number };
        satisfactionStats: { cells: { group: { templateCode: string }; responses: number }[]; total: { responses: number; mean: number } };
        slaAlerts: { totalCount: number };
      };
    };
    expect(body.data.projects.totalCount).toBe(10);
    expect(body.data.customers.totalCount).toBeGreaterThan(1500);
    // The demo's milestones planned their standard actions, and most were done, mostly on time.
    const c = body.data.touchpointCompliance.total;
    expect(c.planned).toBeGreaterThan(5000);
    expect(body.data.touchpoints.totalCount).toBe(c.done);
    expect(c.done / c.planned).toBeGreaterThan(0.6);
    expect(c.doneLate).toBeGreaterThan(0);
    expect(c.overdue).toBeGreaterThan(0);
    expect(c.skipped).toBeGreaterThan(0);
    expect(c.onTimeRate).toBeGreaterThan(60);
    expect(c.onTimeRate).toBeLessThan(95);
    // Satisfaction calls carried surveys, and some customers answered the annual survey, through
    // the API's write path: low scores raised their alerts.
    const s = body.data.satisfactionStats;
    expect(s.total.responses).toBeGreaterThan(500);
    expect(body.data.surveyResponses.totalCount).toBe(s.total.responses);
    expect(s.cells.map((x) => x.group.templateCode).sort()).toEqual(['ANNUAL', 'DELIVERY', 'SIGNING', 'THREE_MONTH']);
    expect(s.total.mean).toBeGreaterThan(3.5);
    expect(s.total.mean).toBeLessThan(4.5);
    expect(body.data.slaAlerts.totalCount).toBeGreaterThan(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  }, 180_000);
});
