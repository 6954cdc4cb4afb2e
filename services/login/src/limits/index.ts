// The limits concern of the login service; other folders import only this.

export * from './in-flight.js'
export * from './ip-key.js'
export * from './storm-watch.js'
export * from './throttle.js'
