/** Where a command writes: stdout for results and progress, stderr for warnings and errors. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/** The process's streams. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Writes one line to stdout. */
export function out(io: Io, line = ''): void {
  io.stdout.write(`${line}\n`);
}
