import { afterEach, describe, expect, it, vi } from 'vitest';
import { signToken, verifyToken } from '../../src/auth/token.js';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/graphql/errors.js';

const config = loadConfig({ JWT_SECRET: 'a-unit-test-secret-of-enough-length-0123456789' });

/** The error `verifyToken` rejects with. */
async function refusal(token: string, c = config): Promise<AppError> {
  const e = await verifyToken(c, token).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

describe('verifyToken remembers verified tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a token it verified with the same frozen viewer', async () => {
    const token = await signToken(config, { sub: 'agent.1', role: 'AGENT', scope: ['UHJvamVjdDox'] }, '10m');
    const first = await verifyToken(config, token);
    const second = await verifyToken(config, token);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.scope)).toBe(true);
    expect(first).toMatchObject({ id: 'agent.1', role: 'AGENT', scope: ['UHJvamVjdDox'] });
  });

  it('refuses a remembered token once it has expired, as the first verification would', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T08:00:00Z'));
    const token = await signToken(config, { sub: 'agent.2', role: 'AGENT' }, '30s');
    await expect(verifyToken(config, token)).resolves.toMatchObject({ id: 'agent.2' });
    // Within the clock tolerance (60 s after `exp`) it is still accepted, remembered or not.
    vi.setSystemTime(new Date('2026-12-01T08:01:29Z'));
    await expect(verifyToken(config, token)).resolves.toMatchObject({ id: 'agent.2' });
    vi.setSystemTime(new Date('2026-12-01T08:01:31Z'));
    const e = await refusal(token);
    expect(e.extensions.code).toBe('UNAUTHENTICATED');
    expect(e.message).toMatch(/expired/);
  });

  it('does not let a token that differs from a remembered one by a byte through', async () => {
    const token = await signToken(config, { sub: 'agent.3', role: 'ADMIN' }, '10m');
    await verifyToken(config, token);
    // The signature's first character: every one of its bits counts (the last character's low
    // bits are base64 padding, so changing it may decode to the same signature).
    const at = token.lastIndexOf('.') + 1;
    const changed = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    const e = await refusal(changed);
    expect(e.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('remembers per secret: another secret verifies the token again, and refuses it', async () => {
    const token = await signToken(config, { sub: 'agent.4', role: 'ADMIN' }, '10m');
    await verifyToken(config, token);
    const other = loadConfig({ JWT_SECRET: 'another-unit-test-secret-of-enough-length-987654' });
    const e = await refusal(token, other);
    expect(e.extensions.code).toBe('UNAUTHENTICATED');
  });
});
