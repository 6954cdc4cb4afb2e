import {
  LinkAuth,
  LinkAuthOk,
  LinkChallenge,
  LinkHello,
  MachineIdLease,
  MachineIdLeaseOk,
  MembershipUpdate,
  OwnershipClaim,
  OwnershipClaimOk,
  OwnershipRelease,
  OwnershipReleaseOk,
  OwnershipRevoked,
  RegisterService,
  RegisterServiceOk,
  ServiceHeartbeat,
  ServiceHeartbeatOk,
  StartupGo,
  UnregisterService,
  UnregisterServiceOk,
} from './generated/index.js'

/**
 * The generated messages of proto/tessera/cluster.proto by role. The kernel
 * imports the generated types directly; this object is kept for callers
 * written when the kernel took the cluster codecs as an option.
 */
export const clusterWire = {
  linkHello: LinkHello,
  linkChallenge: LinkChallenge,
  linkAuth: LinkAuth,
  linkAuthOk: LinkAuthOk,
  registerService: RegisterService,
  registerServiceOk: RegisterServiceOk,
  serviceHeartbeat: ServiceHeartbeat,
  serviceHeartbeatOk: ServiceHeartbeatOk,
  membershipUpdate: MembershipUpdate,
  unregisterService: UnregisterService,
  unregisterServiceOk: UnregisterServiceOk,
  machineIdLease: MachineIdLease,
  machineIdLeaseOk: MachineIdLeaseOk,
  ownershipClaim: OwnershipClaim,
  ownershipClaimOk: OwnershipClaimOk,
  ownershipRevoked: OwnershipRevoked,
  ownershipRelease: OwnershipRelease,
  ownershipReleaseOk: OwnershipReleaseOk,
  startupGo: StartupGo,
} as const
export type ClusterWire = typeof clusterWire
