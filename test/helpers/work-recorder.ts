/**
 * Records the work a request makes: every method of the given repositories called (on any
 * instance of them, transactions' too), every bus subscription, and every bus publish, while
 * `during` runs. Privacy tests compare two requests' work instead of timing them: the same calls
 * in the same order take the same time, whatever the answer hides. A publish is recorded by its
 * message's kind and its topic's shape, ids as `<id>` (`bus.publish request_sent user:<id>`),
 * never its content: one to another user's topic costs what one to the sender's does.
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
  // A RedisBus's publish calls its publishRemote: one publish is recorded once.
  let publishing = false;
  const shape = (topic: string) => topic.replace(/\d+/g, '<id>');
  for (const method of ['publish', 'publishRemote'] as const) {
    const original = bus[method].bind(bus);
    vi.spyOn(bus, method).mockImplementation((topic, message) => {
      if (recording && !publishing) work.push(`bus.${method} ${message.kind} ${shape(topic)}`);
      const outer = !publishing;
      publishing = true;
      try {
        original(topic, message);
      } finally {
        if (outer) publishing = false;
      }
    });
  }
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
