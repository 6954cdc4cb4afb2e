export { type BundleManifest, makeBundle, platformVersion } from './bundle/index.js'
export * from './errors.js'
