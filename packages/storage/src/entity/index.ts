export type { Column, ColumnKind, ValueOf } from './column.js'
export { col } from './column.js'
export type {
  ChangeSink,
  Columns,
  Entity,
  EntityOptions,
  Row,
  RowInit,
  RowOf,
  RowState,
} from './define-entity.js'
export {
  defineEntity,
  EPOCH_COLUMN,
  ROW_STATE,
  rowState,
  rowValues,
  touch,
  VERSION_COLUMN,
} from './define-entity.js'
export { decodeValue, encodeKey, encodeValue, untag } from './key-codec.js'
export { keyToDb } from './key-to-db.js'
export { rowId } from './row-id.js'
