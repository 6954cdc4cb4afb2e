import type { TesseraError } from '../errors/index.js'
import type { TimerHandle } from '../timer/index.js'
import type { Link } from './transport.js'

/** A frame waiting for its channel's link to come up. */
export interface Queued {
  msgId: number
  /** 0 for a notification. */
  reqId: number
  body: Uint8Array
}

export interface Backoff {
  /** First retry delay. Default 100 ms. */
  baseMs: number
  /** Ceiling. Default 5000 ms. */
  maxMs: number
}

/** Delay before retry number `attempt` (0-based): doubling, capped, with jitter in [d/2, d]. */
export function backoffDelay(b: Backoff, attempt: number): number {
  const d = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30))
  return d / 2 + Math.random() * (d / 2)
}

/**
 * The route to one peer service: its outbound link (dialled lazily on first
 * use), the frames waiting for it and the reconnect state.
 */
export class Channel {
  link: Link | null = null
  dialing = false
  attempt = 0
  retryTimer: TimerHandle | null = null
  backlog: Queued[] = []
  closed = false
  /** Why the last dial failed, and when (performance.now()) the next may start. */
  lastError: TesseraError | null = null
  retryAt = 0

  constructor(
    readonly serviceId: number,
    readonly kind: string,
    public address: string,
    /** Static channels (the center) are not driven by membership. */
    readonly fixed: boolean,
  ) {}

  get label(): string {
    return `${this.kind}#${this.serviceId}`
  }

  get up(): boolean {
    return this.link?.isOpen === true
  }
}
