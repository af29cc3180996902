import { nodeFs, nodePath } from '#train-fs';

/**
 * Writes `data` to `path` so that a crash at any moment leaves either the old file or the complete
 * new one, never a partial file: write a temporary file in the same directory, fsync it, rename it
 * over `path` (atomic on POSIX within one file system), then fsync the directory so the rename
 * itself survives a power loss.
 *
 * @example await writeFileAtomic('runs/a/ckpt.safetensors', bytes)
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = await nodeFs();
  const { dirname, basename, join } = await nodePath();
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

/** fsync a directory (persists renames and unlinks). A no-op where the OS refuses (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  const fs = await nodeFs();
  let dh: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    dh = await fs.open(dir, 'r');
    await dh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    await dh?.close();
  }
}

/**
 * Appends one line of JSON to a JSON-lines file (the metrics log). Not atomic; a torn last line
 * after a crash is skipped by `readJsonl`.
 */
export async function appendJsonl(path: string, record: unknown): Promise<void> {
  const fs = await nodeFs();
  const line = `${JSON.stringify(record)}\n`;
  try {
    await fs.appendFile(path, line);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // the directory was removed under a running job: recreate it rather than lose the run
    await fs.mkdir((await nodePath()).dirname(path), { recursive: true });
    await fs.appendFile(path, line);
  }
}

/** Reads a JSON-lines file, skipping a torn (unparseable) final line. Missing file: []. */
export async function readJsonl<T = Record<string, unknown>>(path: string): Promise<T[]> {
  const fs = await nodeFs();
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const out: T[] = [];
  lines.forEach((l, i) => {
    try {
      out.push(JSON.parse(l) as T);
    } catch (e) {
      if (i !== lines.length - 1)
        throw new Error(`readJsonl: line ${i + 1} of ${path} is not JSON: ${(e as Error).message}`);
    }
  });
  return out;
}
