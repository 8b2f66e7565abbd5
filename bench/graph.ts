/**
 * The seeded random friendship graph every target shares: a union of random
 * Hamiltonian cycles (one per pair of friends) that never repeat a friendship, so each
 * user gets exactly `friends` friends (10,000 × 50: 250,000 pairs), the graph is symmetric, and the same seed always yields the same graph.
 */

/** mulberry32: small, fast, seedable; plenty for choosing users and values. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function shuffled(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Adjacency in compressed form: friends of user index i are adj[off[i]..off[i+1]). */
export interface Graph {
  users: number;
  off: Int32Array;
  adj: Int32Array;
}

export function degree(g: Graph, i: number): number {
  return g.off[i + 1]! - g.off[i]!;
}

export function friendsOf(g: Graph, i: number): Int32Array {
  return g.adj.subarray(g.off[i]!, g.off[i + 1]!);
}

/** Number of undirected edges. */
export function edgeCount(g: Graph): number {
  return g.adj.length / 2;
}

/**
 * Builds the graph for `users` user indexes with exactly `friends` friends each (rounded
 * down to even): each Hamiltonian cycle is repaired as it is laid so that it never repeats
 * a friendship of an earlier cycle (the next user on the cycle is swapped with a later one
 * when they are already friends; a cycle whose closing edge collides is drawn again).
 * Where that cannot work (tiny or near-complete graphs) a colliding edge is simply skipped.
 */
export function buildGraph(users: number, friends: number, seed: number): Graph {
  const random = rng(seed);
  const sets: Set<number>[] = Array.from({ length: users }, () => new Set<number>());
  const cycles = Math.min(Math.floor(friends / 2), Math.floor((users - 1) / 2));
  const collides = (a: number, b: number) => a === b || sets[a]!.has(b);
  for (let c = 0; c < cycles; c++) {
    let p = shuffled(users, random);
    let exact = false;
    for (let attempt = 0; attempt < 200 && !exact; attempt++) {
      if (attempt > 0) p = shuffled(users, random);
      exact = true;
      for (let i = 0; i + 1 < users && exact; i++) {
        const a = p[i]!;
        if (!collides(a, p[i + 1]!)) continue;
        exact = false;
        const later = users - (i + 2);
        for (let t = 0; t < 64 && later > 0; t++) {
          const j = i + 2 + Math.floor(random() * later);
          if (collides(a, p[j]!)) continue;
          const tmp = p[i + 1]!;
          p[i + 1] = p[j]!;
          p[j] = tmp;
          exact = true;
          break;
        }
      }
      if (exact && users > 2 && collides(p[users - 1]!, p[0]!)) exact = false;
    }
    for (let i = 0; i < users; i++) {
      const a = p[i]!;
      const b = p[(i + 1) % users]!;
      if (a === b) continue;
      sets[a]!.add(b);
      sets[b]!.add(a);
    }
  }
  const off = new Int32Array(users + 1);
  for (let i = 0; i < users; i++) off[i + 1] = off[i]! + sets[i]!.size;
  const adj = new Int32Array(off[users]!);
  for (let i = 0; i < users; i++) {
    let k = off[i]!;
    for (const f of [...sets[i]!].sort((x, y) => x - y)) adj[k++] = f;
  }
  return { users, off, adj };
}
