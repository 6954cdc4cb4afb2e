// The logout concern of the login service; other folders import only this.

export * from './logout-batcher.js'
