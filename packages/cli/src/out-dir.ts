import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors';

// Pseudo file systems: writable-looking to root, but a run's files cannot live there, and Node's
// recursive mkdir loops forever under /proc. statfs(2) f_type magic numbers (linux/magic.h).
const PSEUDO_FS: Record<number, string> = {
  40864: 'proc',
  1650812274: 'sysfs',
  2613483: 'cgroup',
  1667723888: 'cgroup2',
  1684170528: 'debugfs',
  1935894131: 'securityfs',
  7377: 'devpts',
  3405662737: 'bpf',
  1953653091: 'tracefs',
};

/** The nearest existing path at or above `p`. */
function existingAncestor(p: string): string {
  let cur = p;
  for (;;) {
    try {
      statSync(cur);
      return cur;
    } catch {
      const up = dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}

/**
 * Checks an output directory and creates it (and its missing parents), one level at a time:
 * every existing component must be a directory, none on a pseudo file system (/proc, /sys...),
 * and the directory must be writable. Returns the absolute path.
 * @throws UsageError naming the flag and the problem (exit code 2).
 */
export function prepareOutDir(dir: string, flag = '--out'): string {
  const abs = resolve(dir);
  const base = existingAncestor(abs);
  if (!statSync(base).isDirectory())
    throw new UsageError(
      `${flag} ${dir}: ${base} is not a directory (choose a directory for the run's files)`,
    );
  let fsType: number | undefined;
  try {
    fsType = Number(statfsSync(base).type);
  } catch {
    fsType = undefined;
  }
  const pseudo = fsType === undefined ? undefined : PSEUDO_FS[fsType];
  if (pseudo)
    throw new UsageError(
      `${flag} ${dir} is on the ${pseudo} pseudo file system: choose a directory on a disk`,
    );
  const missing: string[] = [];
  for (let p = abs; p !== base; p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(p).isDirectory()) continue;
      throw new UsageError(`${flag} ${dir}: cannot create ${p} (${fsReason(code)})`);
    }
  }
  if (!statSync(abs).isDirectory()) throw new UsageError(`${flag} ${dir} is not a directory`);
  try {
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${flag} ${dir} is not writable (${fsReason((e as NodeJS.ErrnoException).code)})`);
  }
  return abs;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'resource busy',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'cross-device link',
};

/** A short human reason for an errno code ('no space left on device (ENOSPC)'). */
export function fsReason(code: string | undefined): string {
  return code ? `${REASONS[code] ?? 'error'} (${code})` : 'unknown error';
}

/** Whether `e` is a file-system error of the environment (full disk, permissions), not a bug. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException)?.code;
  return e instanceof Error && typeof code === 'string' && code in REASONS && 'syscall' in e;
}
