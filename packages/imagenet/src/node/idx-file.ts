/**
 * Reading IDX files (MNIST, Fashion-MNIST) from disk, gzipped or not.
 */
import { gunzipSync } from 'node:zlib';
import { checkIdxPair, type IdxArray, isGzip, parseIdx } from '../idx.js';
import { readImageFileSync } from './read-file.js';

/** Largest IDX file, compressed or not: 1 GiB (EMNIST ByClass images, the largest common one, are 547 MB). */
export const IDX_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * Reads and validates an IDX file (`.gz` detected by magic bytes, not by name).
 * @example readIdxFile('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz').shape // [60000]
 */
export function readIdxFile(path: string): IdxArray {
  // a regular file (not a FIFO or a device), of bounded size, also once decompressed
  let bytes: Uint8Array = readImageFileSync(path, IDX_MAX_BYTES);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: IDX_MAX_BYTES });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(`${path}: decompresses to more than ${IDX_MAX_BYTES} bytes (the IDX size limit)`);
      throw new Error(`${path}: gzip data is corrupt or truncated (${err.message})`);
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
