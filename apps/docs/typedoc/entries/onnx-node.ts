/**
 * Writing ONNX files in Node.
 *
 * @module @rectifier/onnx/node
 */
export * from '@rectifier/onnx/node';
