/**
 * A response body part serialised once and sent many times: chart data for a view that dashboards
 * poll is the same until its candles change, and `JSON.stringify` of it was a third of a cached
 * chart request. The reply serializer splices `json` in as it is; anything else that stringifies a
 * fragment (a test, a log line) gets the same JSON through `toJSON`.
 */
export class JsonFragment<T = unknown> {
  private constructor(readonly json: string) {}

  static of<T>(value: T): JsonFragment<T> {
    return new JsonFragment<T>(JSON.stringify(value));
  }

  /** The value back, parsed from the stored JSON (a copy: the fragment itself never changes). */
  value(): T {
    return JSON.parse(this.json) as T;
  }

  toJSON(): T {
    return this.value();
  }
}
