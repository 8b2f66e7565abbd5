/**
 * The accessibility gate: axe-core on the page as it is now, every rule axe runs by
 * default plus the experimental label-content-name-mismatch (visible text must be part of
 * the accessible name). Any violation fails the test with its rule and elements.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/** Every audited state, for the report. */
export const audited: string[] = [];

export async function expectAccessible(page: Page, state: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  const label = `${state} @${width}px`;
  const results = await new AxeBuilder({ page })
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  const violations = results.violations.map(
    (v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} → ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')}`,
  );
  audited.push(label);
  expect(violations, `axe violations on ${label}`).toEqual([]);
}
