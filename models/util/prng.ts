// The project's one seeded pseudo-random generator (mulberry32): integer arithmetic only, so the
// same seed gives the same values on every machine and Node version. The tiny model's weights use
// it, and so does everything in the MLOps loop that must repeat for a seed (mlops/prng.ts).
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [-scale, scale), as float32. */
export function uniformWeights(random: () => number, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 1) out[i] = (random() * 2 - 1) * scale;
  return out;
}
