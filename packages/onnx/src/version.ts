/** This package's version, written as the ONNX `producer_version` (a test keeps it equal to package.json). */
export const VERSION = '0.0.0';
