export {
  type CertificateFile,
  certificateCheckScript,
  certificateFiles,
  checkCertificates,
} from './check-certificates.js'
export {
  type DeployContext,
  down,
  formatStatus,
  readBundle,
  rollback,
  rollout,
  type StatusRow,
  status,
  up,
} from './cluster-commands.js'
export { envInit, envInitScript } from './env-init.js'
export { NodeOps } from './node-ops.js'
