// Debian's chromium for the browser tests (playwright-core drives it).
import { existsSync } from 'node:fs';
import { SOFTWARE_ADAPTER_DAWN_FLAGS } from '../../software-adapter.js';
import { missingRequirement } from './requirement.js';

/** Where Debian's chromium package puts the browser binary, and its /usr/bin wrapper. */
export const CHROMIUM_CANDIDATES: readonly string[] = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

/**
 * Chromium switches for WebGPU tests: WebGPU on (headless Chromium on Linux has it off), and the Dawn
 * flags the Node backend uses for software adapters (the adapter here is always SwiftShader, which
 * otherwise compiles each GEMM pipeline 6-17x slower).
 */
export const CHROMIUM_WEBGPU_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  ...SOFTWARE_ADAPTER_DAWN_FLAGS.map((f) => `--${f}`),
];

/** A browser for playwright-core, or why there is none. */
export interface TestChromium {
  /** The executable (`CHROMIUM_PATH` if set, else the first Debian path that exists), or null. */
  readonly path: string | null;
  /** Empty when the browser exists; else the skip reason (never under CI: it throws instead). */
  readonly skip: string;
}

/**
 * Chromium for the browser tests of `what`: `CHROMIUM_PATH` when set (it must exist), else Debian's
 * /usr/lib/chromium/chromium or /usr/bin/chromium. Missing: see {@link missingRequirement}.
 */
export function testChromium(what: string): TestChromium {
  const asked = process.env.CHROMIUM_PATH;
  const candidates = asked ? [asked] : CHROMIUM_CANDIDATES;
  const path = candidates.find((p) => existsSync(p)) ?? null;
  if (path) return { path, skip: '' };
  const reason = asked
    ? `CHROMIUM_PATH=${asked} does not exist`
    : `no chromium at ${CHROMIUM_CANDIDATES.join(' or ')}`;
  return { path: null, skip: missingRequirement(what, reason, 'apt-get install chromium') };
}
