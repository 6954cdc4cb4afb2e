import { defineError } from '../errors/index.js'

/** The alerts config is unusable (bad URL, unreadable secret file, …). */
export const AlertsBadConfig = defineError<[string]>('ALERTS_BAD_CONFIG', 'alerts config: %s')
/** One delivery attempt failed; the alert stays queued unless the webhook refused its body for good. */
export const AlertsDeliveryFailed = defineError<[string, string]>(
  'ALERTS_DELIVERY_FAILED',
  'alert webhook delivery failed for %s: %s',
)
/** A queue file could not be read; it is moved aside (not deleted) so nothing is lost silently. */
export const AlertsQueueFileBad = defineError<[string, string]>(
  'ALERTS_QUEUE_FILE_BAD',
  'alert queue file %s is unreadable (%s); moved aside to .bad',
)
