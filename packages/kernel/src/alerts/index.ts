export {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  type AlertInput,
  type AlertKind,
  type AlertSeverity,
  defaultAlertKey,
  type OnAlert,
  type QueuedAlert,
} from './alert.js'
export { AlertQueue, type QueueEntry } from './alert-queue.js'
export {
  alertsConfigSchema,
  type FeishuAlertsConfig,
  type FeishuAlertsInput,
  feishuAlertsSchema,
  resolveFeishuConfig,
} from './alerts-config.js'
export { AlertsBadConfig, AlertsDeliveryFailed, AlertsQueueFileBad } from './errors.js'
export {
  type AlertSinkStats,
  FeishuAlertSink,
  type FeishuAlertSinkOptions,
  type Schedule,
} from './feishu-alert-sink.js'
export { classifyResponse, type DeliveryResult, feishuBody } from './feishu-message.js'
export { feishuSign } from './feishu-sign.js'
