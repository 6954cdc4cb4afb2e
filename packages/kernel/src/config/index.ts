export * from './errors.js'
export type { LoadConfigOptions, LoadedConfig, Tree } from './load-config.js'
export { deepFreeze, envTree, loadConfig, merge } from './load-config.js'
