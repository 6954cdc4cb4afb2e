// The admission concern of the login service; other folders import only this.

export * from './admission.js'
