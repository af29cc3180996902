import type { Tensor } from '@rectifier/tensor';
import { nodeFs, nodePath } from '#train-fs';
import { writeFileAtomic } from './atomic';
import { decodeSafetensors, encodeSafetensors } from './codec';
import { checkpointDigest, tensorsDigest } from './digest';

/** Thrown for unreadable, truncated, corrupt or foreign checkpoint files. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** Tag and version written into every checkpoint's metadata. */
export const CHECKPOINT_FORMAT = 'rectifier-checkpoint';
/**
 * 2: the digest (safetensors metadata key `rectifier_sha256`) covers the tensors and the metadata
 * text. 1: the digest (`sha256` inside the metadata) covered the tensors only; still readable, its
 * metadata is validated but not verified.
 */
export const CHECKPOINT_VERSION = 2;
/** The safetensors `__metadata__` key holding the digest of a version-2 checkpoint. */
export const CHECKPOINT_DIGEST_KEY = 'rectifier_sha256';

/** The JSON part of a checkpoint (stored in the safetensors `__metadata__` under "rectifier"). */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /**
   * SHA-256, verified on load: over the tensors and the metadata text (version 2, see
   * `checkpointDigest`), over the tensors only (version 1, see `tensorsDigest`).
   */
  sha256: string;
  [key: string]: unknown;
}

/**
 * Checks a checkpoint's metadata before anything acts on it (`CheckpointManager.loadLatest` skips
 * a checkpoint whose check throws, like a corrupt one). Throw an Error naming the field.
 */
export type CheckpointCheck = (meta: CheckpointMeta, tensors: Record<string, Tensor>) => void;

/**
 * Serializes tensors (names as given, e.g. 'model.conv1.weight', 'optimizer.3.momentumBuffer')
 * and JSON metadata into one safetensors file image whose metadata carries a digest of the tensors.
 */
export async function encodeCheckpoint(
  tensors: Record<string, Tensor>,
  meta: Record<string, unknown>,
): Promise<Uint8Array> {
  const { sha256: _ignored, ...rest } = meta;
  const json = JSON.stringify({ ...rest, format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION });
  return encodeSafetensors(tensors, {
    rectifier: json,
    [CHECKPOINT_DIGEST_KEY]: await checkpointDigest(tensors, json),
  });
}

/**
 * Parses and verifies a checkpoint file image: safetensors structure (a truncated file fails
 * here), the format tag, and the tensors' digest (a corrupted byte fails here).
 * @throws CheckpointError naming `path` and the problem.
 */
export async function decodeCheckpoint(
  bytes: Uint8Array,
  path: string,
): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta }> {
  let parsed: { tensors: Record<string, Tensor>; metadata: Record<string, string> };
  try {
    parsed = decodeSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(
      `checkpoint ${path} is corrupt or truncated (${bytes.length} bytes): ${(e as Error).message}`,
      path,
    );
  }
  try {
    return { tensors: parsed.tensors, meta: await verify(parsed, path) };
  } catch (e) {
    for (const t of Object.values(parsed.tensors)) t.dispose();
    throw e;
  }
}

/** The format tag, the version and the digest of a parsed checkpoint; its metadata if they hold. */
async function verify(
  parsed: { tensors: Record<string, Tensor>; metadata: Record<string, string> },
  path: string,
): Promise<CheckpointMeta> {
  const text = parsed.metadata?.rectifier;
  if (typeof text !== 'string')
    throw new CheckpointError(
      `${path} is a safetensors file but not a Rectifier training checkpoint (no "rectifier" metadata)`,
      path,
    );
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(text) as CheckpointMeta;
  } catch {
    throw new CheckpointError(`checkpoint ${path} is corrupt: its metadata is not JSON`, path);
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || meta.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(
      `${path} is a safetensors file but not a Rectifier training checkpoint (no "rectifier" metadata)`,
      path,
    );
  const version = meta.version;
  if (typeof version === 'number' && Number.isInteger(version) && version > CHECKPOINT_VERSION)
    throw new CheckpointError(
      `checkpoint ${path} has format version ${version}; this version reads up to ${CHECKPOINT_VERSION}`,
      path,
    );
  let digest: string;
  let stored: unknown;
  if (version === 2) {
    stored = parsed.metadata[CHECKPOINT_DIGEST_KEY];
    digest = await checkpointDigest(parsed.tensors, text);
  } else if (version === 1) {
    stored = meta.sha256;
    digest = await tensorsDigest(parsed.tensors);
  } else {
    throw new CheckpointError(
      `checkpoint ${path} is corrupt: format version ${JSON.stringify(version)} is not 1 or 2`,
      path,
    );
  }
  if (digest !== stored)
    throw new CheckpointError(
      `checkpoint ${path} is corrupt: its SHA-256 is ${digest.slice(0, 12)}…, the file says ${String(stored).slice(0, 12)}…`,
      path,
    );
  meta.sha256 = digest;
  return meta;
}

/** A checkpoint file found on disk. */
export interface CheckpointEntry {
  path: string;
  step: number;
  epoch: number;
}

const NAME = /^epoch-(\d+)-step-(\d+)\.ckpt\.safetensors$/;

/**
 * A directory of checkpoints named `epoch-EEEE-step-SSSSSSSS.ckpt.safetensors`, written atomically
 * and pruned to the newest `keepLast`.
 *
 * @example
 * ```ts
 * const m = new CheckpointManager('runs/a/checkpoints', 3);
 * await m.save(tensors, meta, { epoch: 2, step: 1000 });
 * const latest = await m.loadLatest((path, err) => console.warn(err.message));
 * ```
 */
export class CheckpointManager {
  constructor(
    readonly dir: string,
    readonly keepLast = 3,
  ) {
    if (!(Number.isInteger(keepLast) && keepLast >= 1))
      throw new Error(`CheckpointManager: keepLast must be an integer >= 1, got ${keepLast}`);
  }

  /**
   * Writes a checkpoint atomically, prunes old ones, and returns its path. The name is
   * `epoch-EEEE-step-SSSSSSSS.ckpt.safetensors`; the Trainer passes the epoch as its progress shows it
   * (1-based inside an epoch, the count of completed epochs at an epoch boundary).
   */
  async save(
    tensors: Record<string, Tensor>,
    meta: Record<string, unknown>,
    at: { epoch: number; step: number },
  ): Promise<string> {
    const { join } = await nodePath();
    const name = `epoch-${String(at.epoch).padStart(4, '0')}-step-${String(at.step).padStart(8, '0')}.ckpt.safetensors`;
    const path = join(this.dir, name);
    await writeFileAtomic(path, await encodeCheckpoint(tensors, meta));
    await this.prune();
    return path;
  }

  /** Checkpoints in the directory, newest (highest step) first. */
  async list(): Promise<CheckpointEntry[]> {
    const fs = await nodeFs();
    const { join } = await nodePath();
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: CheckpointEntry[] = [];
    for (const n of names) {
      const m = NAME.exec(n);
      if (m) out.push({ path: join(this.dir, n), epoch: Number(m[1]), step: Number(m[2]) });
    }
    return out.sort((a, b) => b.step - a.step || b.epoch - a.epoch);
  }

  private async prune(): Promise<void> {
    const fs = await nodeFs();
    const { join } = await nodePath();
    const all = await this.list();
    for (const e of all.slice(this.keepLast)) await fs.rm(e.path, { force: true });
    // temporary files of writes interrupted by a crash (never renamed into place)
    for (const n of await fs.readdir(this.dir)) {
      if (n.startsWith('.') && n.includes('.ckpt.safetensors.tmp-') && !n.includes(`.tmp-${process.pid}-`))
        await fs.rm(join(this.dir, n), { force: true });
    }
  }

  /**
   * Reads and verifies one checkpoint file, then runs `check` on it.
   * @throws CheckpointError (missing, unreadable, corrupt, or refused by `check`)
   */
  async load(
    path: string,
    check?: CheckpointCheck,
  ): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta; path: string }> {
    return { ...(await loadCheckpointFile(path, check)), path };
  }

  /**
   * The newest checkpoint that verifies and passes `check`. Corrupt, truncated or invalid ones are
   * reported through `onSkip` and the previous one is tried; null when none is usable.
   */
  async loadLatest(
    onSkip?: (path: string, error: CheckpointError) => void,
    check?: CheckpointCheck,
  ): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta; path: string } | null> {
    for (const e of await this.list()) {
      try {
        return await this.load(e.path, check);
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
        onSkip?.(e.path, err);
      }
    }
    return null;
  }
}

/**
 * Reads and verifies a checkpoint file, then runs `check` on it (its error becomes a
 * CheckpointError naming the file). Only regular files are read (not a FIFO or a device).
 * @throws CheckpointError (missing, unreadable, corrupt, refused by `check`).
 */
export async function loadCheckpointFile(
  path: string,
  check?: CheckpointCheck,
): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta }> {
  const fs = await nodeFs();
  let bytes: Uint8Array;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) throw new CheckpointError(`checkpoint ${path} is not a regular file`, path);
    bytes = new Uint8Array(await fs.readFile(path));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      code === 'ENOENT'
        ? `checkpoint ${path} does not exist`
        : `cannot read checkpoint ${path}: ${(e as Error).message}`,
      path,
    );
  }
  const loaded = await decodeCheckpoint(bytes, path);
  if (check) {
    try {
      check(loaded.meta, loaded.tensors);
    } catch (e) {
      for (const t of Object.values(loaded.tensors)) t.dispose();
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`checkpoint ${path} is invalid: ${(e as Error).message}`, path);
    }
  }
  return loaded;
}
