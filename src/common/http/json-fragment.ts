/**
 * A response body part serialised once and sent many times: chart data for a view that dashboards
 * poll is the same until its candles change, and serialising it was most of a cached chart
 * request's CPU. It is kept as UTF-8 bytes, so the reply serializer copies it into the body without
 * encoding it again; anything else that stringifies a fragment (a test, a log line) gets the same
 * JSON through `toJSON`.
 */
export class JsonFragment<T = unknown> {
  private constructor(readonly bytes: Buffer) {}

  static of<T>(value: T): JsonFragment<T> {
    return new JsonFragment<T>(Buffer.from(JSON.stringify(value), 'utf8'));
  }

  /** The value back, parsed from the stored JSON (a copy: the fragment itself never changes). */
  value(): T {
    return JSON.parse(this.bytes.toString('utf8')) as T;
  }

  toJSON(): T {
    return this.value();
  }
}
