// Build step for "The paper reproduced": read what `rectifier reproduce` wrote into the repository's
// results/ folder (results/<experiment>/<experiment>.json, *.svg, tables.md), copy the SVGs into
// public/generated/results/ and render the tables as markdown that paper/reproduced.md includes.
// When results/ is empty the generated part says so and the page still shows the paper's numbers.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
// A figure is a number (a single-seed JSON) or { mean, sd, values } over seeds (`--seeds N`).
const isStats = (v) => v !== null && typeof v === 'object' && isNum(v.mean);
const pct = (v) =>
  isStats(v)
    ? `${(v.mean * 100).toFixed(2)}% ± ${(v.sd * 100).toFixed(2)}`
    : isNum(v)
      ? `${(v * 100).toFixed(2)}%`
      : '-';
const num = (v, d = 3) =>
  isStats(v) ? `${v.mean.toFixed(d)} ± ${v.sd.toFixed(d)}` : isNum(v) ? v.toFixed(d) : '-';
const sci = (v) =>
  isStats(v) ? `${v.mean.toExponential(2)} ± ${v.sd.toExponential(1)}` : isNum(v) ? v.toExponential(2) : '-';
const seedsOf = (r) => (Array.isArray(r.settings?.seeds) ? r.settings.seeds.length : 1);
const points = (v) => (isNum(v) ? `${(v * 100).toFixed(2)} points` : '-');

/** One line per comparison of two arms: the gap, in pooled sds, and whether it holds beyond the spread. */
function renderComparisons(r, label) {
  if (!Array.isArray(r.comparisons) || r.comparisons.length === 0) return [];
  const out = [
    `**${label}** (holds beyond the spread: gap of at least 2 pooled standard deviations and the same order in every seed):`,
    '',
  ];
  for (const c of r.comparisons) {
    const sd = isNum(c.gapInSd)
      ? `${c.gapInSd.toFixed(1)} pooled sd`
      : c.pooledSd === 0
        ? 'zero spread'
        : 'one seed: no spread to compare with';
    const verdict = c.holds
      ? 'holds beyond the spread'
      : c.gap < 0
        ? 'reversed'
        : c.gap === 0
          ? 'no difference'
          : 'within the spread (not established)';
    out.push(
      `- ${c.depth ? `${c.depth} layers: ` : ''}${c.higher} - ${c.lower}: ${points(c.gap)} (${sd}); ${c.lower} lower in ${c.seedsAgreeing}/${c.seeds} seeds: **${verdict}**`,
    );
  }
  out.push('');
  return out;
}

function renderPreluVsRelu(r) {
  const out = [];
  if (Array.isArray(r.table2)) {
    out.push(
      `**Table 2 layout** (test top-1 / top-5 error; ours on the small run${seedsOf(r) > 1 ? `, mean ± sd over ${seedsOf(r)} seeds` : ''}, the paper's on ImageNet val, 10-view):`,
      '',
    );
    out.push(
      '| model | top-1 (ours) | top-5 (ours) | top-1 (paper) | top-5 (paper) |',
      '|---|---|---|---|---|',
    );
    for (const t of r.table2)
      out.push(
        `| ${t.model} | ${pct(t.top1)} | ${pct(t.top5)} | ${pct(t.paperTop1)} | ${pct(t.paperTop5)} |`,
      );
    out.push('');
    out.push(...renderComparisons(r, 'Top-1 error, pair by pair'));
  }
  if (Array.isArray(r.table1)) {
    out.push(
      '**Table 1 layout** (learned PReLU coefficients per layer; channel-wise: mean over channels):',
      '',
    );
    out.push(
      '| layer | shared (ours) | channel-wise (ours) | shared (paper) | channel-wise (paper) |',
      '|---|---|---|---|---|',
    );
    for (const t of r.table1)
      out.push(
        `| ${t.layer} | ${num(t.shared)} | ${num(t.channelWise)} | ${num(t.paperShared)} | ${num(t.paperChannelWise)} |`,
      );
    out.push('');
    for (const [col, v] of [
      ['channel-shared', r.slopePattern?.shared],
      ['channel-wise', r.slopePattern?.channelWise],
    ]) {
      if (v?.summary) out.push(`- Table 1 pattern, ${col}: ${v.summary}.`);
    }
    if (r.slopePattern) out.push('');
  }
  return out;
}

function renderInitDepth(r) {
  const out = [];
  if (Array.isArray(r.summary)) {
    out.push(
      `Chance error: ${pct(r.chanceError)}. The paper (Figs. 2-3): ${r.paper?.fig2?.caption ?? ''} ${r.paper?.fig3?.caption ?? ''}`.trim(),
      '',
    );
    out.push(
      `Mean ± sd over ${seedsOf(r)} seeds (every seed's run is in the JSON):`,
      '',
      '| run | final top-1 | final top-5 | stalled (seeds) | ‖∂L/∂W‖ first layer (step 1) | ‖∂L/∂W‖ last layer (step 1) |',
      '|---|---|---|---|---|---|',
    );
    for (const t of r.summary) {
      out.push(
        `| ${t.name} | ${pct(t.finalTop1)} | ${pct(t.finalTop5)} | ${t.stalledSeeds}/${t.seeds} | ${sci(t.gradientFirstLayer)} | ${sci(t.gradientLastLayer)} |`,
      );
    }
    out.push('');
    out.push(...renderComparisons(r, 'He vs "Xavier", final top-1 error'));
  } else if (Array.isArray(r.runs)) {
    out.push(
      `Chance error: ${pct(r.chanceError)}. The paper (Figs. 2-3): ${r.paper?.fig2?.caption ?? ''} ${r.paper?.fig3?.caption ?? ''}`.trim(),
      '',
    );
    out.push(
      '| run | steps | final top-1 | final top-5 | stalled | ‖∂L/∂W‖ first layer (step 1) | ‖∂L/∂W‖ last layer (step 1) |',
      '|---|---|---|---|---|---|---|',
    );
    for (const t of r.runs) {
      out.push(
        `| ${t.name} | ${t.steps ?? '-'} | ${pct(t.finalTop1)} | ${pct(t.finalTop5)} | ${t.stalled ? 'yes' : 'no'} | ${sci(t.gradientFirstLayer)} | ${sci(t.gradientLastLayer)} |`,
      );
    }
    out.push('');
  }
  return out;
}

function renderGeneric(r) {
  const rows = Object.entries(r).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v));
  return [
    '| field | value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${String(v).replace(/\|/g, '\\|')} |`),
    '',
  ];
}

/** Result folders: results/<experiment>/ and one level below (e.g. results/init-depth/long-22/). */
function resultDirs(root) {
  if (!existsSync(root)) return [];
  const out = [];
  for (const d of readdirSync(root).sort()) {
    if (!statSync(join(root, d)).isDirectory()) continue;
    out.push(d);
    for (const sub of readdirSync(join(root, d)).sort()) {
      if (statSync(join(root, d, sub)).isDirectory()) out.push(`${d}/${sub}`);
    }
  }
  return out;
}

/**
 * results/README.md (the notes of whoever produced the reference runs), shown verbatim inside v-pre
 * (no Vue interpolation) with its headings moved below the page's and relative links reduced to text
 * (they point into the repository, not into the site).
 */
function renderNotes(file) {
  let inFence = false;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
      if (inFence) return line; // `# comment` lines of shell blocks are not headings
      return line
        .replace(/^(#{1,4}) /, (_, h) => `${'#'.repeat(Math.min(h.length + 2, 6))} `)
        .replace(/(!?)\[([^\]]*)\]\((?!https?:)[^)]*\)/g, (_, bang, label) => (bang ? '' : label));
    });
  return ['### Notes from `results/README.md`', '', '::: v-pre', lines.join('\n').trim(), ':::', ''];
}

/** Returns the number of result folders found. */
export function generateResultsPage(resultsDir, publicDir, mdFile, log = console.log) {
  const exps = resultDirs(resultsDir);
  const out = [];
  let found = 0;
  for (const exp of exps) {
    const dir = join(resultsDir, exp);
    const files = readdirSync(dir)
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort();
    const jsons = files.filter((f) => f.endsWith('.json'));
    const svgs = files.filter((f) => f.endsWith('.svg'));
    if (jsons.length === 0 && svgs.length === 0) continue;
    found++;
    out.push(`### ${exp}`, '');
    for (const f of jsons) {
      let r;
      try {
        r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      } catch (e) {
        throw new Error(`results: cannot parse ${join(dir, f)}: ${e.message}`);
      }
      const when = r.started
        ? `${new Date(r.started).toISOString().replace('T', ' ').slice(0, 16)} UTC`
        : 'unknown date';
      if (r.command)
        out.push(
          `Produced by \`${r.command}\` on ${when}${r.seconds ? ` in ${r.seconds} s` : ''}${r.backend ? ` (backend ${r.backend}, Node ${r.node ?? '?'})` : ''}.`,
          '',
        );
      if (r.settings)
        out.push(
          `Settings: ${Object.entries(r.settings)
            .map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : v}`)
            .join(', ')}.`,
          '',
        );
      out.push(
        ...(r.experiment === 'prelu-vs-relu'
          ? renderPreluVsRelu(r)
          : r.experiment === 'init-depth'
            ? renderInitDepth(r)
            : renderGeneric(r)),
      );
    }
    if (svgs.length > 0) {
      mkdirSync(join(publicDir, exp), { recursive: true });
      for (const f of svgs) {
        copyFileSync(join(dir, f), join(publicDir, exp, f));
        out.push(`![${exp}: ${f}](/generated/results/${exp}/${f})`, '');
      }
    }
  }
  if (existsSync(join(resultsDir, 'README.md'))) out.push(...renderNotes(join(resultsDir, 'README.md')));
  if (found === 0) {
    out.push(
      '::: warning No results yet',
      "The repository's `results/` folder holds no experiment output yet. Produce it with the commands below",
      '(each takes minutes on a laptop CPU), then rebuild the docs: this section renders whatever `results/` holds.',
      ':::',
      '',
    );
  }
  writeFileSync(mdFile, `${out.join('\n')}\n`);
  log(`results page: ${found} experiment(s) from ${resultsDir}`);
  return found;
}
