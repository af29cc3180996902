/**
 * Image format sniffing by magic bytes (never by extension: a PNG named .JPEG must decode) and a
 * header-only size reader, so the Node path can plan a view before calling the decoder once.
 */

/** Formats the decoders accept. */
export type ImageFormat = 'jpeg' | 'png';

/**
 * Detects JPEG (FF D8 FF) or PNG (89 50 4E 47 0D 0A 1A 0A) from the first bytes.
 * @returns the format, or null for anything else (including empty input)
 */
export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  return null;
}

/**
 * Reads width and height from a JPEG (first SOFn marker) or PNG (IHDR) header without decoding;
 * for JPEGs also the number of colour components (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK).
 * @returns null when the header is missing or malformed
 * @example imageSize(bytes) // { format: 'jpeg', width: 500, height: 375, components: 3 }
 */
export function imageSize(
  b: Uint8Array,
): { format: ImageFormat; width: number; height: number; components?: number } | null {
  const f = sniffFormat(b);
  if (f === 'png') {
    if (b.length < 24 || b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return null;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const width = dv.getUint32(16);
    const height = dv.getUint32(20);
    return width > 0 && height > 0 ? { format: f, width, height } : null;
  }
  if (f !== 'jpeg') return null;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 9 > b.length) return null;
      const height = (b[i + 5] << 8) | b[i + 6];
      const width = (b[i + 7] << 8) | b[i + 8];
      const components = i + 9 < b.length ? b[i + 9] : 0;
      return width > 0 && height > 0 ? { format: f, width, height, components } : null;
    }
    if (m === 0xda || m === 0xd9) return null; // scan or end before any frame header
    i += 2 + len;
  }
  return null;
}

/**
 * Whether encoded bytes stop before their format's end marker (JPEG EOI `FF D9`, PNG `IEND` chunk),
 * allowing the zero padding some writers append: the cause of "premature end of image" errors.
 */
export function isTruncated(b: Uint8Array): boolean {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  const f = sniffFormat(b);
  if (f === 'jpeg') return !(end >= 4 && b[end - 2] === 0xff && b[end - 1] === 0xd9);
  if (f === 'png')
    // IEND chunk: length 0, type 'IEND', CRC AE 42 60 82
    return !(
      end >= 12 &&
      b[end - 8] === 0x49 &&
      b[end - 7] === 0x45 &&
      b[end - 6] === 0x4e &&
      b[end - 5] === 0x44
    );
  return false;
}
