// Node's fs is loaded lazily so that importing @rectifier/train in a browser does not pull it in;
// only writing checkpoints and logs to disk needs it.
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
