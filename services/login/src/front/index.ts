// The front concern of the login service; other folders import only this.

export * from './http-routes.js'
export * from './json-message.js'
export * from './login-front.js'
export * from './login-ops.js'
export * from './op-counter.js'
export * from './plaintext-fronts.js'
export * from './socket-front.js'
export * from './socket-queue.js'
