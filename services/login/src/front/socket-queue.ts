import type { EdgeSession } from '@tessera/kernel'
import { LoginQueueTicketUnknown } from '../errors.js'
import type { LoginService } from '../login-service.js'
import { LoginQueuePush } from '../wire.js'

interface Waiting {
  ticket: string
  position: number
}

/**
 * Queued players on the socket path. While a queued client's connection is
 * live, the login process polls for it every `updateMs` (which keeps its
 * place) and pushes LoginQueuePush when the position moves, and once more
 * with the hand-off when it is admitted. A dropped or closed connection is
 * no longer polled for, so the place runs out after the queue's keep-alive.
 */
export class SocketQueue {
  private readonly waiting = new Map<EdgeSession, Waiting>()
  private ticking = false

  constructor(
    private readonly service: () => LoginService,
    private readonly logger: { warn(o: object, m?: string): void },
  ) {}

  get size(): number {
    return this.waiting.size
  }

  add(s: EdgeSession, ticket: string, position: number): void {
    this.waiting.set(s, { ticket, position })
  }

  /** The session logged out, left the queue or ended. */
  remove(s: EdgeSession): void {
    this.waiting.delete(s)
  }

  /** One round of polls (skipped while the previous round still runs). */
  async tick(): Promise<void> {
    if (this.ticking) return
    this.ticking = true
    try {
      for (const [s, w] of [...this.waiting]) {
        if (s.state === 'released') {
          this.waiting.delete(s)
          continue
        }
        if (s.state !== 'live') continue
        await this.pollFor(s, w)
      }
    } finally {
      this.ticking = false
    }
  }

  private async pollFor(s: EdgeSession, w: Waiting): Promise<void> {
    try {
      const st = await this.service().queuePoll(w.ticket)
      if (this.waiting.get(s) !== w) return // left or replaced meanwhile
      if (st.handoff) {
        this.waiting.delete(s)
        s.push(LoginQueuePush, LoginQueuePush.create({ position: 0, handoff: st.handoff }))
      } else if (st.position !== w.position) {
        w.position = st.position
        s.push(LoginQueuePush, LoginQueuePush.create({ position: st.position }))
      }
    } catch (err) {
      if (LoginQueueTicketUnknown.is(err)) this.waiting.delete(s)
      else this.logger.warn({ err, session: s.id }, 'login: queue poll for a socket client failed')
    }
  }
}
