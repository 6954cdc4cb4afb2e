// Runtime the generated code builds on; no dependency beyond protobufjs so
// the client SDK can bundle it.

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
