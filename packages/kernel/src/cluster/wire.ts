/**
 * The cluster layer is written against these structural types, not against
 * @tessera/protocol (which depends on the kernel): the generated codecs of
 * proto/tessera/cluster.proto satisfy them, and an application passes them
 * in as a {@link ClusterWire}. A field renamed in the proto without a change
 * here fails type-checking where the wire object is built.
 */
export interface WireType<T> {
  /** Fully qualified proto name, for logs. */
  readonly name: string
  readonly msgId: number
  encode(message: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** tessera.ServiceState */
export const ServiceStates = {
  UNSPECIFIED: 0,
  PREPARING: 1,
  STARTING: 2,
  READY: 3,
  DRAINING: 4,
} as const
export type ServiceState = (typeof ServiceStates)[keyof typeof ServiceStates]

export interface ServiceInfoMsg {
  kind: string
  serviceId: number
  node: string
  addresses: string[]
  load: number
  machineId: number
  dependsOn: string[]
  state: ServiceState
  startedAtMs: bigint
}

export interface LinkHelloMsg {
  kind: string
  serviceId: number
  node: string
  nonce: Uint8Array
}
export interface LinkChallengeMsg extends LinkHelloMsg {
  proof: Uint8Array
}
export interface LinkAuthMsg {
  proof: Uint8Array
}
/** A message without fields. */
export type EmptyMsg = object

export interface RegisterServiceMsg {
  service?: ServiceInfoMsg | undefined
}
export interface RegisterServiceOkMsg {
  members: ServiceInfoMsg[]
  complete: boolean
  heartbeatMs: number
  heartbeatTimeoutMs: number
}
export interface ServiceHeartbeatMsg {
  serviceId: number
  load: number
  state: ServiceState
}
export interface ServiceHeartbeatOkMsg {
  known: boolean
}
export interface MembershipUpdateMsg {
  up: ServiceInfoMsg[]
  down: number[]
  full: boolean
}
export interface UnregisterServiceMsg {
  serviceId: number
}
export interface MachineIdLeaseMsg {
  node: string
  kind: string
  slot: number
  holder: string
}
export interface MachineIdLeaseOkMsg {
  machineId: number
  leaseUntilMs: bigint
  returning: boolean
  holderUntilMs: bigint
}
export interface OwnershipClaimMsg {
  key: string
  ownerServiceId: number
}
export interface OwnershipClaimOkMsg {
  epoch: bigint
  previousOwner: number
}
export interface OwnershipRevokedMsg {
  key: string
  epoch: bigint
  newOwner: number
}
export interface OwnershipReleaseMsg {
  key: string
  epoch: bigint
  ownerServiceId: number
}
export interface OwnershipReleaseOkMsg {
  released: boolean
}
export interface StartupGoMsg {
  readyKinds: string[]
}

/** The codecs of proto/tessera/cluster.proto the cluster layer uses. */
export interface ClusterWire {
  linkHello: WireType<LinkHelloMsg>
  linkChallenge: WireType<LinkChallengeMsg>
  linkAuth: WireType<LinkAuthMsg>
  linkAuthOk: WireType<EmptyMsg>
  registerService: WireType<RegisterServiceMsg>
  registerServiceOk: WireType<RegisterServiceOkMsg>
  serviceHeartbeat: WireType<ServiceHeartbeatMsg>
  serviceHeartbeatOk: WireType<ServiceHeartbeatOkMsg>
  membershipUpdate: WireType<MembershipUpdateMsg>
  unregisterService: WireType<UnregisterServiceMsg>
  unregisterServiceOk: WireType<EmptyMsg>
  machineIdLease: WireType<MachineIdLeaseMsg>
  machineIdLeaseOk: WireType<MachineIdLeaseOkMsg>
  ownershipClaim: WireType<OwnershipClaimMsg>
  ownershipClaimOk: WireType<OwnershipClaimOkMsg>
  ownershipRevoked: WireType<OwnershipRevokedMsg>
  ownershipRelease: WireType<OwnershipReleaseMsg>
  ownershipReleaseOk: WireType<OwnershipReleaseOkMsg>
  startupGo: WireType<StartupGoMsg>
}
