import type { VarianceAuditResult } from './audit';

/** What a variance audit says about an initialization, in numbers and in words. */
export interface AuditVerdict {
  /** Weight layers audited (L). */
  readonly layers: number;
  /**
   * The initialization's share of the backward std from the last weight layer's input to the first's:
   * sqrt(Π ½(1 + a²) n̂ Var[w]) over layers 1..L−1. 1 under Eq. 14 (He fan-out); about 2^(−(L−1)/2)
   * under the paper's "Xavier" (n̂ Var[w] = 1).
   */
  readonly initBackwardGain: number;
  /** The same for the forward std (Eq. 10), sqrt(Π ½(1 + a²) n Var[w]) over layers 2..L. */
  readonly initForwardGain: number;
  /**
   * The map geometry's share of the backward std over the same layers (strides, borders, pooling):
   * the same for every initialization, and outside Eqs. 11-13, which assume stride-1 layers on maps
   * without borders.
   */
  readonly geometryBackwardGain: number;
  /** Measured std(Δx_1) / std(Δx_L). */
  readonly measuredBackwardRatio: number;
  /** Predicted std(Δx_1) / std(Δx_L) = initBackwardGain · geometryBackwardGain (pooling measured). */
  readonly predictedBackwardRatio: number;
  /** Smallest and largest measured / predicted std over the weight layers. */
  readonly forwardAgreement: readonly [number, number];
  readonly backwardAgreement: readonly [number, number];
  /** 'keeps' (within 2^±max(1, (L − 1)/10) over the depth), 'shrinks' or 'grows'. */
  readonly backwardSignal: 'keeps' | 'shrinks' | 'grows';
  readonly forwardSignal: 'keeps' | 'shrinks' | 'grows';
  /** The verdict as lines for a terminal. */
  readonly lines: readonly string[];
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
/**
 * 'keeps' when the gain stays within 2^±max(1, (L − 1)/10) over L − 1 layers: He init lands near 1
 * (fan-out: Eq. 16's channel ratio forward), the paper's "Xavier" at 2^(−(L−1)/2), far outside.
 */
function classify(gain: number, layers: number): 'keeps' | 'shrinks' | 'grows' {
  const bound = Math.max(1, (layers - 1) / 10);
  const log2 = Math.log2(gain);
  return log2 < -bound ? 'shrinks' : log2 > bound ? 'grows' : 'keeps';
}
const fmt = (x: number) => (x >= 0.01 && x < 1000 ? x.toPrecision(3) : x.toExponential(2));
const pow2 = (x: number) => `2^${Math.log2(x) >= 0 ? '+' : ''}${Math.log2(x).toFixed(1)}`;

/**
 * Reads a {@link VarianceAuditResult} the way §2.2 of the paper does: does the initialization keep the
 * forward and backward signals over the depth (Eqs. 10 and 14), how much of the end-to-end change is
 * the map geometry (strides, padding borders, pooling) rather than the initialization, and how well
 * the measurement agrees with the prediction. 2^±max(1, (L − 1)/10) over the depth is the line
 * between "keeps" and "shrinks"/"grows": He init lands near 1, the paper's "Xavier" at 2^(−(L−1)/2).
 *
 * @example
 * const audit = await varianceAudit(model, x);
 * console.log(auditVerdict(audit).lines.join('\n'));
 */
export function auditVerdict(audit: VarianceAuditResult): AuditVerdict {
  const rows = audit.rows;
  const L = rows.length;
  const upstream = rows.slice(0, Math.max(0, L - 1));
  const initBackwardGain = Math.sqrt(product(upstream.map((r) => r.initBackwardFactor)));
  const initForwardGain = Math.sqrt(product(rows.slice(1).map((r) => r.forwardFactor)));
  const geometryBackwardGain = Math.sqrt(
    product(upstream.map((r) => r.backwardFactor / r.initBackwardFactor)),
  );
  const first = rows[0];
  const last = rows[L - 1];
  const measuredBackwardRatio = first.backwardStd / last.backwardStd;
  const predictedBackwardRatio = first.predictedBackwardStd / last.predictedBackwardStd;
  const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
  const forwardAgreement = range(rows.map((r) => r.forwardStd / r.predictedForwardStd));
  const backwardAgreement = range(rows.map((r) => r.backwardStd / r.predictedBackwardStd));
  const backwardSignal = classify(initBackwardGain, L);
  const forwardSignal = classify(initForwardGain, L);

  const lines = [
    `verdict over ${L} weight layers:`,
    `  backward (Eq. 14): the initialization ${backwardSignal} the gradient: x${fmt(initBackwardGain)} (${pow2(initBackwardGain)}) from the last layer to the first; ` +
      `He fan-out gives x1, the paper's "Xavier" 2^-${((L - 1) / 2).toFixed(1)}${backwardSignal === 'shrinks' ? ': a net this deep stalls (paper, Fig. 3)' : ''}`,
    `  forward (Eq. 10): the initialization ${forwardSignal} the response: x${fmt(initForwardGain)} (${pow2(initForwardGain)}) from the first layer to the last ` +
      '(He fan-in gives x1; fan-out gives the channel ratio of Eq. 16)',
    `  geometry: strides, padding borders and pooling scale the gradient by x${fmt(geometryBackwardGain)} on the way back, whatever the initialization ` +
      "(Eqs. 11-13 assume stride-1 layers on maps without borders; the prediction counts each input's outputs and measures pooling)",
    `  backward std first/last: measured ${fmt(measuredBackwardRatio)}, predicted ${fmt(predictedBackwardRatio)} = initialization x geometry`,
    `  measured/predicted std per layer: forward ${fmt(forwardAgreement[0])}..${fmt(forwardAgreement[1])}, backward ${fmt(backwardAgreement[0])}..${fmt(backwardAgreement[1])}`,
    "  (the prediction is the mean over weight draws; with few channels each layer's realised gain scatters around it,",
    '  and a product of many scattered gains falls below the product of their means: wider nets agree more closely)',
  ];
  return {
    layers: L,
    initBackwardGain,
    initForwardGain,
    geometryBackwardGain,
    measuredBackwardRatio,
    predictedBackwardRatio,
    forwardAgreement,
    backwardAgreement,
    backwardSignal,
    forwardSignal,
    lines,
  };
}
