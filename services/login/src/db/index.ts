// The db concern of the login service; other folders import only this.

export * from './in-list.js'
export * from './login-db.js'
export * from './schema.js'
export * from './secret-token.js'
