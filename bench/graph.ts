/**
 * The seeded random friendship graph every target shares: a union of random
 * Hamiltonian cycles (one per pair of friends), so each user gets ~`friends`
 * friends, the graph is symmetric, and the same seed always yields the same graph.
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

/** Builds the graph for `users` user indexes with ~`friends` friends each (rounded down to even). */
export function buildGraph(users: number, friends: number, seed: number): Graph {
  const random = rng(seed);
  const sets: Set<number>[] = Array.from({ length: users }, () => new Set<number>());
  const cycles = Math.min(Math.floor(friends / 2), Math.floor((users - 1) / 2));
  for (let c = 0; c < cycles; c++) {
    const p = shuffled(users, random);
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
