/**
 * Test-environment helper: one WebGPU backend per process for test suites. In Node without a GPU it
 * points Dawn at SwiftShader (Debian's chromium package ships it) and gives Mesa/Vulkan a private
 * XDG_RUNTIME_DIR, unless the caller set those variables. When no adapter can be found the result
 * carries the reason, so suites can skip visibly; with `CI` set a missing adapter is an error (the
 * rule of every test requirement: testing/node/requirement.ts). Exported as
 * `@rectifier/tensor/testing/node`'s `testWebGPU`.
 */
import { missingRequirement } from '../../testing/node/requirement.js';
import { createWebGPUBackend, type WebGPUBackend } from './webgpu-backend.js';

/** Debian's chromium-common ships SwiftShader's Vulkan ICD here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface TestGpu {
  readonly backend: WebGPUBackend | null;
  /** Why there is no backend (empty when there is one). */
  readonly reason: string;
}

let cached: Promise<TestGpu> | null = null;

async function prepareNodeEnv(): Promise<void> {
  if (typeof process === 'undefined' || !process.versions?.node) return;
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!process.env.XDG_RUNTIME_DIR) {
    process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'rectifier-xdg-'));
    fs.chmodSync(process.env.XDG_RUNTIME_DIR, 0o700);
  }
}

async function create(): Promise<TestGpu> {
  await prepareNodeEnv();
  try {
    return { backend: await createWebGPUBackend(), reason: '' };
  } catch (e) {
    const reason = missingRequirement(
      'WebGPU tests',
      `no WebGPU adapter: ${(e as Error).message}`,
      'apt-get install chromium libvulkan1',
    );
    return { backend: null, reason };
  }
}

/** The process-wide test backend (created on first use). */
export function testWebGPU(): Promise<TestGpu> {
  if (!cached) cached = create();
  return cached;
}
