import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/db/deadline.js';
import { createLogger, serializeError } from '../../src/logger.js';

/** A PostgreSQL error as postgres.js raises it, values in `detail` and `parameters`. */
function pgError() {
  return Object.assign(new Error('duplicate key value violates unique constraint "customers_phone_uq"'), {
    code: '23505',
    constraint_name: 'customers_phone_uq',
    detail: 'Key (phone)=(13800138000) already exists.',
    parameters: ['张三丰', '13800138000'],
    where: "SQL statement \"insert … values ('13800138000')\"",
  });
}

describe('serializeError: logs never carry statement values', () => {
  it('drops drizzle params from the message and stack, and the driver’s values from the cause', () => {
    const e = new DrizzleQueryError('insert into customers (name, phone) values ($1, $2)', ['张三丰', '13800138000'], pgError());
    const out = JSON.stringify(serializeError(e));
    expect(out).not.toContain('13800138000');
    expect(out).not.toContain('张三丰');
    expect(out).toContain('insert into customers');
    expect(out).toContain('23505');
    expect(out).toContain('customers_phone_uq');
  });

  it('keeps the frames of the stack', () => {
    const out = serializeError(new Error('boom')) as { stack: string; message: string };
    expect(out.message).toBe('boom');
    expect(out.stack).toMatch(/^\s+at /);
  });

  it('is what the logger uses for `err`', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.error({ err: new DrizzleQueryError('select $1', ['110101199003071234'], pgError()) }, 'internal error');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('internal error');
    expect(lines[0]).not.toContain('110101199003071234');
    expect(lines[0]).not.toContain('13800138000');
  });
});

describe('request time budget', () => {
  it('lets statements start within the budget and refuses them after it, as TIMEOUT', () => {
    const start = performance.now();
    expect(() => new RequestBudget(10_000, start).check()).not.toThrow();
    const spent = new RequestBudget(100, start - 150);
    expect(() => spent.check()).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'TIMEOUT' }) }));
    expect(() => spent.check()).toThrow(/100 ms time budget/);
  });
});
