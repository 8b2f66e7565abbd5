/** Reads Prometheus text exposition into `name{labels}` → value, for metric assertions. */
export type Samples = Map<string, number>;

export function parsePrometheus(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The sample's value, 0 when absent (a labelled counter appears on first use). */
export const sample = (s: Samples, key: string): number => s.get(key) ?? 0;
