/** Checks on text a user controls, in the page: it must sit in a `.beacon-ugc` box (userText in dom.ts). */
import type { Locator } from 'playwright-core';

/** The texts under `root` that hold `text` outside any `.beacon-ugc` box (none, when every one is contained). */
export function uncontained(root: Locator, text: string): Promise<string[]> {
  return root.evaluateAll((roots, t) => {
    const out: string[] = [];
    for (const r of roots) {
      const walk = document.createTreeWalker(r, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (n.textContent?.includes(t) && !n.parentElement?.closest('.beacon-ugc')) out.push(n.textContent);
      }
    }
    return out;
  }, text);
}
