// Client surface of @tessera/protocol: like the main entry but generated
// without server-only messages; its SCHEMA_HASH is the same value.

export * from './generated/client/index.js'
export * from './runtime/index.js'
