// Node's fs, loaded lazily on first use. Importers reach this file through the "#train-fs" entry of
// package.json's "imports" map, whose browser ("default") target is ./node-fs.browser.ts.
type FsPromises = typeof import('node:fs/promises');
type PathModule = typeof import('node:path');

let fsP: Promise<FsPromises> | undefined;
let pathP: Promise<PathModule> | undefined;

/** `node:fs/promises`, imported on first use. */
export function nodeFs(): Promise<FsPromises> {
  fsP ??= import('node:fs/promises');
  return fsP;
}

/** `node:path`, imported on first use. */
export function nodePath(): Promise<PathModule> {
  pathP ??= import('node:path');
  return pathP;
}
