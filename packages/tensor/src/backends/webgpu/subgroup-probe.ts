/// <reference types="@webgpu/types" />
/**
 * Whether the device can run the subgroup reductions: the `subgroups` feature plus the
 * `subgroup_id` / `num_subgroups` built-ins (newer than the feature itself; browsers and Dawn builds
 * from before 2025 lack them). Probed by compiling a small module, since support is not otherwise
 * discoverable from every implementation.
 */

const PROBE = /* wgsl */ `
enable subgroups;
@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(subgroup_id) sg: u32, @builtin(num_subgroups) ns: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let t = subgroupAdd(f32(sg + ns));
  if (sid == 0u) { o[sg] = t; }
}`;

export async function probeSubgroupReductions(device: GPUDevice): Promise<boolean> {
  if (!device.features.has('subgroups')) return false;
  device.pushErrorScope('validation');
  let ok = true;
  try {
    const module = device.createShaderModule({ code: PROBE, label: 'subgroup probe' });
    const info = await module.getCompilationInfo();
    ok = !info.messages.some((m) => m.type === 'error');
    if (ok)
      await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  } catch {
    ok = false;
  }
  const err = await device.popErrorScope();
  return ok && !err;
}
