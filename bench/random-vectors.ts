// Seeded random unit vectors (normalised Gaussians from a sha512 stream), so a benchmark and the
// test that checks the same property measure the same data on every run.
import crypto from 'node:crypto';

export function seededUnitVectors(count: number, dimension: number, seed: string): Float32Array[] {
  let counter = 0;
  let pool = Buffer.alloc(0);
  let at = 0;
  const uniform = (): number => {
    if (at + 4 > pool.length) {
      pool = crypto.createHash('sha512').update(`${seed}:${counter++}`).digest();
      at = 0;
    }
    const u = (pool.readUInt32BE(at) + 1) / 4_294_967_297;
    at += 4;
    return u;
  };
  return Array.from({ length: count }, () => {
    const v = Float32Array.from({ length: dimension }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}
