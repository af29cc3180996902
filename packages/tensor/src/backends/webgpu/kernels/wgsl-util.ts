/** WGSL snippets shared by several kernels. */

/** NaN test on the bit pattern: compilers may fold `x != x` under finite-math assumptions. */
export const WGSL_ISNAN = /* wgsl */ `
fn isNaN32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nanValue() -> f32 { return bitcast<f32>(0x7fc00000u | rtZero()); }`;

/**
 * +-infinity and NaN. WGSL has no such literals and rejects non-finite const-expressions, so the bit
 * patterns are combined with a runtime zero (`rtZero`, from the params block).
 */
export const WGSL_INF = /* wgsl */ `
fn posInf() -> f32 { return bitcast<f32>(0x7f800000u | rtZero()); }
fn negInf() -> f32 { return bitcast<f32>(0xff800000u | rtZero()); }`;
