export { type BundleManifest, makeBundle, platformVersion } from './make-bundle.js'
