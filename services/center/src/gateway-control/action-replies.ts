/** One gateway's answer to an operator action. */
export interface GatewayReply {
  serviceId: number
  /** Sessions kicked or closed, or clients a notice was written to. */
  affected: number
  /** Set when the gateway could not apply the action. */
  error?: string
}

/** What an operator action did across the gateways. */
export interface ActionOutcome {
  actionId: number
  /** Sum of `affected` over the gateways that answered. */
  affected: number
  gateways: GatewayReply[]
  /** Gateways it was sent to that did not answer within the wait. */
  unanswered: number[]
}

interface Waiting {
  expect: Set<number>
  replies: GatewayReply[]
  done(): void
  timer: NodeJS.Timeout
}

/**
 * Collects the gateways' GateAdminDone answers to one action, until every
 * gateway it went to answered or the wait ran out (a gateway that hangs
 * must not hang the operator's request). Action ids are per center process;
 * a late or unexpected answer is ignored.
 */
export class ActionReplies {
  private nextId = 0
  private readonly waiting = new Map<number, Waiting>()

  constructor(private readonly waitMs: number) {}

  /** Run `send(actionId)` (returns the service ids it reached) and collect their answers. */
  collect(send: (actionId: number) => number[]): Promise<ActionOutcome> {
    const actionId = this.newId()
    return new Promise<ActionOutcome>((resolve) => {
      const w: Waiting = {
        expect: new Set(),
        replies: [],
        done: () => {
          clearTimeout(w.timer)
          this.waiting.delete(actionId)
          const gateways = w.replies.sort((a, b) => a.serviceId - b.serviceId)
          resolve({
            actionId,
            affected: gateways.reduce((n, g) => n + g.affected, 0),
            gateways,
            unanswered: [...w.expect].sort((a, b) => a - b),
          })
        },
        timer: setTimeout(() => w.done(), this.waitMs),
      }
      this.waiting.set(actionId, w)
      for (const id of send(actionId)) w.expect.add(id)
      if (w.expect.size === 0) w.done()
    })
  }

  /** A gateway's answer (from the link authenticated as that gateway). */
  reply(actionId: number, r: GatewayReply): void {
    const w = this.waiting.get(actionId)
    if (w === undefined || !w.expect.delete(r.serviceId)) return
    w.replies.push(r)
    if (w.expect.size === 0) w.done()
  }

  /** Stop waiting: every open action resolves with what it has. */
  close(): void {
    for (const w of [...this.waiting.values()]) w.done()
  }

  private newId(): number {
    do this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1
    while (this.waiting.has(this.nextId))
    return this.nextId
  }
}
