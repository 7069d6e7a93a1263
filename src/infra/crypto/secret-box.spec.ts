import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SecretBox, SecretBoxError } from './secret-box.js';
import { SECRET_MASK, maskSecret, nextSealedSecret } from './secret-mask.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('p@ss:w/rd%');
    expect(sealed).not.toContain('p@ss');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed)).toBe('p@ss:w/rd%');
  });

  it('seals the same value differently each time (fresh IV)', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('refuses a value sealed under another key or tampered with', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(box.seal('secret'))).toThrow(SecretBoxError);
    const parts = box.seal('secret').split('.');
    parts[3] = Buffer.from('SECRET').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(SecretBoxError);
    expect(() => box.open('plain')).toThrow(SecretBoxError);
  });
});

describe('secret masks', () => {
  const seal = (p: string) => `sealed(${p})`;
  it('masks present values only', () => {
    expect(maskSecret('abc')).toBe(SECRET_MASK);
    expect(maskSecret('')).toBeNull();
    expect(maskSecret(null)).toBeNull();
  });
  it('keeps the stored secret when the mask or nothing comes back, clears on null, seals a new one', () => {
    expect(nextSealedSecret(SECRET_MASK, 'old', seal)).toBe('old');
    expect(nextSealedSecret(undefined, 'old', seal)).toBe('old');
    expect(nextSealedSecret(null, 'old', seal)).toBeNull();
    expect(nextSealedSecret('new', 'old', seal)).toBe('sealed(new)');
  });
});
