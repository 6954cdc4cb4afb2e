// Service-to-service messaging: transport interface, TCP transport with an
// authenticated handshake, membership cache, ServiceProxy and the center client.

export type { CenterClientOptions } from './center-client.js'
export { CENTER_CHANNEL_ID, CenterClient } from './center-client.js'
export type { ClusterMemberOptions } from './cluster-member.js'
export { ClusterMember } from './cluster-member.js'
export {
  ClusterSecretSource,
  type ClusterSecretsConfig,
  type OpenClusterSecretsOptions,
  readSecretFile,
} from './cluster-secret-source.js'
export { ClusterSecrets } from './cluster-secrets.js'
export * from './errors.js'
export type { PeerIdentity } from './link-auth.js'
export { linkProof } from './link-auth.js'
export type { LeaseMachineIdOptions } from './machine-id-client.js'
export { leaseMachineId } from './machine-id-client.js'
export type { MembershipChange } from './membership.js'
export { Membership } from './membership.js'
export type { ProxyStats, ServiceProxyOptions, Target } from './service-proxy.js'
export { clusterAddress, ServiceProxy } from './service-proxy.js'
export { followShardTable, type ShardTableStateMsg } from './shard-follow.js'
export { ShardMap, type ShardTable } from './shard-map.js'
export type { TcpClusterTransportOptions } from './tcp-transport.js'
export { clusterControlCodec, TcpClusterTransport } from './tcp-transport.js'
export type { ClusterTransport, Link, LinkHandler } from './transport.js'
export * from './wire.js'
