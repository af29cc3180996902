/**
 * Node decoding with sharp (libvips + libjpeg-turbo/mozjpeg). Formats are sniffed from magic bytes,
 * so a PNG named .JPEG decodes; greyscale and CMYK JPEGs come out as 3-channel RGB, CMYK by PIL's
 * plain conversion unless asked otherwise. EXIF orientation is ignored, as PIL and torchvision do.
 */
import sharp from 'sharp';
import { describeContent } from '../content-type.js';
import { resizeShorter, type ViewPlan } from '../geometry.js';
import { hwcToChw, type Normalization } from '../pixels.js';
import { cropRGB, type RGBImage, resampleRGB } from '../resample.js';
import { imageSize, isTruncated, sniffFormat } from '../sniff.js';
import { renderViewInto } from '../transform.js';

/** Decoder options shared by the Node paths. */
export interface SharpOptions {
  /**
   * When sharp gives up on damaged input: 'truncated' (default: fail on truncated files, accept the
   * recoverable warnings some real ImageNet JPEGs produce), 'error', 'warning' or 'none'.
   */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /**
   * Resampling kernel for libvips' downscaling; default 'linear' (within a grey level or two of PIL's
   * bilinear). Enlargements always use the package's PIL-exact resampler: libvips' upscaling is
   * offset by half a pixel against PIL / torchvision.
   */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
  /**
   * How CMYK JPEGs become RGB. 'plain' (default): PIL's `convert('RGB')`,
   * `R = (255 - C)(255 - K) / 255`, what torchvision-trained models saw. 'icc': libvips' colour-managed
   * conversion through the embedded (or a generic) CMYK profile, closer to what a viewer shows.
   */
  cmyk?: 'plain' | 'icc';
  /**
   * Who shrinks images: 'libvips' (fast; within a few grey levels of PIL, see the README's table) or
   * 'pil' (a full-size decode and the package's resampler, PIL's pixels exactly). Default 'pil' for
   * evaluation (the loader's `center` / `tenCrop` transforms, `tenCropFromFile`,
   * `multiScaleInputsFromFile`, `preprocessImage`), 'libvips' for training views and `decodeImage`.
   */
  resampler?: 'libvips' | 'pil';
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

/** Header facts of an encoded image. */
export interface ProbeResult {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** JPEG colour components (4: CMYK); absent for PNG. */
  components?: number;
}

/**
 * Checks the magic bytes and reads the header size; throws {@link BadImageError} for empty files,
 * non-images and headers without a size.
 */
export function probe(bytes: Uint8Array, path = '<buffer>'): ProbeResult {
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

/**
 * The reason for a failed decode, never libvips' bare "Unknown error": libvips keeps one error
 * buffer per process, so with several decodes in flight a failure can lose its message. Truncation
 * is recognised from the bytes themselves; other failures are retried once alone for their message.
 */
async function failureReason(e: unknown, bytes: Uint8Array, o: SharpOptions): Promise<string> {
  const first = ((e as Error)?.message ?? String(e)).split('\n')[0].trim();
  if ((o.failOn ?? 'truncated') !== 'none' && isTruncated(bytes))
    return `decode failed: premature end of ${sniffFormat(bytes)?.toUpperCase() ?? 'image'} data (file truncated: no end-of-image marker)`;
  if (first && !/^unknown error$/i.test(first)) return `decode failed: ${first}`;
  try {
    await pipeline(bytes, o).raw().toBuffer();
  } catch (again) {
    const second = ((again as Error)?.message ?? '').split('\n')[0].trim();
    if (second && !/^unknown error$/i.test(second)) return `decode failed: ${second}`;
  }
  return 'decode failed: libvips gave no reason (corrupt image data)';
}

/** PIL's CMYK -> RGB (`convert('RGB')`): `nk = 255 - K; R = nk - C * nk / 255` in 8-bit fixed point. */
function plainCmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const nk = 255 - cmyk[i * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const t = cmyk[i * 4 + c] * nk + 128; // PIL's MULDIV255
      out[i * 3 + c] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return out;
}

/** Full-size 8-bit RGB decode (CMYK converted as `o.cmyk` says). */
async function decodeFull(bytes: Uint8Array, info: ProbeResult, o: SharpOptions): Promise<RGBImage> {
  if (info.components === 4 && (o.cmyk ?? 'plain') === 'plain') {
    // Keep libvips from colour-managing: decode the ink values and convert them like PIL.
    const r = await pipeline(bytes, o)
      .pipelineColourspace('cmyk')
      .toColourspace('cmyk')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (r.info.channels !== 4) throw new Error(`CMYK JPEG decoded to ${r.info.channels} channels`);
    return {
      data: plainCmykToRgb(r.data, r.info.width * r.info.height),
      width: r.info.width,
      height: r.info.height,
    };
  }
  return rgbPixels(pipeline(bytes, o));
}

/** Runs a sharp pipeline to 8-bit sRGB pixels without alpha. */
async function rgbPixels(img: ReturnType<typeof pipeline>): Promise<RGBImage> {
  const { data, info: i } = await img
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (i.channels !== 3) throw new Error(`decoded to ${i.channels} channels, expected 3`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: i.width,
    height: i.height,
  };
}

/**
 * Whether a resize to w x h must run in JS rather than libvips: when asked (`resampler: 'pil'`),
 * enlargements (libvips' upscaling is shifted by half a pixel against PIL) and plain-converted CMYK
 * (libvips would colour-manage it).
 */
function needsJsResize(info: ProbeResult, w: number, h: number, o: SharpOptions): boolean {
  return (
    o.resampler === 'pil' ||
    w > info.width ||
    h > info.height ||
    (info.components === 4 && (o.cmyk ?? 'plain') === 'plain')
  );
}

/**
 * Decodes a JPEG or PNG to 8-bit RGB. With `shorterSide`, resizes so the shorter side has that
 * length: shrinking runs in libvips (JPEG shrink-on-load makes it much cheaper than a full decode),
 * enlarging in the package's PIL-exact resampler.
 * @example const img = await decodeImage(await readFile('a.JPEG'), { shorterSide: 256 });
 */
export async function decodeImage(
  bytes: Uint8Array,
  opts: SharpOptions & { shorterSide?: number; path?: string } = {},
): Promise<RGBImage> {
  const path = opts.path ?? '<buffer>';
  const info = probe(bytes, path);
  try {
    if (!opts.shorterSide) return await decodeFull(bytes, info, opts);
    const r = resizeShorter(info.width, info.height, opts.shorterSide);
    if (needsJsResize(info, r.width, r.height, opts)) {
      const full = await decodeFull(bytes, info, opts);
      return resampleRGB(full, 0, 0, full.width, full.height, r.width, r.height);
    }
    return await rgbPixels(
      pipeline(bytes, opts).resize(r.width, r.height, { fit: 'fill', kernel: opts.kernel ?? 'linear' }),
    );
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    throw new BadImageError(path, await failureReason(e, bytes, opts));
  }
}

/**
 * Renders views of an encoded image straight into `out` (CHW float32, views back to back). Views
 * that shrink the image run in libvips (decode with shrink-on-load + resize + crop, one call per
 * distinct resize); views that enlarge it, and plain-converted CMYK, decode once at full size and
 * resample in JS (PIL's pixel grid). The flip, lighting noise and normalisation run in one JS pass.
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
    const info = probe(bytes, path);
    let full: RGBImage | null = null;
    let cached: { key: string; img: RGBImage } | null = null;
    let o = offset;
    for (const v of views) {
      const per = 3 * v.crop.width * v.crop.height;
      if (needsJsResize(info, v.resizeWidth, v.resizeHeight, opts)) {
        full ??= await decodeFull(bytes, info, opts);
        renderViewInto(full, v, light, norm, out, o);
        o += per;
        continue;
      }
      if (views.length === 1) {
        const { data, info: i } = await pipeline(bytes, opts)
          .resize(v.resizeWidth, v.resizeHeight, { fit: 'fill', kernel })
          .extract(v.crop)
          .toColourspace('srgb')
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        if (i.channels !== 3) throw new Error(`decoded to ${i.channels} channels, expected 3`);
        hwcToChw(data, i.width, i.height, out, o, v.flip, light, norm);
        return;
      }
      // Several views of one resize (10-view testing): resize once, crop in JS.
      const key = `${v.resizeWidth}x${v.resizeHeight}`;
      if (!cached || cached.key !== key) {
        const { data, info: i } = await pipeline(bytes, opts)
          .resize(v.resizeWidth, v.resizeHeight, { fit: 'fill', kernel })
          .toColourspace('srgb')
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        if (i.channels !== 3) throw new Error(`decoded to ${i.channels} channels, expected 3`);
        cached = { key, img: { data, width: i.width, height: i.height } };
      }
      const c = cropRGB(cached.img, v.crop.left, v.crop.top, v.crop.width, v.crop.height);
      hwcToChw(c.data, c.width, c.height, out, o, v.flip, light, norm);
      o += per;
    }
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    throw new BadImageError(path, await failureReason(e, bytes, opts));
  }
}
