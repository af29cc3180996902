// Entry of the `@rectifier/tensor/wasm` subpath (tsup entry `wasm`; the test alias maps the subpath
// to src/wasm/index.ts). The implementation lives in backends/wasm.
export * from '../backends/wasm/index.js';
