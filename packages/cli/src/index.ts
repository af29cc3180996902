/**
 * @rectifier/cli: the `rectifier` command (bin: dist/bin.js). Programmatic entry: `main(argv, io)`
 * resolves to the exit code.
 */

export { UsageError, UserError } from './errors';
export { type Io, processIo } from './io';
export { type Command, main } from './main';
export { readOnnxMetadata } from './onnx-meta';
export { type LineChartOptions, lineChartSvg, niceTicks, type Series } from './svg-chart';
