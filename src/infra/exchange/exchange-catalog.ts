import { Injectable } from '@nestjs/common';

/**
 * Which exchange ids ccxt knows. ccxt is large (~0.6 s and ~70 MB to load), so it is imported on
 * first use, not at start-up.
 */
@Injectable()
export class ExchangeCatalog {
  private ids?: Promise<ReadonlySet<string>>;

  has(id: string): Promise<boolean> {
    this.ids ??= import('ccxt').then((m) => new Set((m.default ?? m).exchanges as string[]));
    return this.ids.then((set) => set.has(id));
  }
}
