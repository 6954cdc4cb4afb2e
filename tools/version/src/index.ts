export {
  bumpVersion,
  STAGES,
  stageByName,
  stageName,
  VERSION_FIELDS,
  type VersionField,
} from './bump-version.js'
export { DEFAULT_MODULE, runCli } from './cli.js'
export { describeVersion, renderVersionModule, type VersionDescription } from './describe-version.js'
export * from './errors.js'
export { findVersionFile, readVersionFile, VERSION_FILE_NAME, writeVersionFile } from './version-file.js'
