/** The fenced code blocks that docs/integration.md marks for tests: `<!-- quick-start:<name> -->`. */
import { readFileSync } from 'node:fs';

/** The fenced block right after `<!-- quick-start:<name> -->` in docs/integration.md. */
export function docBlock(name: string): string {
  const doc = readFileSync(new URL('../../docs/integration.md', import.meta.url), 'utf8');
  const m = new RegExp(`<!-- quick-start:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`no quick-start:${name} block in docs/integration.md`);
  return m[1]!;
}
