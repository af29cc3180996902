/**
 * Serving ONNX models over the Open Inference Protocol (KServe v2 REST), with dynamic batching,
 * Prometheus metrics and Triton model repositories.
 *
 * @module @rectifier/serve
 */
export * from '@rectifier/serve';
