/**
 * The deployment preprocessing: one serializable description of how an image becomes a model input
 * (torchvision's `Resize(resize)` + `CenterCrop(cropSize)` + `ToTensor()` + `Normalize(mean, std)`),
 * a validator for descriptions read from untrusted places (ONNX metadata), and the pure-JS executor.
 * Evaluation, `rectifier predict` and the browser demo all run this, so a deployed model sees the
 * pixels that evaluation measured.
 */
import { planCenterView } from './geometry.js';
import { hwcToChw, IMAGENET_MEAN, IMAGENET_STD } from './pixels.js';
import { type RGBImage, resampleNearestRGB, resampleRGB } from './resample.js';

/** Resampling filters of {@link Preprocessing}; the names and kernels are PIL's / torchvision's. */
export type Interpolation = 'bilinear' | 'nearest' | 'box';

/**
 * How an image becomes the model input, as plain JSON (it is stored in ONNX metadata under
 * {@link PREPROCESSING_METADATA_KEY}). Steps, in order:
 * 1. decode to 8-bit RGB (CMYK JPEGs by PIL's plain conversion, EXIF orientation ignored, alpha dropped);
 * 2. `colorMode: 'grey'`: convert to luma with PIL's `convert('L')` weights (299, 587, 114) / 1000;
 * 3. resize so the shorter side is `resize` (longer side `floor(resize * long / short)`), with
 *    `interpolation` (PIL's filters: `bilinear` antialiased when shrinking, `nearest`, `box` = area
 *    average);
 * 4. crop the centred `cropSize` x `cropSize` square (torchvision's `CenterCrop` offsets);
 * 5. per channel c: `(pixel * scale - mean[c]) / std[c]`, laid out CHW as float32.
 */
export interface Preprocessing {
  /** Version of this description's format; 1. */
  version: 1;
  /** `'rgb'` gives 3 channels, `'grey'` 1 channel. */
  colorMode: 'rgb' | 'grey';
  /** Shorter side after the resize, in pixels (>= cropSize). */
  resize: number;
  /** Side of the centred square crop, in pixels: the model's input height and width. */
  cropSize: number;
  /** Resampling filter of the resize. */
  interpolation: Interpolation;
  /** Multiplier for pixel values in [0, 255] before the mean (1/255 gives torchvision's [0, 1]). */
  scale: number;
  /** Per-channel mean, in the units after `scale`; one number per channel. */
  mean: number[];
  /** Per-channel std, in the units after `scale`; one positive number per channel. */
  std: number[];
}

/** The ONNX `metadata_props` key under which exporters store a {@link Preprocessing} as JSON. */
export const PREPROCESSING_METADATA_KEY = 'rectifier.preprocessing';

/** Largest `resize` / `cropSize` a description may ask for (bounds the memory a crafted one costs). */
export const MAX_PREPROCESS_SIDE = 4096;

/**
 * The evaluation preprocessing of a model with `inputSize` x `inputSize` inputs, as torchvision's
 * ImageNet recipe scales it: resize the shorter side to `round(inputSize * 8 / 7)` (256 for 224),
 * centre-crop `inputSize`, bilinear, torchvision's mean/std (unless given).
 * @example evalPreprocessing(224) // { resize: 256, cropSize: 224, interpolation: 'bilinear', ... }
 */
export function evalPreprocessing(
  inputSize: number,
  opts: Partial<Omit<Preprocessing, 'version' | 'cropSize'>> = {},
): Preprocessing {
  const colorMode = opts.colorMode ?? 'rgb';
  const channels = colorMode === 'grey' ? 1 : 3;
  return validatePreprocessing({
    version: 1,
    colorMode,
    resize: opts.resize ?? Math.round((inputSize * 8) / 7),
    cropSize: inputSize,
    interpolation: opts.interpolation ?? 'bilinear',
    scale: opts.scale ?? 1 / 255,
    mean: opts.mean ?? (channels === 3 ? [...IMAGENET_MEAN] : [IMAGENET_MEAN[0]]),
    std: opts.std ?? (channels === 3 ? [...IMAGENET_STD] : [IMAGENET_STD[0]]),
  });
}

function isPositiveInt(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
}

/**
 * Checks a description that may come from an untrusted file and returns it as a fresh, typed
 * object. Throws a one-line error naming the field and what is allowed.
 * @example validatePreprocessing(JSON.parse(meta['rectifier.preprocessing']))
 */
export function validatePreprocessing(p: unknown, where = 'preprocessing'): Preprocessing {
  if (p === null || typeof p !== 'object' || Array.isArray(p))
    throw new Error(`${where}: expected an object, got ${Array.isArray(p) ? 'an array' : String(p)}`);
  const o = p as Record<string, unknown>;
  const known = ['version', 'colorMode', 'resize', 'cropSize', 'interpolation', 'scale', 'mean', 'std'];
  for (const k of Object.keys(o))
    if (!known.includes(k)) throw new Error(`${where}: unknown key '${k}' (allowed: ${known.join(', ')})`);
  if (o.version !== 1) throw new Error(`${where}: version must be 1, got ${JSON.stringify(o.version)}`);
  if (o.colorMode !== 'rgb' && o.colorMode !== 'grey')
    throw new Error(`${where}: colorMode must be 'rgb' or 'grey', got ${JSON.stringify(o.colorMode)}`);
  if (!isPositiveInt(o.cropSize, MAX_PREPROCESS_SIDE))
    throw new Error(
      `${where}: cropSize must be an integer in [1, ${MAX_PREPROCESS_SIDE}], got ${JSON.stringify(o.cropSize)}`,
    );
  if (!isPositiveInt(o.resize, MAX_PREPROCESS_SIDE) || o.resize < o.cropSize)
    throw new Error(
      `${where}: resize must be an integer in [cropSize ${o.cropSize}, ${MAX_PREPROCESS_SIDE}], got ${JSON.stringify(o.resize)}`,
    );
  if (o.interpolation !== 'bilinear' && o.interpolation !== 'nearest' && o.interpolation !== 'box')
    throw new Error(
      `${where}: interpolation must be 'bilinear', 'nearest' or 'box', got ${JSON.stringify(o.interpolation)}`,
    );
  if (typeof o.scale !== 'number' || !Number.isFinite(o.scale) || o.scale <= 0)
    throw new Error(`${where}: scale must be a finite number > 0, got ${JSON.stringify(o.scale)}`);
  const channels = o.colorMode === 'grey' ? 1 : 3;
  const vec = (name: 'mean' | 'std', positive: boolean): number[] => {
    const v = o[name];
    const ok =
      Array.isArray(v) &&
      v.length === channels &&
      v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0));
    if (!ok)
      throw new Error(
        `${where}: ${name} must be ${channels} finite number${channels > 1 ? 's' : ''}${positive ? ' > 0' : ''} (one per channel), got ${JSON.stringify(v)}`,
      );
    return [...(v as number[])];
  };
  return {
    version: 1,
    colorMode: o.colorMode,
    resize: o.resize,
    cropSize: o.cropSize,
    interpolation: o.interpolation,
    scale: o.scale,
    mean: vec('mean', false),
    std: vec('std', true),
  };
}

/** Number of input channels a description produces (3 for rgb, 1 for grey). */
export function preprocessingChannels(p: Preprocessing): number {
  return p.colorMode === 'grey' ? 1 : 3;
}

/**
 * PIL's `convert('L')` of an RGB image, kept as 3 equal channels so the RGB resampler can run on it:
 * `L = (R * 299 + G * 587 + B * 114 + 500) / 1000`, truncated, as in PIL's fixed-point code.
 */
export function greyRGB(img: RGBImage): RGBImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    // PIL: L24(rgb) = rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000, >> 16
    const l = (d[j] * 19595 + d[j + 1] * 38470 + d[j + 2] * 7471 + 0x8000) >>> 16;
    out[j] = l;
    out[j + 1] = l;
    out[j + 2] = l;
  }
  return { data: out, width: img.width, height: img.height };
}

/**
 * Runs a {@link Preprocessing} on a decoded RGB image (pure JS: browsers and Node): returns the model
 * input for one image, CHW float32 of `channels x cropSize x cropSize`. The resize reproduces PIL's, so
 * given the same decoded pixels the result equals torchvision's `Resize` + `CenterCrop` + `ToTensor` +
 * `Normalize` up to float32 rounding (see the package README for the tested tolerances).
 * @example const x = preprocessRGB(img, evalPreprocessing(224)); // Float32Array(3 * 224 * 224)
 */
export function preprocessRGB(img: RGBImage, p: Preprocessing): Float32Array {
  const pre = validatePreprocessing(p);
  const src = pre.colorMode === 'grey' ? greyRGB(img) : img;
  const view = planCenterView(src.width, src.height, pre.resize, pre.cropSize);
  const k = pre.cropSize;
  // Resize to 8 bits first (as PIL does), then normalise: the same pixels as torchvision's pipeline.
  const r =
    pre.interpolation === 'nearest'
      ? resampleNearestRGB(src, view.resizeWidth, view.resizeHeight, view.crop.left, view.crop.top, k, k)
      : resampleRGB(
          src,
          (view.crop.left * src.width) / view.resizeWidth,
          (view.crop.top * src.height) / view.resizeHeight,
          (k * src.width) / view.resizeWidth,
          (k * src.height) / view.resizeHeight,
          k,
          k,
          pre.interpolation,
        );
  const grey = pre.colorMode === 'grey';
  const norm = {
    scale: pre.scale,
    mean: grey ? [pre.mean[0], pre.mean[0], pre.mean[0]] : pre.mean,
    std: grey ? [pre.std[0], pre.std[0], pre.std[0]] : pre.std,
  };
  const out = new Float32Array(3 * k * k);
  hwcToChw(r.data, k, k, out, 0, false, [0, 0, 0], norm);
  return grey ? out.slice(0, k * k) : out;
}
