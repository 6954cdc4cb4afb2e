// Public surface of @tessera/protocol (server side): the generated message
// types, codecs, MsgId, registry and schema hash, plus the runtime they use.
// Browsers and mini games import `@tessera/protocol/client` instead, which
// leaves server-only messages out.

export { clusterWire } from './cluster-wire.js'
export * from './generated/index.js'
export * from './runtime/index.js'
