// Runtime the generated code builds on: our own wire Reader/Writer, no
// dependencies, so the client SDK bundles it as is.

export { MessageRegistry } from './message-registry.js'
export type { MessageType } from './message-type.js'
export type { Reader, Writer } from './wire.js'
export {
  checkEnd,
  EMPTY_BYTES,
  MAX_DEPTH,
  newReader,
  newWriter,
  ProtoWireError,
  readBytes,
  readFixed64,
  readInt64,
  readSfixed64,
  readSint64,
  readUint64,
  skipField,
  subEnd,
  tooDeep,
  writeFixed64,
  writeInt64,
  writeSfixed64,
  writeSint64,
  writeUint64,
} from './wire.js'
export { encodeInto } from './writer.js'
