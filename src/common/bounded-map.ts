/** A Map that holds at most `size` entries, forgetting the oldest-set one first. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /** Sets `key`, as the newest entry even when it was there already. */
  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.size) this.map.delete(this.map.keys().next().value as K);
    this.map.set(key, value);
  }

  getOrMake(key: K, make: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      this.set(key, v);
    }
    return v;
  }
}
