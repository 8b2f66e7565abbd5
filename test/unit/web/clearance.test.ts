/**
 * The toasts stand above the invitations card on the room it publishes (clearance.ts'
 * INVITES_ROOM). Their Tailwind class must spell the variable out (Tailwind reads class names as
 * written), so nothing in the code ties the two: this test does. Renaming one alone would drop the
 * toasts back over the card's Play and Dismiss, silently (the `0px` fallback).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INVITES_ROOM } from '../../../src/web/lib/clearance.js';

describe('the invitations card room', () => {
  it('is the variable the toasts stand on', () => {
    const toast = readFileSync(new URL('../../../src/web/elements/notification-toast.ts', import.meta.url), 'utf8');
    expect(toast).toContain(`bottom-[max(1rem,var(${INVITES_ROOM},0px))]`);
  });
});
