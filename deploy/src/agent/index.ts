export {
  type ClusterView,
  fetchClusterView,
  gatewayAction,
  managerFor,
  type NodeStatus,
  nodeStatus,
  READY,
  STATE_NAMES,
  waitDrained,
  waitReady,
} from './node-agent.js'
