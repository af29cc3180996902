/**
 * The deployment preprocessing on encoded image bytes in Node: sharp decodes (full size, CMYK by
 * PIL's plain conversion), the package's PIL-exact resampler resizes and crops.
 */
import { type Preprocessing, preprocessRGB } from '../preprocess.js';
import { decodeImage, type SharpOptions } from './decode.js';

/**
 * Turns JPEG or PNG bytes into the model input of one image (CHW float32, `channels x cropSize x
 * cropSize`) as `p` describes; what `rectifier predict` runs. Throws `BadImageError` (`path: reason`)
 * for files that do not decode.
 * @example const x = await preprocessImage(await readFile('cat.jpg'), evalPreprocessing(224));
 */
export async function preprocessImage(
  bytes: Uint8Array,
  p: Preprocessing,
  opts: Pick<SharpOptions, 'failOn' | 'cmyk'> & { path?: string } = {},
): Promise<Float32Array> {
  return preprocessRGB(await decodeImage(bytes, opts), p);
}
