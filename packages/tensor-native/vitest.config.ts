// Runs this package's tests and the tensor package's op and gradient suite (src/ops/*.test.ts there)
// on the native backend: test/register-backend.ts registers it with tensor's test-support, so every
// `describe.each(await backendsUnderTest())` runs on native (tensor's own run covers cpu).
//
// The files share one process (../../vitest.shared.ts), except test/unavailable.test.ts: it loads the
// addon from a path that does not exist, and the loader keeps its result for the process.
import { fileURLToPath } from 'node:url';
import { sharedProcessConfig } from '../../vitest.shared.ts';

export default sharedProcessConfig(import.meta.url, {
  // The parent folder, so that the include list can reach the tensor package's tests.
  dir: fileURLToPath(new URL('..', import.meta.url)),
  include: ['tensor-native/src/**/*.test.ts', 'tensor-native/test/**/*.test.ts', 'tensor/src/ops/*.test.ts'],
  setupFiles: ['./test/register-backend.ts'],
  ownProcess: ['tensor-native/test/unavailable.test.ts'],
});
