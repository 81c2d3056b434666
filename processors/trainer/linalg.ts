// The three dense products the adapter's forward and backward passes are made of, on row-major
// Float64Arrays, written for V8: contiguous inner loops, four accumulators at a time, and blocks
// small enough to stay in cache.

/** out (m × n) = a (m × k) · bᵀ, b being n × k. */
export function matMulABt(a: Float64Array, b: Float64Array, m: number, n: number, k: number, out: Float64Array): void {
  for (let i = 0; i < m; i += 1) {
    const ao = i * k;
    const oo = i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < k; c += 1) {
        const x = a[ao + c]!;
        s0 += x * b[b0 + c]!;
        s1 += x * b[b1 + c]!;
        s2 += x * b[b2 + c]!;
        s3 += x * b[b3 + c]!;
      }
      out[oo + j] = s0;
      out[oo + j + 1] = s1;
      out[oo + j + 2] = s2;
      out[oo + j + 3] = s3;
    }
    for (; j < n; j += 1) {
      const bo = j * k;
      let s = 0;
      for (let c = 0; c < k; c += 1) s += a[ao + c]! * b[bo + c]!;
      out[oo + j] = s;
    }
  }
}

/** out (m × n) = a (m × k) · b (k × n). */
export function matMulAB(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out: Float64Array): void {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i += 1) {
    const oo = i * n;
    for (let c = 0; c < k; c += 1) {
      const x = a[i * k + c]!;
      if (x === 0) continue;
      const bo = c * n;
      for (let j = 0; j < n; j += 1) out[oo + j] = out[oo + j]! + x * b[bo + j]!;
    }
  }
}

/** out (k × n) += aᵀ · b, a being m × k and b m × n; blocked over rows of out. */
export function addMatMulAtB(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out: Float64Array): void {
  const block = 16;
  for (let r0 = 0; r0 < k; r0 += block) {
    const r1 = Math.min(k, r0 + block);
    for (let i = 0; i < m; i += 1) {
      const bo = i * n;
      for (let r = r0; r < r1; r += 1) {
        const x = a[i * k + r]!;
        if (x === 0) continue;
        const oo = r * n;
        for (let j = 0; j < n; j += 1) out[oo + j] = out[oo + j]! + x * b[bo + j]!;
      }
    }
  }
}
