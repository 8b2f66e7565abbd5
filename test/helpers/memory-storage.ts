/** A `localStorage` in memory for the web app's libraries in unit tests (vi.stubGlobal('localStorage', new MemoryStorage())). */
export class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.map.set(k, v);
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
}
