import { defineError } from '@tessera/kernel'

export const DeployBadTopology = defineError<[string, number, string]>(
  'DEPLOY_BAD_TOPOLOGY',
  'topology %s has %d error(s):\n%s',
)
export const DeployBundleFailed = defineError<[string]>(
  'DEPLOY_BUNDLE_FAILED',
  'cannot build the release bundle: %s',
)
export const DeployCommandFailed = defineError<[string, string, string]>(
  'DEPLOY_COMMAND_FAILED',
  'on node %s, `%s` failed: %s',
)
export const DeployNotReady = defineError<[string, number, string]>(
  'DEPLOY_NOT_READY',
  '%s did not report READY to the center within %d ms (%s)',
)
export const DeployNoRelease = defineError<[string, string]>('DEPLOY_NO_RELEASE', 'node %s has no %s release')
export const DeployBadCertificate = defineError<[string, number, string]>(
  'DEPLOY_BAD_CERTIFICATE',
  'on node %s, %d certificate file problem(s):\n%s',
)
