// The one rule for a test requirement the machine does not meet (see index.ts). No Node imports:
// the WebGPU test environment (backends/webgpu/gpu-env.ts) uses it too.

/** Whether missing requirements fail the run: `CI` is set and not "false" or "0". */
export function isCI(): boolean {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/**
 * The one rule for a test requirement that is not met. Under CI: throws `<what>: <reason> (CI is
 * set, so this fails the run; <install>)`. Elsewhere: warns `<what> skipped: <reason>` and returns
 * that line, for `describe.skipIf` / `it.skipIf` / `ctx.skip`.
 */
export function missingRequirement(what: string, reason: string, install: string): string {
  if (isCI()) throw new Error(`${what}: ${reason} (CI is set, so this fails the run; ${install})`);
  const line = `${what} skipped: ${reason} (${install} to run it)`;
  console.warn(line);
  return line;
}
