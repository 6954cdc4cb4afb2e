export { findUp } from './find-up.js'
export { type CliIo, isMain, runTool, stdio, UsageError } from './run-tool.js'
