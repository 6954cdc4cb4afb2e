// Client surface of @tessera/wire: like the main entry, with only the
// client-visible platform messages (the generated re-export names no
// server-only one, so bundles leave them out).

export * from './frame/index.js'
export * from './generated/client.js'
export * from './handshake/index.js'
export * from './replay/index.js'
export * from './runtime/index.js'
