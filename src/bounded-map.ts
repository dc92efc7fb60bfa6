/**
 * A Map that keeps at most `max` entries: setting one more forgets the least recently set (an in-process cache
 * never grows with the number of workspaces or people it has seen).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}
