import { hash, verify, type Options } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';

// OWASP's argon2id baseline (19 MiB, t=2, p=1): ~15 ms here, strong enough, cheap enough for login bursts.
// `Algorithm` is a const enum (unusable under isolatedModules); 2 is Argon2id.
const OPTIONS: Options = {
  algorithm: 2 as Options['algorithm'],
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

@Injectable()
export class PasswordHasher {
  /** Verified against when the user does not exist, so unknown users cost the same time as wrong passwords. */
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  async verify(hashed: string | undefined, password: string): Promise<boolean> {
    const target = hashed ?? (await (this.dummy ??= hash('not-a-real-password', OPTIONS)));
    try {
      return (await verify(target, password)) && hashed !== undefined;
    } catch {
      return false;
    }
  }
}
