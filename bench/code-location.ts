/** Where a V8 profile's call frame comes from: its package, Beacon's own file, Node's module, or native code. */
export function where(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/src/')) return url.slice(url.indexOf('/src/') + 1);
  // The compiled build (the bench's default) names its files as their sources: dist/server/x.js is src/server/x.ts.
  const d = /\/dist\/((?:server|protocol)\/.*)\.js$/.exec(url);
  if (d) return `src/${d[1]}.ts`;
  return url === '' ? '(native/vm)' : url;
}
