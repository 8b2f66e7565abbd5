/**
 * What a push endpoint may be, checked when a browser subscribes and again before each push
 * (subscriptions saved before a rule existed get no pass): https, no credentials, a host
 * written in its normal form, and no loopback/private address unless BEACON_PUSH_ALLOW_LOCAL.
 * The push is then sent to exactly the host of the URL returned here: one parser (WHATWG)
 * decides where Beacon connects.
 */
import { isIP } from 'node:net';
import { isPrivateAddress } from '../calendar/safe-fetch.js';

/** An endpoint that may not be used; `message` is safe to show (it never contains the endpoint). */
export class PushEndpointError extends Error {}

export function parsePushEndpoint(raw: string, allowLocal: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PushEndpointError('not a valid URL');
  }
  if (url.protocol !== 'https:') throw new PushEndpointError('must use https');
  if (url.username || url.password) throw new PushEndpointError('must not contain a user name or password');
  // A host written otherwise than the parser reads it ("127.0.0.77%2eevil.com" reads as a name,
  // while older parsers see the address 127.0.0.77) is refused: push services use plain names.
  const written = /^https:\/\/([^/?#]*)/i.exec(raw)?.[1]?.toLowerCase();
  if (written !== url.host && written !== `${url.host}:443`) throw new PushEndpointError('the host must be written plainly (no escapes or other spellings)');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const name = host.replace(/\.$/, '');
  // Names are checked again when they resolve (guardedLookup); an address literal resolves to itself.
  if (!allowLocal && ((isIP(host) && isPrivateAddress(host)) || name === 'localhost' || name.endsWith('.localhost'))) {
    throw new PushEndpointError('must be a public push service');
  }
  return url;
}
