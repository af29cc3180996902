// Vitest setup file: makes the tensor package's shared op suite (see vitest.config.ts) run on the
// native backend. Tolerances as for WASM: float32 accumulation in another order than the JS kernels.
import { registerBackendUnderTest } from '../../tensor/src/test-support/backends.js';
import { createNativeBackend } from '../src/backend.js';

registerBackendUnderTest(async () => ({
  name: 'native',
  backend: await createNativeBackend({ threads: 2 }),
  atol: 1e-5,
  rtol: 1e-4,
}));
