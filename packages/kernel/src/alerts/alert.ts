/** How loud an alert is; the sink drops alerts below its `minSeverity`. */
export type AlertSeverity = 'info' | 'warning' | 'critical'

export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical']

/**
 * The kinds the platform raises (docs/alerts.md says what each means and what
 * to do); `custom` is for game code. The kind is the first part of the
 * default dedup key.
 */
export const ALERT_KINDS = [
  'service-down',
  'memory-leak',
  'memory-pressure',
  'storage-dump',
  'storage-replay',
  'storage-quarantine',
  'login-storm',
  'sql-error',
  'custom',
] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

/** What a hook hands to the sink. */
export interface AlertInput {
  kind: AlertKind
  severity: AlertSeverity
  /** One line, e.g. "logic-3 is down". */
  title: string
  /** Detail lines (free text; long text is cut to the sink's `maxTextChars`). */
  text?: string
  /** Service id and node the alert is about, when it is about one. */
  service?: string
  node?: string
  /**
   * Alerts with the same key within the dedup window are sent once (the next
   * one after the window says how many were held back). Default
   * `kind:service:title`.
   */
  key?: string
}

/** An alert as queued: the input plus what the sink adds. */
export interface QueuedAlert {
  kind: AlertKind
  severity: AlertSeverity
  title: string
  text: string
  service: string | undefined
  node: string | undefined
  key: string
  /** Wall-clock ms when raised. */
  at: number
  /** Same-key alerts held back by dedup before this one. */
  suppressed: number
  /** Delivery attempts so far. */
  attempts: number
  /** Wall-clock ms before which it is not retried. */
  nextAt: number
}

export const defaultAlertKey = (a: AlertInput): string => a.key ?? `${a.kind}:${a.service ?? '-'}:${a.title}`

/** What a component that can raise alerts takes as its `onAlert` option; pass a sink's `hook`. */
export type OnAlert = (alert: AlertInput) => void
