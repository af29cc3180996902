import { type Generator, grad, randn, type Tensor } from '@rectifier/tensor';
import { calculateFans } from './fans';
import { checkOptions, describe } from './validate';

/**
 * One step of a sequential network, described structurally so that `@rectifier/init` never imports
 * `@rectifier/nn` (dependency direction tensor <- init <- nn). `@rectifier/nn` adapts its `Sequential`
 * to this interface (`auditModel(seq)` there); any hand-written stack of functions works too.
 */
export interface AuditLayer {
  readonly name: string;
  /**
   * `'conv'` / `'linear'`: weight layers, measured and predicted. `'activation'`: a rectifier whose
   * negative slope enters the prediction as ½(1 + a²). Everything else (pooling, flatten, dropout…)
   * passes through and is treated as the identity by the prediction.
   */
  readonly kind: 'conv' | 'linear' | 'activation' | 'pool' | 'other';
  /** Weight in OIHW or [out, in] layout: its fans give n and n̂, its mean square gives Var[w] (zero mean assumed). */
  readonly weight?: Tensor;
  /** For activations: the negative slope a (0 for ReLU, the mean initial a_i for PReLU). Default 0. */
  readonly negativeSlope?: number;
  forward(x: Tensor): Tensor;
}

/** A sequential network: `layers` are applied in order. */
export interface AuditModel {
  readonly layers: readonly AuditLayer[];
}

/** Measured and predicted statistics of one weight layer. */
export interface AuditRow {
  readonly name: string;
  readonly kind: 'conv' | 'linear';
  /** n_l = k²c (fan-in) */
  readonly fanIn: number;
  /** n̂_l = k²d (fan-out) */
  readonly fanOut: number;
  /** sqrt(E[w²]) of the layer's weights */
  readonly weightStd: number;
  /** negative slope of the rectifier between this layer and the next weight layer (1 = none, i.e. linear) */
  readonly slopeAfter: number;
  /** measured std of the response y_l (the layer's output) */
  readonly forwardStd: number;
  /** Eq. 7-9: sqrt(Var[y_l]) predicted from the input and the per-layer factors */
  readonly predictedForwardStd: number;
  /** ½(1 + a_{l-1}²) n_l Var[w_l], the factor of Eq. 8 / 15 (for l = 1: n_1 Var[w_1], the input is not rectified) */
  readonly forwardFactor: number;
  /** measured std of Δx_l, the gradient at the layer's input */
  readonly backwardStd: number;
  /** Eqs. 12-13: predicted sqrt(Var[Δx_l]) from the output gradient and the per-layer factors */
  readonly predictedBackwardStd: number;
  /** (H_out·W_out) / (H_in·W_in) of the layer (1 for linear layers and for stride-1 convs that keep the map size) */
  readonly mapRatio: number;
  /**
   * ½(1 + a_l²) n̂_l Var[w_l] · mapRatio: the factor of Eq. 12 (without the ½(1 + a²) when no rectifier
   * follows). n̂ = k²d counts the connections of an input element when every one has k² outputs; when
   * the map shrinks (no padding, stride > 1) the inputs have on average n̂·mapRatio connections, which is
   * what the backward variance follows.
   */
  readonly backwardFactor: number;
}

/** Result of {@link varianceAudit}. */
export interface VarianceAuditResult {
  readonly rows: readonly AuditRow[];
  /** std of the network input x_1 */
  readonly inputStd: number;
  /** sqrt(E[x_1²]) of the network input (Eq. 7 uses E[x²], not Var[x]) */
  readonly inputRms: number;
  /** std of the gradient injected at the network output (Δ of the last layer's output) */
  readonly outputGradStd: number;
}

/** Options of {@link varianceAudit}. */
export interface VarianceAuditOptions {
  /** Gradient injected at the output; default: N(0, 1) noise of the output's shape drawn from `generator`. */
  gradOutput?: Tensor;
  generator?: Generator;
}

/**
 * Measures, for a network at initialization, the std of every weight layer's forward response y_l and of
 * the backward gradient Δx_l at its input, next to the paper's predictions (He et al. 2015, §2.2):
 *
 * - forward (Eqs. 7-9): Var[y_1] = n_1 Var[w_1] E[x_1²] and Var[y_l] = ½(1 + a²) n_l Var[w_l] Var[y_{l-1}];
 * - backward (Eqs. 11-13): Var[Δx_L] = n̂_L Var[w_L] c Var[Δy_L] and
 *   Var[Δx_l] = ½(1 + a_l²) n̂_l Var[w_l] Var[Δx_{l+1}],
 *
 * where a is the negative slope of the rectifier in between (0 for ReLU; Eq. 15 for PReLU), Var[w] is
 * the measured mean square of each layer's weights and c = ½(1 + a²) if a rectifier follows the last
 * layer, else 1. The backward factors are multiplied by each layer's `mapRatio` (output over input map
 * area): the paper's n̂ = k²d assumes every input element feeds k² outputs, which fails at the borders
 * of unpadded convs and for strides > 1 (an unpadded 2x2 conv on an s x s map loses ((s−1)/s)² of the
 * gradient variance per layer). For stride-1 layers that keep the map size the factor is exactly Eq. 12's. So with He init (½ n Var[w] = 1) the forward std stays constant, and with the paper's
 * "Xavier" (n Var[w] = 1) it shrinks by 1/sqrt(2) per layer.
 *
 * Method: the model is walked as a sequential list (no hooks needed). Each layer receives a detached
 * leaf copy of the previous output, so its input gradient is obtained layer by layer with the
 * functional `grad(output, [input], [gradOutput])`, starting from `gradOutput` at the network output.
 * Pooling and other pass-through layers are the identity for the prediction (max pooling raises E[x²],
 * so predictions behind a pooling layer are approximate). Run the model in eval mode (no dropout).
 * Stds are population stds over all elements (batch and positions) of a float tensor.
 *
 * @example
 * const audit = await varianceAudit({ layers }, randn([4, 16, 32, 32], { generator: g }));
 * console.log(formatVarianceAudit(audit));
 */
export async function varianceAudit(
  model: AuditModel,
  input: Tensor,
  opts: VarianceAuditOptions = {},
): Promise<VarianceAuditResult> {
  checkOptions('varianceAudit', opts, ['gradOutput', 'generator']);
  if (model === null || typeof model !== 'object' || !Array.isArray(model.layers)) {
    throw new TypeError(`varianceAudit: model must be { layers: AuditLayer[] }, got ${describe(model)}`);
  }
  const layers = model.layers;
  for (const [i, l] of layers.entries()) checkLayer(l, i);
  if (!layers.some((l) => l.kind === 'conv' || l.kind === 'linear')) {
    throw new RangeError('varianceAudit: the model has no conv or linear layer to audit');
  }

  const owned: Tensor[] = [];
  try {
    // Forward: each layer sees a detached leaf so the backward pass can stop at its input.
    const inputs: Tensor[] = [];
    const outputs: Tensor[] = [];
    let cur = input;
    for (const layer of layers) {
      const leaf = cur.detach().requiresGrad_(true);
      owned.push(leaf);
      const out = layer.forward(leaf);
      owned.push(out);
      inputs.push(leaf);
      outputs.push(out);
      cur = out;
    }
    const gOut = opts.gradOutput ?? randn(cur.shape, { generator: opts.generator, dtype: cur.dtype });
    if (opts.gradOutput === undefined) owned.push(gOut);
    if (gOut.shape.length !== cur.shape.length || gOut.shape.some((d, i) => d !== cur.shape[i])) {
      throw new RangeError(
        `varianceAudit: gradOutput has shape [${gOut.shape.join(', ')}] but the output is [${cur.shape.join(', ')}]`,
      );
    }

    // Backward, layer by layer.
    const gradAtInput: Tensor[] = new Array(layers.length);
    let g = gOut;
    for (let i = layers.length - 1; i >= 0; i--) {
      const [gi] = grad(outputs[i], [inputs[i]], [g]);
      owned.push(gi);
      gradAtInput[i] = gi;
      g = gi;
    }

    {
      const inputStats = await moments(input);
      const outputGradStd = Math.sqrt((await moments(gOut)).variance);
      const weightIdx = layers
        .map((l, i) => (l.kind === 'conv' || l.kind === 'linear' ? i : -1))
        .filter((i) => i >= 0);
      const slopeAfter = weightIdx.map((wi, k) => {
        const end = k + 1 < weightIdx.length ? weightIdx[k + 1] : layers.length;
        let slope = 1;
        for (let j = wi + 1; j < end; j++) {
          if (layers[j].kind === 'activation') slope = layers[j].negativeSlope ?? 0;
        }
        return slope;
      });
      const base = await Promise.all(
        weightIdx.map(async (i, k) => {
          const w = layers[i].weight as Tensor;
          const fans = calculateFans(w.shape);
          const wVar = (await moments(w)).meanSquare;
          return {
            name: layers[i].name,
            kind: layers[i].kind as 'conv' | 'linear',
            fanIn: fans.fanIn,
            fanOut: fans.fanOut,
            wVar,
            slopeAfter: slopeAfter[k],
            mapRatio: positions(outputs[i]) / positions(inputs[i]),
            forwardVar: (await moments(outputs[i])).variance,
            backwardVar: (await moments(gradAtInput[i])).variance,
          };
        }),
      );
      const rows: AuditRow[] = [];
      let predF = 0;
      const forwardFactors = base.map((r, k) =>
        k === 0 ? r.fanIn * r.wVar : 0.5 * (1 + base[k - 1].slopeAfter ** 2) * r.fanIn * r.wVar,
      );
      const backwardFactors = base.map((r) => 0.5 * (1 + r.slopeAfter ** 2) * r.fanOut * r.wVar * r.mapRatio);
      const predB: number[] = new Array(base.length);
      let acc = outputGradStd ** 2;
      for (let k = base.length - 1; k >= 0; k--) {
        acc *= backwardFactors[k];
        predB[k] = acc;
      }
      base.forEach((r, k) => {
        predF = k === 0 ? forwardFactors[0] * inputStats.meanSquare : predF * forwardFactors[k];
        rows.push({
          name: r.name,
          kind: r.kind,
          fanIn: r.fanIn,
          fanOut: r.fanOut,
          weightStd: Math.sqrt(r.wVar),
          slopeAfter: r.slopeAfter,
          forwardStd: Math.sqrt(r.forwardVar),
          predictedForwardStd: Math.sqrt(predF),
          forwardFactor: forwardFactors[k],
          backwardStd: Math.sqrt(r.backwardVar),
          predictedBackwardStd: Math.sqrt(predB[k]),
          mapRatio: r.mapRatio,
          backwardFactor: backwardFactors[k],
        });
      });
      return {
        rows,
        inputStd: Math.sqrt(inputStats.variance),
        inputRms: Math.sqrt(inputStats.meanSquare),
        outputGradStd,
      };
    }
  } finally {
    for (const t of owned) if (t !== input && !t.isDisposed) t.dispose();
  }
}

function checkLayer(l: AuditLayer, i: number): void {
  const kinds = ['conv', 'linear', 'activation', 'pool', 'other'];
  if (l === null || typeof l !== 'object' || typeof l.forward !== 'function' || !kinds.includes(l.kind)) {
    throw new TypeError(
      `varianceAudit: layer ${i} must be { name, kind: ${kinds.join('|')}, forward(x) }, got ${describe(l)}`,
    );
  }
  if ((l.kind === 'conv' || l.kind === 'linear') && (l.weight === undefined || l.weight.shape.length < 2)) {
    throw new TypeError(`varianceAudit: ${l.kind} layer '${l.name}' needs a weight of rank >= 2`);
  }
}

/** Elements per channel (batch x spatial positions): numel / shape[1] for rank >= 2. */
function positions(t: Tensor): number {
  return t.shape.length >= 2 ? t.size / t.shape[1] : 1;
}

/** Population variance and mean square over all elements, accumulated in float64 on the host. */
async function moments(t: Tensor): Promise<{ variance: number; meanSquare: number }> {
  const data = await t.data();
  const n = data.length;
  if (n === 0) return { variance: 0, meanSquare: 0 };
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    sum += data[i];
    sumSq += data[i] * data[i];
  }
  const mean = sum / n;
  // second pass for the variance: sumSq/n - mean² cancels badly when |mean| >> std
  let dev = 0;
  for (let i = 0; i < n; i++) dev += (data[i] - mean) ** 2;
  return { variance: dev / n, meanSquare: sumSq / n };
}
