/**
 * Score averaging for multi-view testing (10-view, dense multi-scale with flips) and top-k helpers.
 */

function softmaxRow(src: ArrayLike<number>, off: number, k: number, dst: Float64Array): void {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) m = Math.max(m, src[off + j]);
  let s = 0;
  for (let j = 0; j < k; j++) {
    dst[j] = Math.exp(src[off + j] - m);
    s += dst[j];
  }
  for (let j = 0; j < k; j++) dst[j] /= s;
}

/** Options of the averaging helpers. */
export interface AverageOptions {
  /** Apply softmax to each view's scores before averaging (average probabilities); default false. */
  softmax?: boolean;
}

/**
 * Averages per-view scores laid out image-major: row `i * numViews + v` holds view v of image i
 * (the order the loaders emit for `tenCrop`). Returns numImages x numClasses.
 * @example averageViewScores(logits, 4, 10, 1000) // Float32Array(4000)
 */
export function averageViewScores(
  scores: ArrayLike<number>,
  numImages: number,
  numViews: number,
  numClasses: number,
  opts: AverageOptions = {},
): Float32Array {
  if (scores.length !== numImages * numViews * numClasses)
    throw new Error(
      `averageViewScores: scores has ${scores.length} values, expected ${numImages}x${numViews}x${numClasses} = ${numImages * numViews * numClasses}`,
    );
  const out = new Float32Array(numImages * numClasses);
  const acc = new Float64Array(numClasses);
  const tmp = new Float64Array(numClasses);
  for (let i = 0; i < numImages; i++) {
    acc.fill(0);
    for (let v = 0; v < numViews; v++) {
      const off = (i * numViews + v) * numClasses;
      if (opts.softmax) {
        softmaxRow(scores, off, numClasses, tmp);
        for (let j = 0; j < numClasses; j++) acc[j] += tmp[j];
      } else for (let j = 0; j < numClasses; j++) acc[j] += scores[off + j];
    }
    for (let j = 0; j < numClasses; j++) out[i * numClasses + j] = acc[j] / numViews;
  }
  return out;
}

/**
 * Averages a list of score vectors of one image (e.g. one per scale and flip in dense multi-scale
 * testing, P §3: "average the scores ... then combine multiple scales").
 * @example averageScores([s256, s256flip, s384, s384flip]) // Float32Array(numClasses)
 */
export function averageScores(list: readonly ArrayLike<number>[], opts: AverageOptions = {}): Float32Array {
  if (list.length === 0) throw new Error('averageScores: need at least one score vector');
  const k = list[0].length;
  const flat = new Float32Array(list.length * k);
  list.forEach((s, v) => {
    if (s.length !== k)
      throw new Error(`averageScores: vector ${v} has ${s.length} scores, vector 0 has ${k}`);
    for (let j = 0; j < k; j++) flat[v * k + j] = s[j];
  });
  return averageViewScores(flat, 1, list.length, k, opts);
}

/**
 * Indices of the k largest scores of each row (descending; ties keep the lower index first).
 * @returns numRows x k indices
 */
export function topk(scores: ArrayLike<number>, numClasses: number, k: number): Int32Array {
  if (scores.length % numClasses !== 0)
    throw new Error(`topk: ${scores.length} scores is not a multiple of ${numClasses}`);
  if (k < 1 || k > numClasses) throw new Error(`topk: k must be in [1, ${numClasses}], got ${k}`);
  const rows = scores.length / numClasses;
  const out = new Int32Array(rows * k);
  const idx = Array.from({ length: numClasses }, (_, j) => j);
  for (let r = 0; r < rows; r++) {
    const off = r * numClasses;
    const order = idx.slice().sort((a, b) => scores[off + b] - scores[off + a] || a - b);
    for (let j = 0; j < k; j++) out[r * k + j] = order[j];
  }
  return out;
}

/**
 * Top-1 and top-k error rates (fractions) against integer labels.
 * @example topkError(avg, labels, 1000, 5) // { top1: 0.33, topk: 0.13 }
 */
export function topkError(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  k = 5,
): { top1: number; topk: number } {
  const kk = Math.min(k, numClasses);
  const t = topk(scores, numClasses, kk);
  const rows = scores.length / numClasses;
  if (labels.length !== rows) throw new Error(`topkError: ${labels.length} labels for ${rows} score rows`);
  let e1 = 0;
  let ek = 0;
  for (let r = 0; r < rows; r++) {
    if (t[r * kk] !== labels[r]) e1++;
    let hit = false;
    for (let j = 0; j < kk; j++) if (t[r * kk + j] === labels[r]) hit = true;
    if (!hit) ek++;
  }
  return { top1: rows ? e1 / rows : 0, topk: rows ? ek / rows : 0 };
}
