/**
 * Records the work a request makes: every method of the given repositories called (on any
 * instance of them, transactions' too) and every bus subscription, while `during` runs. Privacy
 * tests compare two requests' work instead of timing them: the same calls in the same order
 * take the same time, whatever the answer hides.
 */
import { vi } from 'vitest';
import type { App } from '../../src/server/http-kit.js';

type Repository = { prototype: object };

export function workRecorder(app: App, repositories: Record<string, Repository>) {
  const work: string[] = [];
  let recording = false;
  for (const [name, cls] of Object.entries(repositories)) {
    const proto = cls.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of Object.getOwnPropertyNames(proto)) {
      const original = Object.getOwnPropertyDescriptor(proto, method)?.value as unknown;
      if (method === 'constructor' || typeof original !== 'function') continue;
      vi.spyOn(proto, method).mockImplementation(function (this: unknown, ...args: unknown[]) {
        if (recording) work.push(`${name}.${method}`);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      });
    }
  }
  const bus = app.services.bus;
  const subscribe = bus.subscribe.bind(bus);
  vi.spyOn(bus, 'subscribe').mockImplementation((topic) => {
    if (recording) work.push(`bus.subscribe ${topic}`);
    return subscribe(topic);
  });
  return async <T>(during: () => Promise<T>): Promise<{ result: T; work: string[] }> => {
    work.length = 0;
    recording = true;
    try {
      return { result: await during(), work: [...work] };
    } finally {
      recording = false;
    }
  };
}
