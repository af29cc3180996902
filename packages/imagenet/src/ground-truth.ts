/**
 * ILSVRC2012 validation labels from text files (browser-safe parsing):
 * - devkit: `ILSVRC2012_validation_ground_truth.txt` holds one ILSVRC2012_ID (1..1000) per line for
 *   ILSVRC2012_val_00000001.JPEG, ...; the IDs are the devkit's `meta.mat` synset IDs, NOT the sorted-wnid
 *   class indices, so a mapping ILSVRC2012_ID -> wnid is needed (a text file, see {@link parseIdMapping});
 * - Kaggle/LOC: `LOC_val_solution.csv` with header `ImageId,PredictionString`, where the first token of
 *   PredictionString is the wnid.
 */

/** One labelled validation file name. */
export interface ValLabel {
  /** File name inside val/, e.g. 'ILSVRC2012_val_00000001.JPEG'. */
  file: string;
  wnid: string;
}

/** File name of the n-th (1-based) ILSVRC2012 validation image. */
export function valFileName(n: number, ext = '.JPEG'): string {
  return `ILSVRC2012_val_${String(n).padStart(8, '0')}${ext}`;
}

/**
 * Parses an ILSVRC2012_ID -> wnid text mapping. Accepted line forms (blank lines, `#` comments and
 * a header row such as `ILSVRC2012_ID<TAB>wnid` are ignored): `<id> <wnid> [words...]`, `<id>,<wnid>[,...]`, or just `<wnid>` (then the ID is the
 * 1-based line number among non-comment lines, the order of `synsets` in meta.mat).
 * @example parseIdMapping('1 n02119789 kit fox\n2 n02100735') // Map {1 => 'n02119789', 2 => 'n02100735'}
 */
export function parseIdMapping(text: string, name = 'ID mapping'): Map<number, string> {
  const map = new Map<number, string>();
  let line = 0;
  let k = 0;
  let first = true;
  for (const raw of text.split(/\r?\n/)) {
    line++;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) continue;
    const parts = s.split(/[\s,]+/);
    // A header row (the devkit's `ILSVRC2012_ID<TAB>wnid`, `id,wnid`...): the first row, no wnid in it.
    if (first && !parts.some((p) => /^n\d{8}$/.test(p)) && !/^\d+$/.test(parts[0])) {
      first = false;
      continue;
    }
    first = false;
    k++;
    let id: number;
    let wnid: string;
    if (/^\d+$/.test(parts[0]) && parts.length >= 2) {
      id = Number(parts[0]);
      wnid = parts[1];
    } else {
      id = k;
      wnid = parts[0];
    }
    if (!/^n\d{8}$/.test(wnid))
      throw new Error(`${name}: line ${line}: '${wnid}' is not a wnid (n + 8 digits)`);
    if (map.has(id)) throw new Error(`${name}: line ${line}: ILSVRC2012_ID ${id} appears twice`);
    map.set(id, wnid);
  }
  return map;
}

/**
 * Parses the devkit ground truth (one integer ILSVRC2012_ID per line) into labelled file names using
 * a mapping from {@link parseIdMapping}. Lines whose ID the mapping lacks are returned in `bad`.
 */
export function parseDevkitGroundTruth(
  text: string,
  mapping: Map<number, string>,
  name = 'ILSVRC2012_validation_ground_truth.txt',
): { labels: ValLabel[]; bad: { file: string; reason: string }[] } {
  const labels: ValLabel[] = [];
  const bad: { file: string; reason: string }[] = [];
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  lines.forEach((raw, i) => {
    const file = valFileName(i + 1);
    const s = raw.trim();
    if (!/^\d+$/.test(s)) {
      bad.push({ file, reason: `${name} line ${i + 1}: '${s}' is not an ILSVRC2012_ID` });
      return;
    }
    const wnid = mapping.get(Number(s));
    if (!wnid)
      bad.push({ file, reason: `${name} line ${i + 1}: ILSVRC2012_ID ${s} is not in the ID mapping` });
    else labels.push({ file, wnid });
  });
  return { labels, bad };
}

/**
 * Parses `LOC_val_solution.csv` (`ImageId,PredictionString`; first token of the prediction string is
 * the wnid). File names get the `.JPEG` extension.
 * @example parseLocValSolution('ImageId,PredictionString\nILSVRC2012_val_00008726,n02119789 255 142 454 329')
 */
export function parseLocValSolution(text: string, name = 'LOC_val_solution.csv'): ValLabel[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${name}: empty file`);
  const header = lines[0].split(',').map((h) => h.trim());
  if (header[0] !== 'ImageId' || header[1] !== 'PredictionString')
    throw new Error(`${name}: expected header 'ImageId,PredictionString', got '${lines[0]}'`);
  return lines.slice(1).map((l, i) => {
    const comma = l.indexOf(',');
    if (comma < 0) throw new Error(`${name}: line ${i + 2} has no comma: '${l}'`);
    const id = l.slice(0, comma).trim();
    const wnid =
      l
        .slice(comma + 1)
        .trim()
        .split(/\s+/)[0] ?? '';
    return { file: /\.[A-Za-z]+$/.test(id) ? id : `${id}.JPEG`, wnid };
  });
}
