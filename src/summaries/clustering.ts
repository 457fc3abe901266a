/**
 * Groups vectors into clusters of about `size` members with k-means (cosine on unit vectors,
 * deterministic: seeded from evenly spaced members, a fixed number of rounds). Members keep
 * their input order inside a cluster; empty clusters are dropped. Always fewer clusters than
 * members when there are at least two, so repeated clustering reaches a single root.
 */
export function cluster(vectors: readonly Float32Array[], size: number): number[][] {
  const n = vectors.length;
  if (n <= 1) return n === 1 ? [[0]] : [];
  const k = Math.min(n - 1, Math.max(1, Math.ceil(n / size)));
  if (k === 1) return [vectors.map((_, i) => i)];
  const dims = vectors[0].length;
  const centroids = Array.from({ length: k }, (_, c) => Float32Array.from(vectors[Math.floor((c * n) / k)]));
  const assignment = new Int32Array(n).fill(-1);
  for (let round = 0; round < 12; round++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestSim = -Infinity;
      for (let c = 0; c < k; c++) {
        const sim = dot(vectors[i], centroids[c]);
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
      const v = vectors[i];
      for (let d = 0; d < dims; d++) centroid[d] += v[d];
    }
    for (const centroid of centroids) normalize(centroid);
  }
  const groups = Array.from({ length: k }, () => [] as number[]);
  for (let i = 0; i < n; i++) groups[assignment[i]].push(i);
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
