// Entry of the WASM kernel module. Every exported kernel takes (tid, nt) last: the host calls it once
// per thread with the same arguments, and the kernel works on its own share. The module owns no
// static data and allocates nothing: all buffers live in the host-managed arena of the imported
// shared memory, so any number of instances (one per worker) can run on the same memory.

export {
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
  conv2dScratchBytes,
  transposeSum,
} from './conv';
export { elementwise } from './elementwise';
export { GEMM_SCRATCH_BYTES, gemmBatched } from './gemm';
export { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool';
export { rowSums } from './reduce';
