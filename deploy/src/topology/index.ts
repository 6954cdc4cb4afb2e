export { loadTopology, parseTopology, topologyErrors } from './load-topology.js'
export { centerAddress, nodeOf, nodePaths, type ProcessPlan, planProcesses } from './plan.js'
export { resolveSecrets, type Secrets } from './resolve-secrets.js'
export { LOGIC_MACHINE_IDS, machineIdOf, SERVICE_KINDS, type ServiceKind } from './service-kinds.js'
export {
  type SecretRef,
  type Topology,
  type TopologyInput,
  type TopologyNode,
  type TopologyService,
  topologyJsonSchema,
  topologySchema,
} from './topology-schema.js'
