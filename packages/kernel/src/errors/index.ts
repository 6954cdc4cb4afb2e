export type { ErrorClass, ErrorDefinition } from './tessera-error.js'
export {
  defineError,
  errorRegistry,
  format,
  InternalError,
  isClientVisible,
  TesseraError,
  toTesseraError,
} from './tessera-error.js'
