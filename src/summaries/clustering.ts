/**
 * Exact k-means costs n × k dot products per round with k ≈ n / size, i.e. quadratic in n: for
 * 7,240 vectors (384 dimensions) it took 8.4 s of one core, on the event loop, stalling every
 * request; bisecting k-means, n × log(n / size), takes 0.7 s. Above this many members, groups
 * are found by bisection.
 */
const KMEANS_MAX = 128;
const ROUNDS = 12;

/**
 * Groups vectors into clusters of about `size` members (cosine on unit vectors, deterministic:
 * seeded from evenly spaced members, a fixed number of rounds): k-means for small inputs,
 * bisecting 2-means (split the largest group in two until every group has at most `size`)
 * for large ones. Members keep their input order inside a cluster; empty clusters are dropped.
 * Always fewer clusters than members when there are at least two, so repeated clustering
 * reaches a single root. `pause` is awaited between steps, so long work can yield.
 */
export async function cluster(
  vectors: readonly Float32Array[],
  size: number,
  pause: () => Promise<void> = () => Promise.resolve(),
): Promise<number[][]> {
  const n = vectors.length;
  if (n <= 1) return n === 1 ? [[0]] : [];
  const k = Math.min(n - 1, Math.max(1, Math.ceil(n / size)));
  if (k === 1) return [vectors.map((_, i) => i)];
  if (n <= KMEANS_MAX) return kmeans(vectors, [...vectors.keys()], k);
  const done: number[][] = [];
  const pending: number[][] = [[...vectors.keys()]];
  while (pending.length > 0) {
    const group = pending.pop()!;
    if (group.length <= size) {
      done.push(group);
      continue;
    }
    let halves = kmeans(vectors, group, 2);
    // Identical vectors cannot be told apart: split them by position instead.
    if (halves.length < 2) halves = [group.slice(0, group.length >> 1), group.slice(group.length >> 1)];
    pending.push(...halves);
    await pause();
  }
  // A single group of at most `size` is only possible if n <= size, handled above.
  return done.map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0] - b[0]);
}

/** k-means over the members `ids` of `vectors`; groups of member indexes, in input order. */
function kmeans(vectors: readonly Float32Array[], ids: readonly number[], k: number): number[][] {
  const n = ids.length;
  const dims = vectors[ids[0]].length;
  const centroids = Array.from({ length: k }, (_, c) => Float32Array.from(vectors[ids[Math.floor((c * n) / k)]]));
  const assignment = new Int32Array(n).fill(-1);
  for (let round = 0; round < ROUNDS; round++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestSim = -Infinity;
      for (let c = 0; c < k; c++) {
        const sim = dot(vectors[ids[i]], centroids[c]);
        if (sim > bestSim) {
          bestSim = sim;
          best = c;
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best;
        changed++;
      }
    }
    if (changed === 0 && round > 0) break;
    for (let c = 0; c < k; c++) centroids[c].fill(0);
    for (let i = 0; i < n; i++) {
      const centroid = centroids[assignment[i]];
      const v = vectors[ids[i]];
      for (let d = 0; d < dims; d++) centroid[d] += v[d];
    }
    for (const centroid of centroids) normalize(centroid);
  }
  const groups = Array.from({ length: k }, () => [] as number[]);
  for (let i = 0; i < n; i++) groups[assignment[i]].push(ids[i]);
  return groups.filter((g) => g.length > 0).sort((a, b) => a[0] - b[0]);
}

export function parseVector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(','), Number);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalize(v: Float32Array): void {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
}
