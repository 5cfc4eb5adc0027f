/**
 * Rendered code blocks and formulas by source, kept from one render to the next: typing changes one block, so
 * every other block of the document is a hit. Entries not used by the latest render are dropped, so the cache
 * never holds more than one document's blocks, however large the document.
 */
export class RenderCache {
  private previous = new Map<string, string>();
  private current = new Map<string, string>();

  get(key: string, compute: () => string): string {
    let value = this.current.get(key) ?? this.previous.get(key);
    if (value === undefined) value = compute();
    this.current.set(key, value);
    return value;
  }

  /** Called after each render: what that render did not use goes. */
  endRender(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  get size(): number {
    return new Set([...this.previous.keys(), ...this.current.keys()]).size;
  }
}
