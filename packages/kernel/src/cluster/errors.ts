import { defineError } from '../errors/index.js'

export const ClusterNoService = defineError<[string]>('CLUSTER_NO_SERVICE', 'no live service of kind %s')
export const ClusterUnknownService = defineError<[number]>(
  'CLUSTER_UNKNOWN_SERVICE',
  'service %d is not in the membership (gone or never registered)',
)
export const ClusterTimeout = defineError<[string, string, number]>(
  'CLUSTER_TIMEOUT',
  'request %s to %s got no answer within %d ms',
)
export const ClusterPeerGone = defineError<[string, string]>('CLUSTER_PEER_GONE', 'service %s is gone: %s')
export const ClusterLinkLost = defineError<[string, string]>(
  'CLUSTER_LINK_LOST',
  'link to %s closed before the answer came: %s',
)
export const ClusterUnreachable = defineError<[string, string]>('CLUSTER_UNREACHABLE', 'cannot reach %s: %s')
export const ClusterAuthFailed = defineError<[string]>('CLUSTER_AUTH_FAILED', 'cluster link refused: %s')
export const ClusterBadSecret = defineError<[]>(
  'CLUSTER_BAD_SECRET',
  'the cluster secret must be at least 16 characters',
)
export const ClusterBadSecrets = defineError<[string]>('CLUSTER_BAD_SECRETS', 'bad cluster secrets: %s')
export const ClusterNoAddress = defineError<[string]>(
  'CLUSTER_NO_ADDRESS',
  'service %s registered no tcp:// cluster address',
)
export const ClusterWrongPeer = defineError<[string, string]>(
  'CLUSTER_WRONG_PEER',
  'dialled %s but the peer says it is %s',
)
export const ClusterBacklogFull = defineError<[string, number]>(
  'CLUSTER_BACKLOG_FULL',
  'link to %s is down and %d messages already wait for it',
)
export const ClusterClosed = defineError<[]>('CLUSTER_CLOSED', 'the service proxy is closed')
export const ClusterNoHandler = defineError<[number]>('CLUSTER_NO_HANDLER', 'no handler for message id %d')
export const ClusterBadBody = defineError<[string, string]>('CLUSTER_BAD_BODY', 'cannot decode %s: %s')
export const ClusterBadShardMap = defineError<[string]>(
  'CLUSTER_BAD_SHARD_MAP',
  'bad logic shard map: %s (the same slot list must be on every gateway and logic)',
)
