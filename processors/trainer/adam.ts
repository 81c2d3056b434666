// Adam with decoupled weight decay (AdamW) over the adapter's parameters. Decay pulls W and b
// towards zero, i.e. the adapter towards the identity; the temperature is not decayed.
import { MAX_LOG_SCALE, type AdapterParams, type SideParams } from './adapter-model.ts';

export interface AdamOptions {
  learningRate: number;
  weightDecay: number;
  learnTemperature: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

interface Moments {
  m: Float64Array;
  v: Float64Array;
}

export class Adam {
  private step = 0;
  private readonly moments: Moments[];
  private scaleM = 0;
  private scaleV = 0;

  constructor(
    params: AdapterParams,
    private readonly options: AdamOptions,
  ) {
    this.moments = this.tensors(params).map((t) => ({ m: new Float64Array(t.length), v: new Float64Array(t.length) }));
  }

  private tensors(p: AdapterParams): Float64Array[] {
    const sides: SideParams[] = [p.image, p.text];
    return sides.flatMap((s) => [s.weight, s.bias]);
  }

  update(params: AdapterParams, grad: AdapterParams): void {
    const { learningRate: lr, weightDecay } = this.options;
    const b1 = this.options.beta1 ?? 0.9;
    const b2 = this.options.beta2 ?? 0.999;
    const eps = this.options.epsilon ?? 1e-8;
    this.step += 1;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    const values = this.tensors(params);
    const grads = this.tensors(grad);
    values.forEach((p, t) => {
      const g = grads[t]!;
      const { m, v } = this.moments[t]!;
      for (let k = 0; k < p.length; k += 1) {
        const gk = g[k]!;
        m[k] = b1 * m[k]! + (1 - b1) * gk;
        v[k] = b2 * v[k]! + (1 - b2) * gk * gk;
        p[k] = p[k]! - lr * (m[k]! / c1 / (Math.sqrt(v[k]! / c2) + eps) + weightDecay * p[k]!);
      }
    });
    if (this.options.learnTemperature) {
      const g = grad.logScale;
      this.scaleM = b1 * this.scaleM + (1 - b1) * g;
      this.scaleV = b2 * this.scaleV + (1 - b2) * g * g;
      params.logScale = Math.min(MAX_LOG_SCALE, Math.max(0, params.logScale - lr * (this.scaleM / c1 / (Math.sqrt(this.scaleV / c2) + eps))));
    }
  }
}
