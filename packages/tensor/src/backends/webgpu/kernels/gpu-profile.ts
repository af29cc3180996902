/**
 * What the GEMM planner needs to know about the GPU: how many compute units (NVIDIA SMs, AMD CUs,
 * Apple GPU cores, Intel Xe-cores) it has and what one unit holds (threads, 32-bit registers, shared
 * memory), so that it can count how many workgroups run at once (one "wave") and plan whole waves.
 * WebGPU exposes none of this: it is looked up from the adapter's vendor / architecture / description
 * (`GPUAdapterInfo`; browsers often leave the description empty, Dawn in Node fills it in), with
 * `tuning.computeUnits` as an override and a conservative default for adapters not in the table.
 *
 * Sources of the table: NVIDIA's architecture whitepapers and the CUDA C++ Programming Guide's
 * "Technical Specifications per Compute Capability" (SMs per product; 64K registers per SM; 2048
 * threads and 228 KB shared memory per SM on 8.0/9.0, 1536 threads and 100 KB on 8.6/8.9, 1024 and
 * 64 KB on 7.5); AMD's CDNA/RDNA instruction-set and product pages (CUs per product, 64 KB LDS per CU,
 * 512 VGPRs x 64 lanes x 4 SIMDs per CDNA CU); Apple's product pages (GPU cores per chip) and Metal
 * feature-set tables (32 KB threadgroup memory); Intel's Arc / Xe product pages (Xe-cores per part).
 * Residency is a model (see {@link residentGroups}), not a measurement.
 */

import { SOFTWARE_ADAPTER_NAMES } from '../../../software-adapter.js';

/** One compute unit's resources and how many units the GPU has. */
export interface GpuProfile {
  /** 'nvidia-hopper (H100 SXM)', 'software', 'unknown', ... (shown in planner tables) */
  readonly name: string;
  /** SMs / CUs / cores / Xe-cores */
  readonly computeUnits: number;
  /** most threads resident on one unit */
  readonly threadsPerUnit: number;
  /** 32-bit registers per unit */
  readonly registersPerUnit: number;
  /** bytes of shared (workgroup) memory per unit */
  readonly sharedBytesPerUnit: number;
  /** a software rasteriser (SwiftShader, llvmpipe, WARP): few cores, no wave planning */
  readonly software: boolean;
}

type Unit = Omit<GpuProfile, 'name' | 'computeUnits' | 'software'>;
const NV_DC: Unit = { threadsPerUnit: 2048, registersPerUnit: 65536, sharedBytesPerUnit: 228 * 1024 };
const NV_GA10X: Unit = { threadsPerUnit: 1536, registersPerUnit: 65536, sharedBytesPerUnit: 100 * 1024 };
const NV_TURING: Unit = { threadsPerUnit: 1024, registersPerUnit: 65536, sharedBytesPerUnit: 64 * 1024 };
const AMD_CDNA: Unit = { threadsPerUnit: 2560, registersPerUnit: 131072, sharedBytesPerUnit: 64 * 1024 };
const AMD_RDNA: Unit = { threadsPerUnit: 2048, registersPerUnit: 98304, sharedBytesPerUnit: 64 * 1024 };
const APPLE: Unit = { threadsPerUnit: 1024, registersPerUnit: 32768, sharedBytesPerUnit: 32 * 1024 };
const INTEL: Unit = { threadsPerUnit: 1024, registersPerUnit: 65536, sharedBytesPerUnit: 64 * 1024 };

interface Family {
  readonly vendor: RegExp;
  readonly arch: RegExp;
  readonly unit: Unit;
  /** units when the description names no known product */
  readonly units: number;
  /** products recognised in the description: [pattern, units], first match wins */
  readonly products: readonly (readonly [RegExp, number])[];
}

// Family defaults are the largest common part of the family (an over-estimate only costs a little
// extra split-K traffic; an under-estimate leaves units idle).
const FAMILIES: readonly Family[] = [
  {
    vendor: /nvidia/i,
    arch: /hopper/i,
    unit: NV_DC,
    units: 132,
    products: [
      [/h100.*pcie/i, 114],
      [/h100|h200|gh200|h800/i, 132],
    ],
  },
  { vendor: /nvidia/i, arch: /blackwell/i, unit: NV_DC, units: 148, products: [[/rtx\s*50[89]0/i, 170]] },
  {
    vendor: /nvidia/i,
    arch: /ampere/i,
    unit: NV_DC,
    units: 108,
    products: [
      [/a100|a800/i, 108],
      [/a30\b/i, 56],
      [/3090 ti/i, 84],
      [/3090|a40\b|a6000/i, 82],
      [/a10\b/i, 72],
      [/3080 ti/i, 80],
      [/3080/i, 68],
      [/3070/i, 46],
      [/3060/i, 28],
    ],
  },
  {
    vendor: /nvidia/i,
    arch: /ada|lovelace/i,
    unit: NV_GA10X,
    units: 128,
    products: [
      [/l40|6000 ada/i, 142],
      [/4090/i, 128],
      [/4080/i, 76],
      [/4070 ti/i, 60],
      [/4070/i, 46],
      [/\bl4\b/i, 58],
      [/4060/i, 24],
    ],
  },
  {
    vendor: /nvidia/i,
    arch: /turing/i,
    unit: NV_TURING,
    units: 68,
    products: [
      [/2080 ti/i, 68],
      [/\bt4\b/i, 40],
    ],
  },
  {
    vendor: /\bamd\b|\bati\b/i,
    arch: /cdna|gfx9/i,
    unit: AMD_CDNA,
    units: 304,
    products: [
      [/mi300x/i, 304],
      [/mi300a/i, 228],
      [/mi250/i, 110],
      [/mi210/i, 104],
      [/mi100/i, 120],
    ],
  },
  {
    vendor: /\bamd\b|\bati\b/i,
    arch: /rdna|gfx1[0-2]/i,
    unit: AMD_RDNA,
    units: 96,
    products: [
      [/7900 xtx/i, 96],
      [/7900 xt/i, 84],
      [/7800/i, 60],
      [/6900|6950/i, 80],
      [/6800 xt/i, 72],
      [/7600|6600/i, 32],
    ],
  },
  {
    vendor: /apple/i,
    arch: /./,
    unit: APPLE,
    units: 10,
    products: [
      [/ultra/i, 64],
      [/max/i, 32],
      [/pro/i, 16],
    ],
  },
  {
    vendor: /intel/i,
    arch: /./,
    unit: INTEL,
    units: 12,
    products: [
      [/a770/i, 32],
      [/a750/i, 28],
      [/b580/i, 20],
      [/a380/i, 8],
    ],
  },
];

/** Units assumed for an adapter not in the table: a mid-range GPU (and 1 for software adapters). */
export const UNKNOWN_UNITS = 32;
const UNKNOWN_UNIT: Unit = { threadsPerUnit: 1024, registersPerUnit: 65536, sharedBytesPerUnit: 48 * 1024 };

/** Adapter identity as WebGPU reports it (`GPUAdapterInfo`; any field may be empty). */
export interface AdapterIdentity {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

/**
 * The profile of an adapter, from its `GPUAdapterInfo` fields or from the backend's joined
 * `adapterInfo` string ('nvidia / hopper / ... / NVIDIA H100 80GB HBM3'). `computeUnits` overrides the
 * looked-up unit count (tuning, or GPUs missing from the table).
 */
export function gpuProfile(info: AdapterIdentity | string, computeUnits?: number): GpuProfile {
  const id: AdapterIdentity = typeof info === 'string' ? splitInfo(info) : info;
  const all = [id.vendor, id.architecture, id.device, id.description].filter(Boolean).join(' / ');
  if (computeUnits !== undefined && (!Number.isInteger(computeUnits) || computeUnits < 1))
    throw new RangeError(`webgpu tuning.computeUnits must be a positive integer, got ${computeUnits}`);
  if (SOFTWARE_ADAPTER_NAMES.test(all)) {
    // an explicit unit count plans whole waves even here (dry runs of a GPU's plans)
    if (computeUnits !== undefined)
      return {
        name: `software, planned as ${computeUnits} units`,
        computeUnits,
        ...UNKNOWN_UNIT,
        software: false,
      };
    return { name: 'software', computeUnits: 1, ...UNKNOWN_UNIT, software: true };
  }
  const desc = [id.architecture, id.device, id.description].filter(Boolean).join(' ');
  // the architecture names the family; without one (or an unknown one) a product name may
  const fam =
    FAMILIES.find((f) => f.vendor.test(id.vendor ?? '') && f.arch.test(id.architecture ?? '')) ??
    FAMILIES.find((f) => f.vendor.test(all) && f.products.some(([re]) => re.test(desc)));
  if (!fam) {
    return {
      name: `unknown (${all || 'no adapter info'})`,
      computeUnits: computeUnits ?? UNKNOWN_UNITS,
      ...UNKNOWN_UNIT,
      software: false,
    };
  }
  const product = fam.products.find(([re]) => re.test(desc));
  const name = product ? all : [id.vendor, id.architecture].filter(Boolean).join(' / ');
  return { name, computeUnits: computeUnits ?? product?.[1] ?? fam.units, ...fam.unit, software: false };
}

function splitInfo(s: string): AdapterIdentity {
  const [vendor, architecture, ...rest] = s.split(' / ');
  return { vendor, architecture, description: rest.join(' ') };
}
