// The processes concern of the login service; other folders import only this.

export * from './login-primary.js'
