export { mysqlUrl, nodeFiles, type ResolvedSecrets } from './node-files.js'
export {
  backupService,
  backupTimer,
  backupUnit,
  execStart,
  type NodeFile,
  processConfig,
  serviceUnit,
  targetName,
  targetUnit,
} from './render-units.js'
