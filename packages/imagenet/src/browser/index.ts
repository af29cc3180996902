/**
 * @rectifier/imagenet/browser: decoding in browsers (main thread or workers) with
 * `createImageBitmap` + `OffscreenCanvas`, or WebCodecs `ImageDecoder` where createImageBitmap is
 * missing. The result feeds the pure-JS transforms of the main entry (`applyTransform`).
 */
import { type Preprocessing, preprocessRGB } from '../preprocess.js';
import type { RGBImage } from '../resample.js';
import { sniffFormat } from '../sniff.js';
import { applyTransform, type Transform } from '../transform.js';

/**
 * Drops the alpha channel of RGBA bytes (canvas ImageData / VideoFrame RGBA layout).
 * @example rgbaToRgb(new Uint8ClampedArray([1, 2, 3, 255])) // Uint8Array [1, 2, 3]
 */
export function rgbaToRgb(rgba: ArrayLike<number>, pixels = rgba.length / 4): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    out[j] = rgba[i * 4];
    out[j + 1] = rgba[i * 4 + 1];
    out[j + 2] = rgba[i * 4 + 2];
  }
  return out;
}

/** Options of {@link decodeImageBrowser}. */
export interface BrowserDecodeOptions {
  /** Resize during decode so the shorter side has this length (createImageBitmap's resize). */
  shorterSide?: number;
}

function mimeOf(bytes: Uint8Array, name: string): string {
  const f = sniffFormat(bytes);
  if (!f) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      `${name}: ${bytes.length === 0 ? 'empty file (0 bytes)' : `not a JPEG or PNG (starts with ${head})`}`,
    );
  }
  return f === 'jpeg' ? 'image/jpeg' : 'image/png';
}

async function viaBitmap(bytes: Uint8Array, type: string, opts: BrowserDecodeOptions): Promise<RGBImage> {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
  let bmp = await createImageBitmap(blob, { colorSpaceConversion: 'default', premultiplyAlpha: 'none' });
  if (opts.shorterSide) {
    const s = opts.shorterSide;
    const w = bmp.width <= bmp.height ? s : Math.max(s, Math.floor((s * bmp.width) / bmp.height));
    const h = bmp.width <= bmp.height ? Math.max(s, Math.floor((s * bmp.height) / bmp.width)) : s;
    const resized = await createImageBitmap(bmp, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    bmp.close();
    bmp = resized;
  }
  const { width, height } = bmp;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('decodeImageBrowser: OffscreenCanvas 2d context unavailable');
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  return { data: rgbaToRgb(ctx.getImageData(0, 0, width, height).data), width, height };
}

async function viaImageDecoder(bytes: Uint8Array, type: string): Promise<RGBImage> {
  // WebCodecs: decode to a VideoFrame and copy it out as RGBA.
  const Dec = (globalThis as unknown as { ImageDecoder: new (o: { data: Uint8Array; type: string }) => any })
    .ImageDecoder;
  const dec = new Dec({ data: bytes, type });
  const { image } = await dec.decode();
  const width = image.displayWidth as number;
  const height = image.displayHeight as number;
  const rgba = new Uint8Array(width * height * 4);
  await image.copyTo(rgba, { format: 'RGBA' });
  image.close();
  dec.close();
  return { data: rgbaToRgb(rgba), width, height };
}

/**
 * Decodes JPEG or PNG bytes to RGB in a browser. Format is sniffed from magic bytes (a PNG named
 * .JPEG works); greyscale and CMYK JPEGs come out as RGB (the browser's decoder converts them).
 * @param name used in error messages
 * @example const img = await decodeImageBrowser(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export async function decodeImageBrowser(
  bytes: Uint8Array,
  opts: BrowserDecodeOptions = {},
  name = '<image>',
): Promise<RGBImage> {
  const type = mimeOf(bytes, name);
  try {
    if (typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function')
      return await viaBitmap(bytes, type, opts);
    if ('ImageDecoder' in globalThis) return await viaImageDecoder(bytes, type);
  } catch (e) {
    throw new Error(`${name}: decode failed: ${(e as Error)?.message ?? e}`);
  }
  throw new Error(
    'decodeImageBrowser: needs createImageBitmap + OffscreenCanvas or ImageDecoder (use @rectifier/imagenet/node in Node)',
  );
}

/**
 * Decodes and applies a transform (e.g. the paper's training augmentation) in one call.
 * @returns views x 3 x k x k float32, CHW per view
 * @example const x = await loadSampleBrowser(bytes, { kind: 'center' }, 0, 0, i);
 */
export async function loadSampleBrowser(
  bytes: Uint8Array,
  transform: Transform,
  seed: number,
  epoch: number,
  index: number,
  name?: string,
): Promise<Float32Array> {
  return applyTransform(await decodeImageBrowser(bytes, {}, name), transform, seed, epoch, index);
}
/**
 * The deployment preprocessing in a browser: decodes JPEG/PNG bytes with the browser's decoder and
 * runs {@link Preprocessing} with the package's PIL-exact resampler (no canvas resize), giving the
 * model input of one image as CHW float32. Use it with the `rectifier.preprocessing` entry of an
 * exported model's ONNX metadata, after `validatePreprocessing`.
 * @example const x = await preprocessImageBrowser(bytes, validatePreprocessing(JSON.parse(meta)));
 */
export async function preprocessImageBrowser(
  bytes: Uint8Array,
  p: Preprocessing,
  name?: string,
): Promise<Float32Array> {
  return preprocessRGB(await decodeImageBrowser(bytes, {}, name), p);
}

export {
  evalPreprocessing,
  PREPROCESSING_METADATA_KEY,
  type Preprocessing,
  preprocessingChannels,
  preprocessRGB,
  validatePreprocessing,
} from '../preprocess.js';
export * from './loader.js';
