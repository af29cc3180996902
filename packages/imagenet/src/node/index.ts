/**
 * @rectifier/imagenet/node: everything that needs Node (fs, worker_threads, sharp).
 */

export {
  evalPreprocessing,
  PREPROCESSING_METADATA_KEY,
  type Preprocessing,
  preprocessingChannels,
  preprocessRGB,
  validatePreprocessing,
} from '../preprocess.js';
export { type CheckOptions, type CheckReport, type ClassCount, check } from './check.js';
export {
  type BadEntry,
  type FileDataset,
  IMAGE_EXTENSIONS,
  type ImageFolderOptions,
  type ImageNetOptions,
  type ImageNetValOptions,
  imageFolder,
  imagenetDataset,
  type Sample,
} from './dataset.js';
export { BadImageError, decodeImage, probe, renderViewsSharp, type SharpOptions } from './decode.js';
export { multiScaleInputsFromFile, tenCropFromFile } from './eval.js';
export {
  drawClassImage,
  type GeneratedDataset,
  type GenerateOptions,
  generateImageNetLike,
} from './generate.js';
export { readIdxFile, readIdxPair } from './idx-file.js';
export { type Batch, ImageLoader, type LoaderOptions, type LoaderState } from './loader.js';
export { type MatValue, readDevkitMeta, readMat } from './matlab.js';
export { computeMeanImage, type MeanImageOptions } from './mean.js';
export {
  openPacked,
  type PackedDataset,
  type PackedMeta,
  type PackedRecord,
  type PackOptions,
  pack,
  ShardReader,
} from './pack.js';
export { preprocessImage } from './preprocess.js';
export { processItems, type WorkContext, type WorkItem, type WorkResult } from './process.js';
