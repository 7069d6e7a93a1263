import type { PaginationMeta } from '../http/envelope.js';

/**
 * What a service returns for a paginated list. The envelope interceptor turns it into
 * `data: { [key]: items }` plus a top-level `pagination` block, the spec's shape.
 */
export class Page<T> {
  constructor(
    readonly key: string,
    readonly items: T[],
    readonly page: number,
    readonly pageSize: number,
    /** Negative when not counted (keyset pages): then there is no pagination block. */
    readonly total: number,
    /** More fields of `data` beside the items, e.g. next_cursor. */
    readonly extra: Record<string, unknown> = {},
    /** For lists that cap their count: whether `total` is only a lower bound (undefined: not capped). */
    readonly totalIsLowerBound?: boolean,
  ) {}

  get meta(): PaginationMeta | undefined {
    if (this.total < 0) return undefined;
    return {
      page: this.page,
      page_size: this.pageSize,
      total: this.total,
      total_pages: this.pageSize > 0 ? Math.ceil(this.total / this.pageSize) : 0,
      ...(this.totalIsLowerBound !== undefined ? { total_is_lower_bound: this.totalIsLowerBound } : {}),
    };
  }

  map<U>(fn: (item: T) => U): Page<U> {
    return new Page(
      this.key,
      this.items.map(fn),
      this.page,
      this.pageSize,
      this.total,
      this.extra,
      this.totalIsLowerBound,
    );
  }
}
