// The janitor concern of the login service; other folders import only this.

export * from './login-janitor.js'
