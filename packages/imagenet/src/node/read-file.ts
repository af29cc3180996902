/**
 * Reading one image file of a dataset, bounded: only regular files are read (a `.JPEG` that is a
 * link to /dev/zero, a FIFO or a socket is reported, never read or waited on), at most
 * `maxFileBytes` of them. Symbolic links are followed, as torchvision's loaders follow them; what
 * they point to must be a regular file. Errors are {@link BadImageError}s, so loaders skip the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { BadImageError } from './decode.js';

/** Default largest image file read: 64 MiB (photographs, ILSVRC2012's included, are far smaller). */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

// O_NONBLOCK: opening a FIFO must not wait for a writer (it then fails the regular-file check).
// Regular files ignore the flag. Windows has no O_NONBLOCK (and no FIFOs in the file system).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Validates a `maxFileBytes` option; `where` names the API for the message. */
export function checkMaxFileBytes(value: number | undefined, where: string): number {
  if (value === undefined) return DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${where}: maxFileBytes must be a positive integer (bytes), got ${String(value)}`);
  return value;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Throws unless `st` is a regular file of at most `maxBytes`; returns its size. */
function checkStats(path: string, st: Stats, maxBytes: number): number {
  if (!st.isFile()) throw new BadImageError(path, `not a regular file (${kindOf(st)}); only files are read`);
  if (st.size > maxBytes)
    throw new BadImageError(
      path,
      `${st.size} bytes, over the ${maxBytes}-byte limit for one image file (option maxFileBytes)`,
    );
  return st.size;
}

function unreadable(path: string, e: unknown): BadImageError {
  const err = e as NodeJS.ErrnoException;
  return new BadImageError(path, `unreadable (${err.code ?? err.message})`);
}

/**
 * The bytes of a regular file of at most `maxBytes` (default {@link DEFAULT_MAX_FILE_BYTES}).
 * A file that grows while read is cut at the size it had when opened.
 * @example const bytes = await readImageFile('n01440764/a.JPEG');
 */
export async function readImageFile(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    const size = checkStats(path, await fh.stat(), maxBytes);
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(out, at, size - at, at);
      if (bytesRead === 0) break; // truncated meanwhile: the decoder reports what is left
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } catch (e) {
    throw e instanceof BadImageError ? e : unreadable(path, e);
  } finally {
    await fh.close();
  }
}

/** {@link readImageFile} with blocking calls (for loader worker threads). */
export function readImageFileSync(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    const size = checkStats(path, fstatSync(fd), maxBytes);
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  } catch (e) {
    throw e instanceof BadImageError ? e : unreadable(path, e);
  } finally {
    closeSync(fd);
  }
}
