/**
 * The WebSocket Origin check (CONTRACT: upgrades from an Origin not in
 * BEACON_ALLOWED_ORIGINS are refused with 403; no Origin is allowed). Origins are compared
 * whole, scheme included: http://site must not drive a socket of https://site.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { settingNameOr, type SettingName } from '../config-options.js';
import { cut, RefusedOrigins } from '../refused-origins.js';

/**
 * preValidation hook of the upgrade route: 403 unless the Origin is allowed. `alsoAllowed`
 * (BEACON_CORS_ORIGINS: the sites calling Beacon's REST API) may open sockets too. Every refusal
 * is answered 403; it is logged at warn once per origin, a bounded number of lines a minute
 * (refused-origins.ts): a caller sending any number of upgrades or origins cannot flood the log.
 */
export function originCheck(allowed: readonly string[] | null, alsoAllowed: readonly string[] = [], opts: OriginCheckOptions = {}) {
  const refused = new RefusedOrigins(opts.now ?? Date.now);
  // The settings that let an origin in, as the operator sets them (named once, not per refusal).
  const name = settingNameOr(opts.settingName);
  const [sockets, cors] = [name('BEACON_ALLOWED_ORIGINS'), name('BEACON_CORS_ORIGINS')];
  // Embedded, the request's protocol is the host's Fastify's to say: its own `trustProxy` option,
  // not Beacon's (which only a server of Beacon's own reads).
  const embedded = name('BEACON_TRUST_PROXY') !== 'BEACON_TRUST_PROXY';
  const trustProxy = embedded ? "the site's Fastify option trustProxy" : 'BEACON_TRUST_PROXY';
  const listedHint = `add it to ${sockets} (sockets) or ${cors} (REST and sockets)`;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const ok =
      alsoAllowed.includes(origin.toLowerCase()) || (allowed ? allowed.includes('*') || allowed.includes(origin.toLowerCase()) : sameOrigin(origin, req));
    if (!ok) {
      const line = refused.line(origin, req.ip);
      if (line) {
        // What an operator needs to let it in: the settings that would, and what a same-origin check compared.
        const hint = allowed
          ? listedHint
          : `not the origin this request came to (${req.protocol}://${cut(req.headers.host ?? '?')}): list the page's origin in ${cors} or ${sockets}, or have the proxy forward Host and name it in ${trustProxy} (for X-Forwarded-Proto)`;
        req.log.warn({ ...line, hint }, 'websocket upgrade refused: origin not allowed (said once per origin)');
      }
      await reply.status(403).send({ code: 'FORBIDDEN', message: 'Origin not allowed' });
    }
  };
}

/**
 * The request's own origin: `https://host` when the connection is TLS (or a trusted proxy
 * says so, see BEACON_TRUST_PROXY), else `http://host`.
 */
function sameOrigin(origin: string, req: FastifyRequest): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  try {
    const o = new URL(origin);
    return o.host === host.toLowerCase() && o.protocol === `${req.protocol}:`;
  } catch {
    return false;
  }
}

export interface OriginCheckOptions {
  /** The clock the line budget runs on. */
  now?: () => number;
  /** How the hint names the settings (config-options.ts): the BEACON_* variables by default. */
  settingName?: SettingName;
}
