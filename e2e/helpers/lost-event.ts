/**
 * A `seq` gap on a page's socket, made between Beacon and the page: once `lose()` was called,
 * every `seq` (alone or in a batch) is one more, so the page sees one event lost; the page's
 * refetch that follows (`friends/status?reconnect=1`) waits until `release()`. The socket itself
 * stays open. Install `routes` on the context before the page opens.
 */
import type { BrowserContext } from 'playwright-core';

export function lostEvent(socketUrl: RegExp) {
  let shift = 0;
  let release = (): void => undefined;
  const held = new Promise<void>((r) => (release = r));
  const routes = async (context: BrowserContext): Promise<void> => {
    await context.route(/\/friends\/status\?reconnect=1/, async (route) => {
      await held;
      await route.continue();
    });
    await context.routeWebSocket(socketUrl, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        if (typeof m !== 'string' || shift === 0) return ws.send(m);
        const moved = (f: { seq?: number }) => (typeof f.seq === 'number' ? { ...f, seq: f.seq + shift } : f);
        const frame = JSON.parse(m) as { type: string; seq?: number; messages?: Array<{ seq?: number }> };
        ws.send(JSON.stringify(frame.type === 'batch' ? { ...frame, messages: frame.messages?.map(moved) } : moved(frame)));
      });
    });
  };
  return { routes, lose: () => (shift = 1), release: () => release() };
}

/**
 * Every frame of `types` on the page's socket is lost on the way (alone or in a batch); the
 * socket stays open, and the next frame with a `seq` shows the gap. Install on the context
 * before the page opens.
 */
export async function losingFrames(context: BrowserContext, socketUrl: RegExp, types: readonly string[]): Promise<void> {
  await context.routeWebSocket(socketUrl, (ws) => {
    const upstream = ws.connectToServer();
    upstream.onMessage((m) => {
      if (typeof m !== 'string') return ws.send(m);
      const frame = JSON.parse(m) as { type: string; messages?: Array<{ type: string }> };
      if (types.includes(frame.type)) return;
      ws.send(frame.type === 'batch' ? JSON.stringify({ ...frame, messages: frame.messages?.filter((e) => !types.includes(e.type)) }) : m);
    });
  });
}
