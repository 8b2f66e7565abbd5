/** The `X-Service-Token` check shared by game servers' and hosts' service endpoints. */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** onRequest hook: 403 when BEACON_SERVICE_TOKEN (the plugin's config.serviceToken) is unset, 401 for a missing or wrong token. */
export function requireServiceToken(services: Services, what: string) {
  const disabled = `${what} are disabled: ${services.settingName('BEACON_SERVICE_TOKEN')} is not set`;
  return async (request: FastifyRequest): Promise<void> => {
    const expected = services.config.serviceToken;
    if (!expected) throw new AppError('FORBIDDEN', disabled);
    const given = request.headers['x-service-token'];
    if (typeof given !== 'string' || !sameSecret(given, expected)) throw new AppError('UNAUTHORIZED', 'Missing or wrong X-Service-Token');
  };
}
