/**
 * Node decoding with sharp (libvips + libjpeg-turbo/mozjpeg). Formats are sniffed from magic bytes,
 * so a PNG named .JPEG decodes; greyscale and CMYK JPEGs come out as 3-channel sRGB.
 */
import sharp from 'sharp';
import { describeContent } from '../content-type.js';
import type { ViewPlan } from '../geometry.js';
import { hwcToChw, type Normalization } from '../pixels.js';
import type { RGBImage } from '../resample.js';
import { cropRGB } from '../resample.js';
import { imageSize, sniffFormat } from '../sniff.js';

/** Decoder options shared by the Node paths. */
export interface SharpOptions {
  /**
   * When sharp gives up on damaged input: 'truncated' (default: fail on truncated files, accept the
   * recoverable warnings some real ImageNet JPEGs produce), 'error', 'warning' or 'none'.
   */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /** Resampling kernel for resizes; default 'linear' (close to PIL bilinear, fastest that is smooth). */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
}

/** An error about one input file: the loader logs `path: reason`, skips it and counts it. */
export class BadImageError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'BadImageError';
  }
}

/**
 * Checks the magic bytes and reads the header size; throws {@link BadImageError} for empty files,
 * non-images and headers without a size.
 */
export function probe(
  bytes: Uint8Array,
  path = '<buffer>',
): { format: 'jpeg' | 'png'; width: number; height: number } {
  if (bytes.length === 0) throw new BadImageError(path, 'empty file (0 bytes)');
  const format = sniffFormat(bytes);
  // the detected kind, never the bytes: they may be the start of any file a dataset links to
  if (!format) throw new BadImageError(path, `not a JPEG or PNG (${describeContent(bytes)})`);
  const size = imageSize(bytes);
  if (!size)
    throw new BadImageError(
      path,
      `${format.toUpperCase()} header has no readable image size (truncated or corrupt)`,
    );
  return size;
}

function pipeline(bytes: Uint8Array, o: SharpOptions) {
  return sharp(bytes, { failOn: o.failOn ?? 'truncated', sequentialRead: true });
}

function reason(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0];
}

/**
 * Decodes a JPEG or PNG to 8-bit RGB. With `shorterSide`, resizes so the shorter side has that
 * length (JPEG shrink-on-load makes this much cheaper than a full decode when the target is small).
 * @example const img = await decodeImage(await readFile('a.JPEG'), { shorterSide: 256 });
 */
export async function decodeImage(
  bytes: Uint8Array,
  opts: SharpOptions & { shorterSide?: number; path?: string } = {},
): Promise<RGBImage> {
  const path = opts.path ?? '<buffer>';
  const { width, height } = probe(bytes, path);
  try {
    let p = pipeline(bytes, opts);
    if (opts.shorterSide) {
      const s = opts.shorterSide;
      const rw = width <= height ? s : Math.max(s, Math.floor((s * width) / height));
      const rh = width <= height ? Math.max(s, Math.floor((s * height) / width)) : s;
      p = p.resize(rw, rh, { fit: 'fill', kernel: opts.kernel ?? 'linear' });
    }
    const { data, info } = await p
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    throw new BadImageError(path, `decode failed: ${reason(e)}`);
  }
}

/**
 * Renders views of an encoded image straight into `out` (CHW float32, views back to back) with one
 * libvips call per distinct resize: decode (with shrink-on-load) + resize + crop run in libvips, the
 * flip, lighting noise and normalisation run in one JS pass (`hwcToChw` from the package root).
 */
export async function renderViewsSharp(
  bytes: Uint8Array,
  views: readonly ViewPlan[],
  light: readonly number[],
  norm: Normalization,
  out: Float32Array,
  offset: number,
  opts: SharpOptions & { path?: string } = {},
): Promise<void> {
  const path = opts.path ?? '<buffer>';
  const kernel = opts.kernel ?? 'linear';
  try {
    if (views.length === 1) {
      const v = views[0];
      const { data, info } = await pipeline(bytes, opts)
        .resize(v.resizeWidth, v.resizeHeight, { fit: 'fill', kernel })
        .extract(v.crop)
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
      hwcToChw(data, info.width, info.height, out, offset, v.flip, light, norm);
      return;
    }
    // Several views of one resize (10-view testing): resize once, crop in JS.
    let cached: { key: string; img: RGBImage } | null = null;
    let o = offset;
    for (const v of views) {
      const key = `${v.resizeWidth}x${v.resizeHeight}`;
      if (!cached || cached.key !== key) {
        const { data, info } = await pipeline(bytes, opts)
          .resize(v.resizeWidth, v.resizeHeight, { fit: 'fill', kernel })
          .toColourspace('srgb')
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
        cached = { key, img: { data, width: info.width, height: info.height } };
      }
      const c = cropRGB(cached.img, v.crop.left, v.crop.top, v.crop.width, v.crop.height);
      hwcToChw(c.data, c.width, c.height, out, o, v.flip, light, norm);
      o += 3 * v.crop.width * v.crop.height;
    }
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    throw new BadImageError(path, `decode failed: ${reason(e)}`);
  }
}
