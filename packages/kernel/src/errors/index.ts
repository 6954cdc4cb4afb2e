export type { ErrorClass } from './tessera-error.js'
export { defineError, errorRegistry, format, TesseraError, toTesseraError } from './tessera-error.js'
