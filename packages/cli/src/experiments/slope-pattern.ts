// The shape of the paper's Table 1 (learned PReLU slopes of the 14-layer model), as three checks that
// can be applied to any set of per-layer slopes: the paper's own values pass all three.

/** Per-layer slopes, keyed by Table 1's layer names (conv1, conv2_1 ... conv3_6, fc1, fc2). */
export type LayerSlopeMap = Record<string, number | null | undefined>;

/** One check of the paper's pattern. */
export interface PatternCheck {
  id: 'conv1-large' | 'smaller-deeper' | 'larger-at-stage-end';
  claim: string;
  holds: boolean;
  /** the numbers the check compared */
  detail: string;
}

const CONV2 = ['conv2_1', 'conv2_2', 'conv2_3', 'conv2_4'];
const CONV3 = ['conv3_1', 'conv3_2', 'conv3_3', 'conv3_4', 'conv3_5', 'conv3_6'];
const FC = ['fc1', 'fc2'];

const f3 = (v: number) => v.toFixed(3);

/**
 * The paper's observations on Table 1 (§2.1): conv1's slopes are large (0.681 / 0.596, "significantly
 * greater than 0"); "the deeper conv layers in general have smaller coefficients" (the stage means
 * fall: conv2_x > conv3_x > fc); the trend is not monotonic: the last conv of each stage (conv2_4,
 * conv3_6, just before a pooling) is larger again than the rest of its stage.
 * @throws when a layer of Table 1 is missing.
 */
export function slopePattern(s: LayerSlopeMap): PatternCheck[] {
  const get = (l: string): number => {
    const v = s[l];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`slopePattern: no slope for ${l}`);
    return v;
  };
  const mean = (ls: string[]) => ls.reduce((t, l) => t + get(l), 0) / ls.length;
  const max = (ls: string[]) => Math.max(...ls.map(get));
  const conv1 = get('conv1');
  const deeper = mean([...CONV2, ...CONV3]);
  const m2 = mean(CONV2);
  const m3 = mean(CONV3);
  const mfc = mean(FC);
  const end2 = get('conv2_4');
  const rest2 = max(CONV2.slice(0, -1));
  const end3 = get('conv3_6');
  const rest3 = max(CONV3.slice(0, -1));
  return [
    {
      id: 'conv1-large',
      claim: 'conv1 has a large slope: above the mean of the ten deeper conv layers',
      holds: conv1 > deeper,
      detail: `conv1 ${f3(conv1)} vs conv2_1-conv3_6 mean ${f3(deeper)}`,
    },
    {
      id: 'smaller-deeper',
      claim: 'slopes fall with depth: stage means conv2_x > conv3_x > fc1-fc2',
      holds: m2 > m3 && m3 > mfc,
      detail: `conv2_x ${f3(m2)}, conv3_x ${f3(m3)}, fc ${f3(mfc)}`,
    },
    {
      id: 'larger-at-stage-end',
      claim: 'larger again at the end of each stage: conv2_4 and conv3_6 above the rest of their stage',
      holds: end2 > rest2 && end3 > rest3,
      detail: `conv2_4 ${f3(end2)} vs max conv2_1-3 ${f3(rest2)}; conv3_6 ${f3(end3)} vs max conv3_1-5 ${f3(rest3)}`,
    },
  ];
}

/** The pattern checked on the mean slopes and in each seed. */
export interface PatternVerdict {
  /** checks on the slopes averaged over seeds */
  onMean: PatternCheck[];
  /** per check: in how many seeds it holds */
  seedsHolding: Record<PatternCheck['id'], number>;
  seeds: number;
  /** 'appears' (every check on the mean and in every seed), 'partly' or 'does not appear' */
  verdict: 'appears' | 'partly' | 'does not appear';
  /** one line for tables.md */
  summary: string;
}

/** Checks the paper's pattern on the mean slopes and on each seed's slopes. */
export function slopePatternVerdict(meanSlopes: LayerSlopeMap, perSeed: LayerSlopeMap[]): PatternVerdict {
  const onMean = slopePattern(meanSlopes);
  const seedChecks = perSeed.map(slopePattern);
  const seedsHolding = Object.fromEntries(
    onMean.map((c, i) => [c.id, seedChecks.filter((cs) => cs[i].holds).length]),
  ) as PatternVerdict['seedsHolding'];
  const n = perSeed.length;
  const all = onMean.every((c) => c.holds && seedsHolding[c.id] === n);
  const none = onMean.every((c) => !c.holds);
  const verdict = all ? 'appears' : none ? 'does not appear' : 'partly';
  const parts = onMean.map(
    (c) => `${c.id} ${c.holds ? 'yes' : 'no'} on the mean (${seedsHolding[c.id]}/${n} seeds)`,
  );
  return {
    onMean,
    seedsHolding,
    seeds: n,
    verdict,
    summary: `the paper's pattern ${verdict === 'partly' ? 'appears only in part' : verdict}: ${parts.join('; ')}`,
  };
}
