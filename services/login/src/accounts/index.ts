// The accounts concern of the login service; other folders import only this.

export * from './account-rules.js'
export * from './account-store.js'
export * from './password-blocklist.js'
export * from './password-hasher.js'
