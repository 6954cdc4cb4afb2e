// Public surface of @tessera/constants: generated constants that client
// (browser) and server code share. Nothing here may import a Node module;
// the package's tsconfig has no Node types, so such an import fails the build.

export { ICON_CATALOGUE_HASH, ICON_IDS, Icon } from './generated/icons.js'
export { RELEASE_VERSION, RELEASE_WIRE_VERSION } from './generated/version.js'
