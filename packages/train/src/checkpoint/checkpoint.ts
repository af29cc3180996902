import type { Tensor } from '@rectifier/tensor';
import { nodeFs, nodePath } from '#train-fs';
import { writeFileAtomic } from './atomic';
import { decodeSafetensors, encodeSafetensors } from './codec';
import { tensorsDigest } from './digest';

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
export const CHECKPOINT_VERSION = 1;

/** The JSON part of a checkpoint (stored in the safetensors `__metadata__` under "rectifier"). */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** SHA-256 over all tensors (see `tensorsDigest`); verified on load. */
  sha256: string;
  [key: string]: unknown;
}

/**
 * Serializes tensors (names as given, e.g. 'model.conv1.weight', 'optimizer.3.momentumBuffer')
 * and JSON metadata into one safetensors file image whose metadata carries a digest of the tensors.
 */
export async function encodeCheckpoint(
  tensors: Record<string, Tensor>,
  meta: Record<string, unknown>,
): Promise<Uint8Array> {
  const full: CheckpointMeta = {
    ...meta,
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    sha256: await tensorsDigest(tensors),
  };
  return encodeSafetensors(tensors, { rectifier: JSON.stringify(full) });
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
  const dispose = () => {
    for (const t of Object.values(parsed.tensors)) t.dispose();
  };
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(parsed.metadata?.rectifier ?? 'null') as CheckpointMeta;
  } catch {
    dispose();
    throw new CheckpointError(`checkpoint ${path} has unreadable metadata`, path);
  }
  if (meta === null || meta.format !== CHECKPOINT_FORMAT) {
    dispose();
    throw new CheckpointError(
      `${path} is a safetensors file but not a Rectifier training checkpoint (no "rectifier" metadata)`,
      path,
    );
  }
  if (meta.version > CHECKPOINT_VERSION) {
    dispose();
    throw new CheckpointError(
      `checkpoint ${path} has format version ${meta.version}; this version reads up to ${CHECKPOINT_VERSION}`,
      path,
    );
  }
  const digest = await tensorsDigest(parsed.tensors);
  if (digest !== meta.sha256) {
    dispose();
    throw new CheckpointError(
      `checkpoint ${path} is corrupt: its tensors' SHA-256 is ${digest.slice(0, 12)}…, the file says ${String(meta.sha256).slice(0, 12)}…`,
      path,
    );
  }
  return { tensors: parsed.tensors, meta };
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

  /** Writes a checkpoint atomically, prunes old ones, and returns its path. */
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

  /** Reads and verifies one checkpoint file. @throws CheckpointError */
  async load(path: string): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta; path: string }> {
    return { ...(await loadCheckpointFile(path)), path };
  }

  /**
   * The newest checkpoint that verifies. Corrupt or truncated ones are reported through `onSkip`
   * and the previous one is tried; null when none is usable.
   */
  async loadLatest(
    onSkip?: (path: string, error: CheckpointError) => void,
  ): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta; path: string } | null> {
    for (const e of await this.list()) {
      try {
        return await this.load(e.path);
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
        onSkip?.(e.path, err);
      }
    }
    return null;
  }
}

/** Reads and verifies a checkpoint file. @throws CheckpointError (missing, unreadable, corrupt). */
export async function loadCheckpointFile(
  path: string,
): Promise<{ tensors: Record<string, Tensor>; meta: CheckpointMeta }> {
  const fs = await nodeFs();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      code === 'ENOENT'
        ? `checkpoint ${path} does not exist`
        : `cannot read checkpoint ${path}: ${(e as Error).message}`,
      path,
    );
  }
  return decodeCheckpoint(bytes, path);
}
