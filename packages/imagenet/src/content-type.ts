/**
 * Names what a file that is not a JPEG or PNG looks like, from its magic bytes, for error messages:
 * "not a JPEG or PNG (GIF image)" tells the user what went wrong without echoing the file's content
 * (printing its first bytes showed e.g. the start of /etc/passwd when a dataset linked to it).
 */

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

const startsWith = (b: Uint8Array, bytes: readonly number[]): boolean =>
  b.length >= bytes.length && bytes.every((v, i) => b[i] === v);

/** Magic numbers of formats users put in image folders by mistake, checked in this order. */
const SIGNATURES: readonly [string, (b: Uint8Array) => boolean][] = [
  ['GIF image', (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')],
  ['WebP image', (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')],
  ['BMP image', (b) => ascii(b, 0, 'BM') && b.length >= 14],
  ['TIFF image', (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])],
  ['ICO image', (b) => startsWith(b, [0x00, 0x00, 0x01, 0x00])],
  ['AVIF image', (b) => ascii(b, 4, 'ftypavif') || ascii(b, 4, 'ftypavis')],
  ['HEIF/HEIC image', (b) => ascii(b, 4, 'ftyphei') || ascii(b, 4, 'ftypmif1') || ascii(b, 4, 'ftypmsf1')],
  ['MP4/QuickTime video', (b) => ascii(b, 4, 'ftyp')],
  ['JPEG 2000 image', (b) => startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])],
  ['JPEG XL image', (b) => startsWith(b, [0xff, 0x0a]) || ascii(b, 4, 'JXL ')],
  ['PDF document', (b) => ascii(b, 0, '%PDF-')],
  ['ZIP archive', (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04])],
  ['gzip data', (b) => startsWith(b, [0x1f, 0x8b])],
  ['tar archive', (b) => ascii(b, 257, 'ustar')],
  ['ELF executable', (b) => startsWith(b, [0x7f, 0x45, 0x4c, 0x46])],
];

/** True when the sample is plausible UTF-8 text: no NUL, few control characters, valid UTF-8. */
function looksLikeText(b: Uint8Array): boolean {
  const sample = b.subarray(0, 4096);
  let control = 0;
  for (const c of sample) {
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) control++;
  }
  if (control > sample.length / 100) return false;
  try {
    // a multi-byte character cut at the sample's end is not an error
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, sample.length - 3));
    return true;
  } catch {
    return false;
  }
}

/**
 * A short description of non-image content: a known format's name ("GIF image", "PDF document"),
 * "an HTML page", "an SVG/XML document", "text" or "unrecognised binary data". Never any content.
 * @example describeContent(new TextEncoder().encode('root:x:0:0')) // 'text'
 */
export function describeContent(b: Uint8Array): string {
  for (const [name, test] of SIGNATURES) if (test(b)) return name;
  if (looksLikeText(b)) {
    const head = new TextDecoder().decode(b.subarray(0, 256)).trimStart().toLowerCase();
    if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'HTML page';
    if (head.startsWith('<?xml') || head.startsWith('<svg')) return 'SVG/XML document';
    return 'text';
  }
  return 'unrecognised binary data';
}
