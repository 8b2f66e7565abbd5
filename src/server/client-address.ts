/**
 * The key a client address is counted under by every per-address limit (HTTP rate limits,
 * sockets waiting to authenticate): an IPv4 address whole, an IPv6 address by its /64, which
 * one host is commonly given whole, so that rotating addresses inside it gets no new budget.
 */
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

/** IPv4 (mapped or not) whole, IPv6 by its /64 (parsed by ipaddr.js); anything unparsable as it is. */
export function addressKey(ip: string): string {
  // The common case, as a socket reports it: a dotted IPv4 address is its own key (isIPv4
  // takes no leading zeros, so it is already in the form ipaddr.js would print).
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0]!;
  if (!ipaddr.isValid(bare)) return bare;
  const addr = ipaddr.process(bare); // an IPv4-mapped IPv6 address comes back as IPv4
  if (addr.kind() === 'ipv4') return addr.toString();
  return `${(addr as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}
