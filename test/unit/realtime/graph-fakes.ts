/** A real FriendGraph over a stub repository, for the realtime unit tests. */
import type { FriendCategory } from '../../../src/protocol/index.js';
import type { FriendRepository } from '../../../src/server/friends/friend-repository.js';
import { FriendGraph } from '../../../src/server/status/friend-graph.js';

/** `given[viewer][subject]`: the category the subject gave the viewer (the only read the graph makes here). */
export function graphGiven(given: Record<number, Record<number, FriendCategory>>): FriendGraph {
  const repo = {
    categoriesGivenTo: async (viewerId: number) =>
      new Map(Object.entries(given[viewerId] ?? {}).map(([id, c]) => [Number(id), c] as const)),
  } as unknown as FriendRepository;
  return new FriendGraph(repo);
}
