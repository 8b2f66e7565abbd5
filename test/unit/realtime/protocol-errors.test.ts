import { describe, expect, it } from 'vitest';
import { protocolCloseCode } from '../../../src/server/realtime/protocol-errors.js';

const err = (code?: unknown) => Object.assign(new Error('x'), code === undefined ? {} : { code });

describe('protocolCloseCode', () => {
  it('answers the code ws closes with for each of its receiver errors', () => {
    expect(protocolCloseCode(err('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'))).toBe(1009);
    expect(protocolCloseCode(err('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'))).toBe(1009);
    expect(protocolCloseCode(err('WS_ERR_INVALID_UTF8'))).toBe(1007);
    expect(protocolCloseCode(err('WS_ERR_TOO_MANY_BUFFERED_PARTS'))).toBe(1008);
    for (const code of ['WS_ERR_EXPECTED_MASK', 'WS_ERR_INVALID_OPCODE', 'WS_ERR_UNEXPECTED_RSV_1', 'WS_ERR_INVALID_CLOSE_CODE']) expect(protocolCloseCode(err(code))).toBe(1002);
    expect(protocolCloseCode(err('Z_DATA_ERROR'))).toBe(1007);
  });

  it('answers 0 for any other error, so the code of the close event stands', () => {
    for (const e of [err(), err('ECONNRESET'), err(42)]) expect(protocolCloseCode(e)).toBe(0);
  });
});
