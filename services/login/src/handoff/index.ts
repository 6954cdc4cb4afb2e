// The handoff concern of the login service; other folders import only this.

export * from './gateway-group.js'
export * from './gateway-picker.js'
export * from './handoff-issuer.js'
export * from './handoff-tokens.js'
export * from './online-sessions.js'
