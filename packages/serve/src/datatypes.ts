/**
 * The Open Inference Protocol's tensor datatypes, and how each maps to ONNX element types,
 * onnxruntime tensor types and JavaScript typed arrays. FP16 and BYTES have no typed-array form
 * here: a model with such an input is listed in its metadata but cannot be served.
 */

export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

export const DATATYPES: readonly Datatype[] = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
];

/** ONNX TensorProto.DataType numbers (onnx.proto). */
const ONNX_ELEM: Record<number, Datatype> = {
  1: 'FP32',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'BYTES',
  9: 'BOOL',
  10: 'FP16',
  11: 'FP64',
  12: 'UINT32',
  13: 'UINT64',
};

export function datatypeFromOnnx(elemType: number, name: string): Datatype {
  const d = ONNX_ELEM[elemType];
  if (!d) throw new Error(`graph value '${name}' has ONNX element type ${elemType}, which cannot be served`);
  return d;
}

/** onnxruntime's tensor type names, for the datatypes that have a typed-array form. */
export const ORT_TYPE = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
} as const;

export type NumericDatatype = keyof typeof ORT_TYPE;

export type NumericArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

type ArrayCtor = { new (n: number): NumericArray; new (b: ArrayBuffer, o: number, n: number): NumericArray };

/** Typed-array constructor per datatype (BOOL is one byte per element, 0 or 1, as onnxruntime takes it). */
export const ARRAY_OF: Record<NumericDatatype, ArrayCtor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP32: Float32Array,
  FP64: Float64Array,
} as unknown as Record<NumericDatatype, ArrayCtor>;

export function isNumeric(d: Datatype): d is NumericDatatype {
  return d in ORT_TYPE;
}

/** Bytes per element (the binary tensor extension's sizes). */
export function elementSize(d: NumericDatatype): number {
  return (ARRAY_OF[d] as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
}

/** Integer ranges for the integer datatypes (JSON numbers must be whole and inside them). */
export const INT_RANGE: Partial<Record<NumericDatatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
