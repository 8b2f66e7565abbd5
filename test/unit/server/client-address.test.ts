import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../src/server/client-address.js';

describe('addressKey', () => {
  it('keys a dotted IPv4 address by itself, as ipaddr.js prints it', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(addressKey(ip)).toBe(ip);
        expect(addressKey(ip)).toBe(ipaddr.process(ip).toString());
      }),
    );
  });

  it('keys an IPv4-mapped IPv6 address by its IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(addressKey(`::ffff:${ip}`)).toBe(ip);
      }),
    );
  });

  it('keys an IPv6 address by its /64, whatever its interface bits or zone', () => {
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::1%eth0')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
  });

  it('prints a non-canonical IPv4 address canonically (no second budget), and leaves what does not parse as it is', () => {
    expect(addressKey('1.2.3.04')).toBe('1.2.3.4');
    expect(addressKey('::ffff:1.2.3.04')).toBe('1.2.3.4');
    expect(addressKey('not an address')).toBe('not an address');
    expect(addressKey('')).toBe('');
  });
});
