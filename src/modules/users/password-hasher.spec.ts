import { describe, expect, it } from '@jest/globals';
import { PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  const sut = new PasswordHasher();

  it('hashes with argon2id and verifies only the right password', async () => {
    const h = await sut.hash('correct horse');
    expect(h.startsWith('$argon2id$')).toBe(true);
    await expect(sut.verify(h, 'correct horse')).resolves.toBe(true);
    await expect(sut.verify(h, 'wrong horse')).resolves.toBe(false);
  });

  it('an unknown user (no hash) never verifies, even against the dummy password', async () => {
    await expect(sut.verify(undefined, 'not-a-real-password')).resolves.toBe(false);
  });

  it('a corrupt hash is a failed verification, not an exception', async () => {
    await expect(sut.verify('garbage', 'x')).resolves.toBe(false);
  });
});
