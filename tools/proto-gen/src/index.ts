export { ProtoGenError } from './errors.js'
export { type GeneratedFiles, type GenerateOptions, generate, staleFiles, writeFiles } from './generate.js'
export { listProtoFiles, loadSchema } from './load-schema.js'
export { canonicalSchema, schemaHash } from './schema-hash.js'
export {
  buildModel,
  clientModel,
  type EnumModel,
  type FieldModel,
  type MessageModel,
  type SchemaModel,
} from './schema-model.js'
