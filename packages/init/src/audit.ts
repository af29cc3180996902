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
   * negative slope enters the prediction as ½(1 + a²). `'pool'`: its measured effect on E[x²] and on
   * the gradient variance enters the prediction (Eqs. 7-13 do not cover pooling). Everything else
   * (flatten, dropout in eval mode) passes through as the identity.
   */
  readonly kind: 'conv' | 'linear' | 'activation' | 'pool' | 'other';
  /** Weight in OIHW or [out, in] layout: its fans give n and n̂, its mean square gives Var[w] (zero mean assumed). */
  readonly weight?: Tensor;
  /** For activations: the negative slope a (0 for ReLU, the mean initial a_i for PReLU). Default 0. */
  readonly negativeSlope?: number;
  /**
   * For convs: kernel, stride, padding (both sides) and dilation per spatial axis. With it the
   * prediction counts the taps that fall on zero padding (see {@link AuditRow.tapFraction}); without
   * it every tap is assumed to land inside the map.
   */
  readonly geometry?: ConvGeometry;
  forward(x: Tensor): Tensor;
}

/** Spatial geometry of a convolution, per axis [height, width]. */
export interface ConvGeometry {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
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
   * Mean fraction of the kernel's taps that land inside the input map rather than on zero padding
   * (1 without padding, for linear layers, or when the layer gave no geometry). Eq. 7 assumes every
   * tap sees a signal; a padded 2x2 conv on a 7x7 map sees (7/8)² of them on average.
   */
  readonly tapFraction: number;
  /**
   * Eq. 7's correction for where the taps land: E[Σ_valid taps x²] / (k² E[x²]) over the input's
   * measured per-position E[x²] (= tapFraction when E[x²] is the same everywhere).
   */
  readonly forwardGeometry: number;
  /**
   * Eq. 12's correction: the mean over input positions of the E[Δy²] of the outputs each one feeds,
   * over k² E[Δy²] (= mapRatio · tapFraction for a gradient of the same size everywhere).
   */
  readonly backwardGeometry: number;
  /**
   * ½(1 + a_l²) n̂_l Var[w_l] · backwardGeometry (with the measured effect of pooling in place of
   * ½(1 + a²) when pooling follows): the factor of Eq. 12 (without the ½(1 + a²) when no rectifier
   * follows). n̂ = k²d counts the connections of an input element when every
   * one feeds k² outputs; on average an input feeds n̂ · mapRatio · tapFraction of them (fewer for
   * strides > 1 and unpadded borders), and a max pooling between this layer and the next passes
   * gradient to (outputs / inputs) of its inputs. That is what the backward variance follows.
   */
  readonly backwardFactor: number;
  /**
   * The part of `backwardFactor` that the initialization controls: ½(1 + a_l²) n̂_l Var[w_l] (Eq. 14
   * sets it to 1). The rest is the map geometry, the same for every initialization.
   */
  readonly initBackwardFactor: number;
  /**
   * Whether pooling sits between this layer and the next weight layer. The prediction then uses that
   * stretch's measured effect instead of ½(1 + a²) (both directions): Eqs. 7-13 do not cover pooling.
   */
  readonly poolingMeasured: boolean;
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
 * layer, else 1. The paper's derivation assumes every tap sees a signal and every input element feeds
 * k² outputs; the map geometry breaks both, for every initialization alike, and the prediction accounts
 * for it: forward factors are multiplied by the layer's `tapFraction` (taps on zero padding add
 * nothing), backward factors by `mapRatio · tapFraction` (strides > 1 and unpadded borders give an
 * input fewer outputs: an unpadded 2x2 conv on an s x s map loses ((s−1)/s)² of the gradient variance)
 * and by the pooling in between (a 2x2 max pool passes gradient to a quarter of its inputs). For
 * stride-1 layers that keep the map size the factors are exactly Eqs. 8 and 12. So with He init
 * (½ n Var[w] = 1) the forward std stays constant, and with the paper's "Xavier" (n Var[w] = 1) it
 * shrinks by 1/sqrt(2) per layer; `initBackwardFactor` isolates the initialization's share.
 *
 * Method: the model is walked as a sequential list (no hooks needed). Each layer receives a detached
 * leaf copy of the previous output, so its input gradient is obtained layer by layer with the
 * functional `grad(output, [input], [gradOutput])`, starting from `gradOutput` at the network output.
 * In the forward prediction pooling layers are the identity (max pooling raises E[x²] by an amount that
 * depends on the correlation within a window, so forward predictions behind a max pool are
 * approximate; {@link auditVerdict} says by how much). Run the model in eval mode (no dropout).
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
      // The layers between weight layer k and the next one (activation, pooling, flatten...), as the
      // prediction sees them: ½(1 + a²) both ways (Eqs. 8, 12) when they are a rectifier and
      // pass-through layers; measured when they include pooling. Eqs. 7-13 do not cover pooling, and
      // a max pool's effect depends on how correlated a window's values are (and it routes gradients
      // to window maxima, which a ReLU passes whole, so the ½ no longer applies); measuring it keeps
      // the prediction about the weight layers, which is what the initialization controls.
      const between = await Promise.all(
        weightIdx.map(async (wi, k) => {
          const end = k + 1 < weightIdx.length ? weightIdx[k + 1] : layers.length;
          const rectifier = 0.5 * (1 + slopeAfter[k] ** 2);
          let pooled = false;
          for (let j = wi + 1; j < end; j++) pooled ||= layers[j].kind === 'pool';
          if (!pooled) return { forward: rectifier, backward: rectifier, measured: false };
          const gradAfter = end < layers.length ? gradAtInput[end] : gOut;
          const forward =
            end < layers.length
              ? (await moments(inputs[end])).meanSquare / (await moments(outputs[wi])).variance
              : rectifier;
          const backward =
            (await moments(gradAtInput[wi + 1])).variance / (await moments(gradAfter)).variance;
          return { forward, backward, measured: true };
        }),
      );
      const gradAtOutput = (i: number) => (i + 1 < layers.length ? gradAtInput[i + 1] : gOut);
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
            ...(await geometryFactors(layers[i].geometry, inputs[i], outputs[i], gradAtOutput(i))),
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
      const initBackwardFactors = base.map((r) => 0.5 * (1 + r.slopeAfter ** 2) * r.fanOut * r.wVar);
      const backwardFactors = base.map(
        (r, k) => between[k].backward * r.fanOut * r.wVar * r.backwardGeometry,
      );
      const predB: number[] = new Array(base.length);
      let acc = outputGradStd ** 2;
      for (let k = base.length - 1; k >= 0; k--) {
        acc *= backwardFactors[k];
        predB[k] = acc;
      }
      base.forEach((r, k) => {
        const f = r.fanIn * r.wVar * r.forwardGeometry;
        predF = k === 0 ? f * inputStats.meanSquare : predF * between[k - 1].forward * f;
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
          tapFraction: r.tapFraction,
          forwardGeometry: r.forwardGeometry,
          backwardGeometry: r.backwardGeometry,
          backwardFactor: backwardFactors[k],
          initBackwardFactor: initBackwardFactors[k],
          poolingMeasured: between[k].measured,
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

/**
 * Where a conv's taps land, as three numbers (all 1 for linear layers and for convs that gave no
 * geometry, which are then assumed to keep the map without borders):
 * - `tapFraction`: the mean fraction of kernel taps inside the input map (the rest multiply padding);
 * - `forwardGeometry`: E[Σ_valid taps x²] / (k² E[x²]) with the input's measured per-position E[x²]:
 *   Eq. 7's n Var[w] E[x²] becomes n Var[w] E[x²] · forwardGeometry. It equals `tapFraction` when
 *   E[x²] is the same at every position; after padded layers the borders are weaker, and which
 *   positions the taps favour matters;
 * - `backwardGeometry`: the same for the gradient: the mean over input positions of the summed E[Δy²]
 *   of the outputs each one feeds, over k² E[Δy²]. Eq. 12's n̂ assumes every input feeds k² outputs;
 *   strides and borders feed fewer (for a uniform gradient this is mapRatio · tapFraction).
 * The per-position profiles are measured (averaged over batch and channels); only their shape
 * enters, the magnitudes come from the chain of Eqs. 8 and 12.
 */
async function geometryFactors(
  geometry: ConvGeometry | undefined,
  input: Tensor,
  output: Tensor,
  gradOutput: Tensor,
): Promise<{ tapFraction: number; forwardGeometry: number; backwardGeometry: number }> {
  const ratio = positions(output) / positions(input);
  if (geometry === undefined || input.shape.length !== 4 || output.shape.length !== 4) {
    return { tapFraction: 1, forwardGeometry: 1, backwardGeometry: ratio };
  }
  const [, , inH, inW] = input.shape;
  const [, , outH, outW] = output.shape;
  const [kh, kw] = geometry.kernelSize;
  const xMap = await positionMeanSquares(input);
  const gMap = await positionMeanSquares(gradOutput);
  const received = new Float64Array(inH * inW);
  let taps = 0;
  let forwardSum = 0;
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const g = gMap[oh * outW + ow];
      for (let th = 0; th < kh; th++) {
        const ih = oh * geometry.stride[0] - geometry.padding[0] + th * geometry.dilation[0];
        if (ih < 0 || ih >= inH) continue;
        for (let tw = 0; tw < kw; tw++) {
          const iw = ow * geometry.stride[1] - geometry.padding[1] + tw * geometry.dilation[1];
          if (iw < 0 || iw >= inW) continue;
          taps++;
          forwardSum += xMap[ih * inW + iw];
          received[ih * inW + iw] += g;
        }
      }
    }
  }
  const outputs = outH * outW;
  const k2 = kh * kw;
  const xMean = mean(xMap);
  const gMean = mean(gMap);
  return {
    tapFraction: outputs > 0 ? taps / (outputs * k2) : 1,
    forwardGeometry: outputs > 0 && xMean > 0 ? forwardSum / (outputs * k2 * xMean) : 1,
    backwardGeometry: gMean > 0 ? mean(received) / (k2 * gMean) : ratio,
  };
}

/** E[t²] per spatial position of an NCHW tensor, averaged over batch and channels. */
async function positionMeanSquares(t: Tensor): Promise<Float64Array> {
  const [n, c, h, w] = t.shape;
  const data = await t.data();
  const plane = h * w;
  const out = new Float64Array(plane);
  for (let i = 0; i < n * c; i++) for (let p = 0; p < plane; p++) out[p] += data[i * plane + p] ** 2;
  for (let p = 0; p < plane; p++) out[p] /= n * c;
  return out;
}

function mean(xs: Float64Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : 0;
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
