/**
 * `@rectifier/nn/node`: Node.js-only helpers (file system), kept out of the main entry so browser
 * bundles never see `node:fs`.
 */
export { readSafetensorsFile, writeSafetensorsFile } from '../safetensors/file';
