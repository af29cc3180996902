// Runs this package's tests and the tensor package's op and gradient suite (src/ops/*.test.ts there)
// on the native backend: test/register-backend.ts registers it with tensor's test-support, so every
// `describe.each(await backendsUnderTest())` runs on native (tensor's own run covers cpu).
//
// The files share one process (isolate: false, as in ../../vitest.shared.ts's sharedProcessConfig),
// except test/unavailable.test.ts: it loads the addon from a path that does not exist, and the
// loader keeps its result for the process.
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

const OWN_PROCESS = ['tensor-native/test/unavailable.test.ts'];
const test = {
  ...sharedConfig.test,
  // The parent folder, so that the include list can reach the tensor package's tests.
  dir: fileURLToPath(new URL('..', import.meta.url)),
  setupFiles: ['./test/register-backend.ts'],
};

export default defineConfig({
  resolve: sharedConfig.resolve,
  test: {
    projects: [
      {
        resolve: sharedConfig.resolve,
        test: {
          ...test,
          name: 'tensor-native',
          isolate: false,
          include: [
            'tensor-native/src/**/*.test.ts',
            'tensor-native/test/**/*.test.ts',
            'tensor/src/ops/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, ...OWN_PROCESS],
        },
      },
      {
        resolve: sharedConfig.resolve,
        test: { ...test, name: 'tensor-native (own process)', include: OWN_PROCESS },
      },
    ],
  },
});
