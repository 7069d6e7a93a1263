import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (proxy passwords, channel keys, SMS credentials): AES-256-GCM under a key derived
 * from APP_SECRET_KEY. The stored form is `v1.<iv>.<tag>.<ciphertext>` (base64url), so a later key or
 * algorithm can be introduced beside it without guessing what a row holds.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(appSecretKey: Buffer) {
    // A purpose-bound subkey: the raw APP_SECRET_KEY may serve other uses (signing) later.
    this.key = Buffer.from(
      hkdfSync('sha256', appSecretKey, Buffer.alloc(0), 'btc-watcher/secret-box/v1', 32),
    );
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws SecretBoxError when the value was not sealed by this key (tampered, or another key). */
  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
      throw new SecretBoxError('not a sealed secret');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('secret does not open under APP_SECRET_KEY (was the key changed?)');
    }
  }
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}
