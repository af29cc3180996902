/**
 * ONNX export of @rectifier/nn models.
 *
 * @module @rectifier/onnx
 */
export * from '@rectifier/onnx';
