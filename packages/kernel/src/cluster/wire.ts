import {
  type MachineIdLease,
  type MachineIdLeaseOk,
  type MembershipUpdate,
  type ServiceInfo,
  ServiceState,
  type StartupGo,
} from '@tessera/wire'

// The cluster layer uses the generated messages of proto/tessera/cluster.proto
// (@tessera/wire) directly. These are the names services were written
// against, kept as aliases of the generated types.

export type { ClusterWire, ServiceState } from '@tessera/wire'

/** tessera.ServiceState under short names: `ServiceStates.READY`. */
export const ServiceStates = {
  UNSPECIFIED: ServiceState.SERVICE_STATE_UNSPECIFIED,
  PREPARING: ServiceState.SERVICE_STATE_PREPARING,
  STARTING: ServiceState.SERVICE_STATE_STARTING,
  READY: ServiceState.SERVICE_STATE_READY,
  DRAINING: ServiceState.SERVICE_STATE_DRAINING,
} as const

/** tessera.ServiceInfo */
export type ServiceInfoMsg = ServiceInfo
/** tessera.MembershipUpdate */
export type MembershipUpdateMsg = MembershipUpdate
/** tessera.StartupGo */
export type StartupGoMsg = StartupGo
/** tessera.MachineIdLease */
export type MachineIdLeaseMsg = MachineIdLease
/** tessera.MachineIdLeaseOk */
export type MachineIdLeaseOkMsg = MachineIdLeaseOk
