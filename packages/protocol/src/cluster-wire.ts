// The generated codecs of proto/tessera/cluster.proto bound to the kernel's
// ClusterWire shape: the kernel cannot depend on this package (it depends on
// the kernel), so applications pass this one object to the cluster code.
import type { ClusterWire } from '@tessera/kernel'
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

export const clusterWire: ClusterWire = {
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
}
