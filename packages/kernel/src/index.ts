// Public surface of @tessera/kernel: one line per concern folder; other
// packages import only from here.
export * from './app/index.js'
export * from './codec/index.js'
export * from './component/index.js'
export * from './config/index.js'
export * from './edge/index.js'
export * from './errors/index.js'
export * from './id/index.js'
export * from './log/index.js'
export * from './memory/index.js'
export * from './net/index.js'
export * from './timer/index.js'
