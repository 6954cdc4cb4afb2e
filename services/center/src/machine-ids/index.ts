export { MachineIdLeases, machineIdLeases } from './machine-id-leases.js'
export {
  holderDecision,
  keyText,
  type Lease,
  type LeaseRequest,
  type LeaseRow,
  MachineIdStore,
  type MachineIdStoreOptions,
  type MachineIdUse,
} from './machine-id-store.js'
