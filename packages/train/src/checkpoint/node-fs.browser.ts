// The browser build's stand-in for ./node-fs.ts, chosen by the "#train-fs" entry of package.json's
// "imports" map (condition "default"; Node takes "node"). Bundlers never see Node's fs, so the root
// entry of @rectifier/train bundles for the browser; only writing to disk is unavailable there.
type FsPromises = typeof import('node:fs/promises');
type PathModule = typeof import('node:path');

const NO_FS =
  '@rectifier/train: writing checkpoints and logs to disk needs Node.js; in a browser, train without outDir';

/** Always rejects: there is no file system in a browser. */
export function nodeFs(): Promise<FsPromises> {
  return Promise.reject(new Error(NO_FS));
}

/** Always rejects: there is no file system in a browser. */
export function nodePath(): Promise<PathModule> {
  return Promise.reject(new Error(NO_FS));
}
