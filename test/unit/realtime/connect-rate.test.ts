/** Socket opens per account: a burst, then a steady rate, one number per recent opener (src/server/realtime/connect-rate.ts). */
import { describe, expect, it } from 'vitest';
import { ConnectRate } from '../../../src/server/realtime/connect-rate.js';

describe('connect rate per account', () => {
  it('allows the burst at once, then one open per interval; other accounts have their own budget', () => {
    let t = 1_000_000;
    const rate = new ConnectRate(2, 32, () => t);
    for (let i = 0; i < 32; i++) expect(rate.take(1)).toBe(true);
    expect(rate.take(1)).toBe(false);
    expect(rate.take(2)).toBe(true);
    t += 499;
    expect(rate.take(1)).toBe(false);
    t += 1;
    expect(rate.take(1)).toBe(true);
    expect(rate.take(1)).toBe(false);
    // A refused open spends nothing: waiting restores the budget as if it had not been tried.
    t += 16_000;
    for (let i = 0; i < 32; i++) expect(rate.take(1)).toBe(true);
    expect(rate.take(1)).toBe(false);
  });

  it('forgets an account once its budget is whole again', () => {
    let t = 0;
    const rate = new ConnectRate(2, 32, () => t);
    rate.take(1);
    rate.take(1);
    rate.take(2);
    rate.sweep();
    expect(rate.size).toBe(2);
    t += 500;
    rate.sweep();
    expect(rate.size).toBe(1);
    t += 500;
    rate.sweep();
    expect(rate.size).toBe(0);
  });

  // An account that opened a socket just before the clock stepped back an hour could open none for that hour.
  it('takes a clock stepped back as no time spent: an account keeps the budget it had left', () => {
    let t = 1_000_000;
    const rate = new ConnectRate(2, 32, () => t);
    for (let i = 0; i < 30; i++) expect(rate.take(1)).toBe(true);
    t -= 3_600_000;
    expect(rate.take(1)).toBe(true);
    expect(rate.take(1)).toBe(true);
    expect(rate.take(1)).toBe(false);
    t += 500;
    expect(rate.take(1)).toBe(true);
    // Forgotten once whole again, on the clock as it now runs.
    t += 16_000;
    rate.sweep();
    expect(rate.size).toBe(0);
  });
});
