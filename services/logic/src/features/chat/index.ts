// Chat: world and named channels, private messages with offline mail,
// system notices and operator mutes/bans (docs/writing-a-feature.md, "Chat").
export { ChannelBook } from './channel-book.js'
export { CHAT_FEATURE_ID, ChatFeature, chatFeature } from './chat-feature.js'
export { channelName, normaliseText, WORLD } from './chat-text.js'
export { RateLimiter } from './rate-limiter.js'
