/**
 * Reading IDX files (MNIST, Fashion-MNIST) from disk, gzipped or not.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { checkIdxPair, type IdxArray, isGzip, parseIdx } from '../idx.js';

/**
 * Reads and validates an IDX file (`.gz` detected by magic bytes, not by name).
 * @example readIdxFile('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz').shape // [60000]
 */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array = readFileSync(path);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${path}: gzip data is corrupt or truncated (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

/**
 * Reads an images/labels IDX pair (e.g. MNIST train) and checks they match: images [N, H, W] uint8
 * and labels [N] in [0, numClasses).
 * @example const { images, labels, n } = readIdxPair(dir + '/train-images-idx3-ubyte.gz', dir + '/train-labels-idx1-ubyte.gz');
 */
export function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  numClasses = 10,
): { images: IdxArray; labels: IdxArray; n: number } {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  const n = checkIdxPair(images, labels, `${imagesPath} + ${labelsPath}`);
  for (let i = 0; i < n; i++) {
    const l = labels.data[i];
    if (!Number.isInteger(l) || l < 0 || l >= numClasses)
      throw new Error(`${labelsPath}: label ${l} at index ${i} outside [0, ${numClasses})`);
  }
  return { images, labels, n };
}
