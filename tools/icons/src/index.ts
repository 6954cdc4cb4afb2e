// Public surface of @tessera/icons: load and check a catalogue, its hash,
// the generated enum module and the database rows.
export { applyCatalogue } from './apply-catalogue.js'
export { CATALOGUE_HASH_TAG, catalogueHash } from './catalogue-hash.js'
export {
  CATALOGUE_TABLE,
  catalogueStatements,
  ICON_TABLE,
  renderCatalogueSql,
  type SqlStatement,
} from './catalogue-sql.js'
export * from './errors.js'
export {
  type Catalogue,
  DEFAULT_LIMITS,
  DESCRIPTION_FILE,
  type IconEntry,
  type IconLimits,
  type LoadOptions,
  loadCatalogue,
  MAX_ICON_ID,
  memberName,
} from './load-catalogue.js'
export { encodePng } from './png-encode.js'
export { type PngInfo, readPngInfo } from './png-info.js'
export { renderIconEnum } from './render-enum.js'
