import { describe, expect, it } from 'vitest';
import {
  assertPasswordStrength,
  defaultPasswordPolicy,
  judgedLength,
} from '../../src/identity/passwords.strength.js';
import { generatePassword } from '../../src/identity/secrets.js';

describe('password strength', () => {
  it('passes every generated password, even at the strictest score', async () => {
    for (let i = 0; i < 50; i++) {
      await expect(
        assertPasswordStrength(generatePassword(), ['admin'], { minScore: 4 }),
      ).resolves.toBeUndefined();
    }
  });

  it('refuses l33t, reversed and capitalised forms of listed passwords', async () => {
    for (const password of ['P4ssw0rd1234', 'DROWSSAP1234', 'Iloveyou1234', 'Qwerty123456']) {
      await expect(
        assertPasswordStrength(password, [], defaultPasswordPolicy),
        password,
      ).rejects.toMatchObject({
        code: 'password.too_common',
      });
    }
  });

  it('accepts passphrases of unrelated words and random-looking passwords by default', async () => {
    for (const password of [
      'purple monkey dishwasher',
      'Kangaroo-Tuesday-77',
      'Vq7#mZ2!kLp9',
      'Tr0ub4dor&3x',
    ]) {
      await expect(
        assertPasswordStrength(password, ['alice'], defaultPasswordPolicy),
        password,
      ).resolves.toBeUndefined();
    }
  });

  it('judges a long password by its first 64 characters, so a weak start is never excused by a strong tail', async () => {
    const weakStart = `${'password'.repeat(judgedLength / 8)}${generatePassword(100)}`;
    await expect(assertPasswordStrength(weakStart, [], defaultPasswordPolicy)).rejects.toMatchObject({
      code: 'password.too_common',
    });
    const strongStart = `${generatePassword(judgedLength)}${'password'.repeat(20)}`;
    await expect(assertPasswordStrength(strongStart, [], defaultPasswordPolicy)).resolves.toBeUndefined();
  });

  it('refuses at the default score what a lower score lets through', async () => {
    await expect(assertPasswordStrength('Summer2024!!', [], defaultPasswordPolicy)).rejects.toMatchObject({
      code: 'password.too_common',
    });
    await expect(assertPasswordStrength('Summer2024!!', [], { minScore: 3 })).resolves.toBeUndefined();
  });
});
