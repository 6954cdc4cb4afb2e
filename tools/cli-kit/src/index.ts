export { type CliIo, isMain, runTool, stdio, UsageError } from './run-tool.js'
