export {
  type ClusterView,
  fetchClusterView,
  managerFor,
  type NodeStatus,
  nodeStatus,
  READY,
  STATE_NAMES,
  waitReady,
} from './node-agent.js'
