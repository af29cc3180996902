/**
 * @rectifier/imagenet: browser-safe core. Class tables, the paper's augmentation geometry and pixel
 * arithmetic, the deployment preprocessing (`Preprocessing`, `preprocessRGB`), multi-view test helpers, seeded shuffling/sharding, IDX and ground-truth parsing.
 * Nothing here imports Node modules or `@rectifier/tensor`.
 * - `@rectifier/imagenet/node`: datasets on disk, sharp decoding, worker loaders, packing, generator.
 * - `@rectifier/imagenet/browser`: decoding with createImageBitmap / ImageDecoder.
 * - `@rectifier/imagenet/batch`: NCHW float32 / int32 label tensors from loader batches.
 */
export { type ClassInfo, ClassTable, imagenetClasses, isWnid } from './classes.js';
export { bilinearInto } from './fused.js';
export {
  type CropBox,
  planCenterView,
  planMultiScaleViews,
  planTenViews,
  planTrainView,
  resizeShorter,
  type TrainGeometry,
  type ViewPlan,
} from './geometry.js';
export {
  parseDevkitGroundTruth,
  parseIdMapping,
  parseLocValSolution,
  type ValLabel,
  valFileName,
} from './ground-truth.js';
export {
  checkIdxPair,
  decodeIdx,
  type IdxArray,
  type IdxType,
  idxImagesToFloat32,
  isGzip,
  parseIdx,
} from './idx.js';
export { IMAGENET_NAMES, IMAGENET_WNIDS } from './imagenet-classes.generated.js';
export {
  hwcToChw,
  IMAGENET_EIGVAL,
  IMAGENET_EIGVEC,
  IMAGENET_MEAN,
  IMAGENET_MEAN_255,
  IMAGENET_STD,
  lightingOffset,
  type MeanImage,
  type Normalization,
  PAPER_NORMALIZATION,
  TORCHVISION_NORMALIZATION,
} from './pixels.js';
export {
  evalPreprocessing,
  greyRGB,
  type Interpolation,
  MAX_PREPROCESS_SIDE,
  PREPROCESSING_METADATA_KEY,
  type Preprocessing,
  preprocessingChannels,
  preprocessRGB,
  validatePreprocessing,
} from './preprocess.js';
export {
  cropRGB,
  type ResampleFilter,
  type RGBImage,
  resampleNearestRGB,
  resampleRGB,
} from './resample.js';
export { combineKeys, hash32, SampleRandom } from './rng.js';
export { type AverageOptions, averageScores, averageViewScores, topk, topkError } from './scores.js';
export { type EpochOrderOptions, epochOrder, permutation } from './shuffle.js';
export { type ImageFormat, imageSize, sniffFormat } from './sniff.js';
export {
  applyTransform,
  type CenterTransform,
  multiScaleInputs,
  planSample,
  type ResolvedTransform,
  renderView,
  renderViewInto,
  resolveTransform,
  type ScaleInput,
  type TenCropTransform,
  type TrainTransform,
  type Transform,
  viewSize,
  viewsPerSample,
} from './transform.js';
