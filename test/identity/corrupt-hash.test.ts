import { afterEach, describe, expect, it } from 'vitest';
import { addUser, createTestCustos, logLines, type TestCustos, testPassword } from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('a stored password hash that cannot be read, on %s', (backend) => {
  let t: TestCustos;
  afterEach(async () => {
    await t.dispose();
  });

  it('refuses the sign-in like a wrong password, and logs the corrupt hash for someone to look at', async () => {
    const log = logLines();
    t = await createTestCustos(backend, {}, { logger: log.logger });
    const user = await addUser(t.custos, 'ana', ['engineer']);
    await t.custos.store.db
      .updateTable('users')
      .set({ password_hash: '$argon2id$v=19$corrupted' })
      .where('id', '=', user.id)
      .execute();
    const response = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'ana', password: testPassword },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('auth.invalid_credentials');
    const logged = log.lines.find((line) => String(line.msg).includes('password hash cannot be read'));
    expect(logged).toMatchObject({ userId: user.id });
    expect(JSON.stringify(logged)).not.toContain(testPassword);
  });
});
