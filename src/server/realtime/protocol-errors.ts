/**
 * The close code `ws` sends when a client breaks the protocol. Its receiver then stops reading,
 * so the client's close frame is never seen and the socket's `close` event says 1006 (dropped):
 * the gateway takes the code from the error instead, by its documented `code` (ws's own status
 * code sits under a private symbol).
 */
const BY_CODE: Readonly<Record<string, number>> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
};

/** What ws closed the socket with for this 'error' event's error; 0 when it is not one of ws's protocol errors. */
export function protocolCloseCode(err: Error & { code?: unknown }): number {
  const code = typeof err.code === 'string' ? err.code : '';
  const known = BY_CODE[code];
  if (known !== undefined) return known;
  // Every other WS_ERR_* of the receiver is a protocol violation: an unmasked frame, a reserved
  // opcode or bit, a bad close code, a fragmented or oversized control frame.
  if (code.startsWith('WS_ERR_')) return 1002;
  // zlib's, from inflating a compressed message (permessage-deflate): ws closes with 1007.
  if (code.startsWith('Z_')) return 1007;
  return 0;
}
