// The icon catalogue feature: rows written by tools/icons, delivered to clients.
export { CatalogueBadRows, CatalogueTooLarge, CatalogueUnavailable } from './catalogue-errors.js'
export { CATALOGUE_ID, CatalogueFeature, catalogueFeature } from './catalogue-feature.js'
export { catalogueParts } from './catalogue-parts.js'
export { type CatalogueSnapshot, readCatalogue, readCatalogueHash } from './catalogue-rows.js'
