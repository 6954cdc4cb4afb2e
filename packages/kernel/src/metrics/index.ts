// Metrics (Prometheus text) and the admin HTTP endpoint of an application.
export type { AdminServer, AdminServerOptions } from './admin-server.js'
export { sendJson, startAdminServer } from './admin-server.js'
export { createAppMetrics } from './app-metrics.js'
export { AdminUnauthorized } from './errors.js'
export { registerMemoryMetrics } from './memory-metrics.js'
export type { Counter, Gauge, Histogram, MetricsOptions } from './metrics.js'
export { LATENCY_BUCKETS, Metrics } from './metrics.js'
export { registerNetMetrics } from './net-metrics.js'
