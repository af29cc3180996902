/**
 * @rectifier/tensor-native-linux-x64-gnu: the compiled Node-API addon of `@rectifier/tensor-native`
 * for Linux x64 with glibc. Users never import this package: `@rectifier/tensor-native` installs it as
 * an optional dependency (npm picks the one matching `os`, `cpu` and `libc`) and loads the binary.
 *
 * @example
 * import { binaryPath } from '@rectifier/tensor-native-linux-x64-gnu';
 * console.log(binaryPath); // .../tensor-native-linux-x64-gnu/tensor-native.node
 */
import { fileURLToPath } from 'node:url';

/** The platform this package's binary is built for, as `@rectifier/tensor-native` names it. */
export const target = 'linux-x64-gnu';

/** Absolute path of the addon (absent when `npm run build` found no toolchain; see the README). */
export const binaryPath: string = fileURLToPath(new URL('../tensor-native.node', import.meta.url));
