/**
 * Connects every token's user to a Beacon (or the baseline) the way the memory tools need it:
 * `auth` on open, ready on the first frame, 100 handshakes at a time. A socket closed before its
 * `ready` (refused) fails the whole call rather than leaving it waiting forever.
 */
import WebSocket from 'ws';

export async function connectAll(port: number, tokens: readonly string[]): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < tokens.length; i += 100) {
    await Promise.all(
      tokens.slice(i, i + 100).map(
        (token) =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/status`);
            sockets.push(ws);
            ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
            ws.once('message', () => resolve());
            ws.once('error', reject);
            ws.once('close', (code) => reject(new Error(`socket closed (${code}) before ready`)));
          }),
      ),
    );
  }
  return sockets;
}
