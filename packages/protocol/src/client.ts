// Client surface of @tessera/protocol: like the main entry with only the
// client-visible messages (a filtered re-export of the same generated
// modules); its SCHEMA_HASH is the same value.

export * from '@tessera/wire/client'
export * from './generated/client/index.js'
