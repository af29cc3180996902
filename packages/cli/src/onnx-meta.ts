import { evalPreprocessing, type Preprocessing } from '@rectifier/imagenet';
import type { Normalization } from './data/sources';

/**
 * Reads `metadata_props` (ModelProto field 14: StringStringEntryProto { key = 1, value = 2 }) from
 * ONNX bytes with a minimal protobuf walker, so `predict` can find the class names and the input
 * normalisation the exporter stored. Unknown fields are skipped by wire type.
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const dec = new TextDecoder();
  let p = 0;
  const varint = (): number => {
    let r = 0;
    let mul = 1;
    for (;;) {
      if (p >= bytes.length) throw new Error('truncated varint');
      const b = bytes[p++];
      r += (b & 0x7f) * mul;
      if (b < 0x80) return r;
      mul *= 128;
    }
  };
  const entry = (start: number, end: number) => {
    let key = '';
    let value = '';
    const save = p;
    p = start;
    while (p < end) {
      const tag = varint();
      const field = Math.floor(tag / 8);
      if ((tag & 7) !== 2) throw new Error('bad metadata entry');
      const len = varint();
      const s = dec.decode(bytes.subarray(p, p + len));
      p += len;
      if (field === 1) key = s;
      else if (field === 2) value = s;
    }
    p = save;
    out[key] = value;
  };
  while (p < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = varint();
      if (p + len > bytes.length) throw new Error('truncated field');
      if (field === 14) entry(p, p + len);
      p += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/**
 * The deployment preprocessing of a model trained by the CLI, as the eval command feeds it:
 * - ImageNet-layout folders (`kind: 'imagenet'`): torchvision's eval recipe scaled to the input,
 *   resize the shorter side to round(inputSize * 8 / 7), centre-crop inputSize, bilinear,
 *   torchvision mean/std (`evalPreprocessing`);
 * - in-memory sets (Fashion-MNIST, IDX; `kind: 'scaled'`): grey when the model takes one channel,
 *   the stored images' size scaled like the loaders do (nearest-neighbour repetition when enlarging,
 *   block averages when shrinking), `(x / 255 - mean) / std`.
 * `imageSize` is the stored images' side (28 for Fashion-MNIST, the default for `scaled` data).
 */
export function deployPreprocessing(
  normalization: Normalization,
  inChannels: number,
  inputSize: number,
  imageSize?: number,
): Preprocessing {
  const colorMode = inChannels === 1 ? 'grey' : 'rgb';
  if (normalization.kind === 'imagenet') return evalPreprocessing(inputSize, { colorMode });
  const native = imageSize ?? 28;
  return evalPreprocessing(inputSize, {
    colorMode,
    resize: inputSize,
    interpolation: inputSize > native ? 'nearest' : inputSize < native ? 'box' : 'bilinear',
    scale: 1 / 255,
    mean: Array(inChannels).fill(normalization.mean),
    std: Array(inChannels).fill(normalization.std),
  });
}
