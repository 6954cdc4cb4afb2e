// Public surface of @tessera/protocol (server side): the generated game
// messages, and MsgId, registry and schema hashes over the whole schema,
// plus everything of @tessera/wire (the runtime, frame header and platform
// messages they build on). Browsers and mini games import
// `@tessera/protocol/client` instead, which leaves server-only messages out.

export * from '@tessera/wire'
export * from './generated/index.js'
