export {
  type AuditLayer,
  type AuditModel,
  type AuditRow,
  type VarianceAuditOptions,
  type VarianceAuditResult,
  varianceAudit,
} from './audit';
export { formatVarianceAudit } from './audit-format';
export { type AuditVerdict, auditVerdict } from './audit-verdict';
export {
  constant,
  constant_,
  type NormalOptions,
  normal,
  normal_,
  ones,
  ones_,
  type UniformOptions,
  uniform,
  uniform_,
  zeros,
  zeros_,
} from './basic';
export { calculateCorrectFan, calculateFans, type FanMode, type Fans } from './fans';
export { calculateGain, LEAKY_RELU_DEFAULT_SLOPE, type Nonlinearity, PRELU_INIT } from './gain';
export {
  type KaimingOptions,
  kaimingNormal,
  kaimingNormal_,
  kaimingStd,
  kaimingUniform,
  kaimingUniform_,
} from './kaiming';
export type { SampleOptions } from './sample';
export {
  type XavierOptions,
  xavierNormal,
  xavierNormal_,
  xavierStd,
  xavierUniform,
  xavierUniform_,
} from './xavier';
