import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCustos, sessionHeaders, signIn, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

const chosen = 'quiet harbor lamp 2291 violet';

describe.each(backends)('a generated password on %s', (backend) => {
  let t: TestCustos;
  beforeEach(async () => {
    t = await createTestCustos(backend);
  });
  afterEach(async () => {
    await t.dispose();
  });
  const inject = (options: InjectOptions) => t.custos.api.app.inject(options);

  it('opens one session, which may only change the password; then it signs in no more', async () => {
    const { user, generatedPassword } = await t.custos.users.create({
      username: 'root',
      roles: ['admin'],
      createdBy: 'system',
    });
    expect(user.passwordChangeRequired).toBe(true);
    const first = await signIn(t.custos, 'root', generatedPassword);
    const session = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(first) });
    expect(session.json().user.passwordChangeRequired).toBe(true);
    expect(session.json().permissions).toContain('users.write');

    const refused = await inject({ method: 'GET', url: '/v1/users', headers: sessionHeaders(first) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('auth.password_change_required');

    // Not a second session with the printed password, even before it was replaced.
    const second = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'root', password: generatedPassword },
    });
    expect(second.statusCode).toBe(401);

    const changed = await inject({
      method: 'POST',
      url: '/v1/auth/password',
      headers: sessionHeaders(first),
      payload: { currentPassword: generatedPassword, newPassword: chosen },
    });
    expect(changed.statusCode).toBe(204);
    const allowed = await inject({ method: 'GET', url: '/v1/users', headers: sessionHeaders(first) });
    expect(allowed.statusCode).toBe(200);
    const again = await signIn(t.custos, 'root', chosen);
    const after = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(again) });
    expect(after.json().user.passwordChangeRequired).toBe(false);
  });

  it('is what a reset gives: every session ends, and the new one must be replaced', async () => {
    const { user } = await t.custos.users.create({
      username: 'dana',
      roles: ['analyst'],
      password: chosen,
      createdBy: 'test',
    });
    const before = await signIn(t.custos, 'dana', chosen);
    const reset = await t.custos.users.resetPassword(user.id, 'cli');
    const ended = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(before) });
    expect(ended.statusCode).toBe(401);
    const old = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'dana', password: chosen },
    });
    expect(old.statusCode).toBe(401);
    const fresh = await signIn(t.custos, 'dana', reset);
    const blocked = await inject({ method: 'GET', url: '/v1/access/grants', headers: sessionHeaders(fresh) });
    expect(blocked.json().code).toBe('auth.password_change_required');
  });

  it('never reaches a disabled user', async () => {
    const { user } = await t.custos.users.create({
      username: 'gone',
      roles: ['engineer'],
      createdBy: 'test',
    });
    await t.custos.users.disable(user.id, 'test');
    await expect(t.custos.users.resetPassword(user.id, 'cli')).rejects.toMatchObject({
      code: 'resource.not_found',
    });
  });
});
