/**
 * GET /api/v1/users/me in the host modes (embedded, sidecar): who the token's user is to Beacon,
 * `{id, username, display_name, role}` as standalone answers it, with the name the host gave
 * (both username and display name, as in views). The SDK's polling fallback asks it for its own
 * id when no socket ever said it (`ready`): without it a page whose sockets are blocked never
 * showed anything. Renames stay the host's (no PATCH).
 */
import { User } from '../../protocol/index.js';
import { authOf, errorResponses, requireAuth, type App, type RouteOptions } from '../http-kit.js';

export async function hostMeRoute(app: App, { services }: RouteOptions): Promise<void> {
  app.addHook('onRequest', requireAuth(services));
  app.get('/users/me', { schema: { tags: ['users'], security: [{ bearer: [] }], response: { 200: User, ...errorResponses(401) } } }, async (request) => {
    const auth = authOf(request);
    // Read now, not from presence's memory: the token that asks may just have renamed the user.
    const name = (await services.presence.nameOf(auth.userId)) ?? (await services.presence.userStatus(auth, auth.userId));
    const [username, displayName] = 'displayName' in name ? [name.username, name.displayName] : [name.username, name.display_name];
    return { id: auth.userId, username, display_name: displayName, role: auth.role };
  });
}
