/**
 * Node-only test helpers: what a test needs from the machine (a browser, a WebGPU adapter, a tool)
 * and one rule for when it is missing. With `CI` set (as `.ci/run` sets it) a missing requirement
 * throws, so the run fails instead of passing with fewer tests; elsewhere the reason is printed and
 * returned, and the suite skips with it (`describe.skipIf(skip)`).
 * Import from `@rectifier/tensor/testing/node`.
 *
 * @example
 * const chromium = testChromium('WASM backend in chromium');
 * describe.skipIf(chromium.skip)('WASM backend in chromium', () => { ... chromium.path ... });
 */
export { SWIFTSHADER_ICD, type TestGpu, testWebGPU } from '../../backends/webgpu/gpu-env.js';
export { CHROMIUM_CANDIDATES, CHROMIUM_WEBGPU_ARGS, type TestChromium, testChromium } from './chromium.js';
export { isCI, missingRequirement } from './requirement.js';
