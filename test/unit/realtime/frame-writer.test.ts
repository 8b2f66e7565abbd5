/**
 * The frame writer against a real `ws` client over loopback: payloads at the edges of the
 * header's 7-bit and 16-bit lengths and of the direct path's limit, larger ones through ws,
 * multi-byte UTF-8, a head in place of the body's `{` as the connection stamps `seq`, the direct path
 * really taken without compression, `ws.send` taken with permessage-deflate and after close.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { sendText } from '../../../src/server/realtime/frame-writer.js';

/** As Connection sends an event: its `seq` in the head, which takes the place of the body's `{`. */
const sendStamped = (ws: WebSocket, seq: number, body: string): void => sendText(ws, body, `{"seq":${seq},`);

let server: WebSocketServer | null = null;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  if (server) await new Promise((r) => server!.close(r));
  server = null;
});

/** A connected pair: the server side's socket, and the client with every text it receives. */
async function pair(perMessageDeflate = false): Promise<{ serverSide: WebSocket; client: WebSocket; received: string[] }> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  clients.push(client);
  const received: string[] = [];
  client.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(data.toString('utf8'));
  });
  await once(client, 'open');
  const [serverSide] = (await accepted) as [WebSocket];
  return { serverSide, client, received };
}

/** Waits until the client has received `n` messages (all sent after the pair was made). */
async function until(received: string[], n: number): Promise<void> {
  await vi.waitFor(() => expect(received.length).toBe(n), { timeout: 5000, interval: 5 });
}

/** A JSON object whose UTF-8 encoding is exactly `bytes` long (ASCII filler). */
function objectOfBytes(bytes: number): string {
  const base = '{"x":""}';
  return `{"x":"${'a'.repeat(bytes - base.length)}"}`;
}

describe('frame writer', () => {
  it('sends every header size class intact, at the edges of each', async () => {
    const { serverSide, received } = await pair();
    const sizes = [8, 125, 126, 127, 4095, 4096, 4097, 65_535, 65_536, 200_000];
    const texts = sizes.map(objectOfBytes);
    for (const t of texts) sendText(serverSide, t);
    await until(received, texts.length);
    expect(received.map((r) => Buffer.byteLength(r))).toEqual(sizes);
    expect(received).toEqual(texts);
  });

  it('encodes multi-byte UTF-8 (the length is in bytes, not characters)', async () => {
    const { serverSide, received } = await pair();
    const texts = ['{"m":"é"}', `{"m":"${'🎮'.repeat(40)}"}`, `{"m":"${'日本'.repeat(30_000)}"}`];
    for (const t of texts) sendText(serverSide, t);
    await until(received, 3);
    expect(received).toEqual(texts);
  });

  it('puts the head in place of the body’s brace (seq stamped first, the body unchanged)', async () => {
    const { serverSide, received } = await pair();
    const body = '{"type":"friend_status_change","friend_id":4,"custom_message":"ça va 🎮"}';
    sendStamped(serverSide, 1, body);
    sendStamped(serverSide, 12_345_678, body);
    sendStamped(serverSide, 7, objectOfBytes(70_000));
    await until(received, 3);
    expect(received[0]).toBe('{"seq":1,"type":"friend_status_change","friend_id":4,"custom_message":"ça va 🎮"}');
    expect(JSON.parse(received[1]!)).toEqual({ seq: 12_345_678, type: 'friend_status_change', friend_id: 4, custom_message: 'ça va 🎮' });
    expect(JSON.parse(received[2]!)).toMatchObject({ seq: 7 });
    expect(Buffer.byteLength(received[2]!)).toBe(70_000 + '"seq":7,'.length);
  });

  it('writes straight to the socket when nothing is negotiated (ws.send is not used)', async () => {
    const { serverSide, received } = await pair();
    const send = vi.spyOn(serverSide, 'send');
    sendText(serverSide, '{"a":1}');
    sendStamped(serverSide, 2, '{"b":2}');
    await until(received, 2);
    expect(send).not.toHaveBeenCalled();
    expect(received).toEqual(['{"a":1}', '{"seq":2,"b":2}']);
  });

  it('leaves frames larger than a pool slice (a ready snapshot) to ws.send', async () => {
    const { serverSide, received } = await pair();
    const send = vi.spyOn(serverSide, 'send');
    const big = objectOfBytes(Buffer.poolSize / 2 + 1);
    sendText(serverSide, objectOfBytes(Buffer.poolSize / 2));
    sendText(serverSide, big);
    sendStamped(serverSide, 4, big);
    await until(received, 3);
    expect(send).toHaveBeenCalledTimes(2);
    expect(received.slice(0, 2)).toEqual([objectOfBytes(Buffer.poolSize / 2), big]);
    expect(JSON.parse(received[2]!)).toMatchObject({ seq: 4 });
  });

  it('keeps order with ws’s own frames written in between', async () => {
    const { serverSide, received } = await pair();
    sendText(serverSide, '{"n":1}');
    serverSide.send('{"n":2}');
    sendStamped(serverSide, 3, '{"n":3}');
    await until(received, 3);
    expect(received).toEqual(['{"n":1}', '{"n":2}', '{"seq":3,"n":3}']);
  });

  it('leaves the frame to ws when permessage-deflate was negotiated', async () => {
    const { serverSide, client, received } = await pair(true);
    expect(client.extensions).toContain('permessage-deflate');
    const send = vi.spyOn(serverSide, 'send');
    sendText(serverSide, objectOfBytes(5000));
    sendStamped(serverSide, 9, '{"c":3}');
    await until(received, 2);
    expect(send).toHaveBeenCalledTimes(2);
    expect(received).toEqual([objectOfBytes(5000), '{"seq":9,"c":3}']);
  });

  it('writes nothing to the socket once the close has begun', async () => {
    const { serverSide, client } = await pair();
    const raw = (serverSide as unknown as { _socket: { write: (...a: unknown[]) => boolean } })._socket;
    const write = vi.spyOn(raw, 'write');
    const closed = once(client, 'close');
    serverSide.close(1000, 'bye');
    write.mockClear();
    sendText(serverSide, '{"late":1}');
    sendStamped(serverSide, 1, '{"late":2}');
    expect(write).not.toHaveBeenCalled();
    await closed;
  });
});
