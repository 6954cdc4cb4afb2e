/** One sequenced outbound message, kept with its plain protobuf body until acknowledged. */
export interface OutboxEntry {
  seq: number
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

/**
 * Sequenced messages the peer has not acknowledged yet, oldest first. After
 * a resume everything past the peer's `last_received_seq` is sent again, in
 * order; acknowledged entries are dropped. Bounded in bytes by the caller.
 */
export class Outbox {
  private entries: OutboxEntry[] = []
  private head = 0
  /** Sum of body lengths held. */
  bytes = 0
  /** Last sequence number assigned. */
  lastSeq = 0

  get size(): number {
    return this.entries.length - this.head
  }

  add(flags: number, msgId: number, reqId: number, body: Uint8Array): OutboxEntry {
    const e = { seq: ++this.lastSeq, flags, msgId, reqId, body }
    this.entries.push(e)
    this.bytes += body.length
    return e
  }

  /** Drop every entry with seq <= `seq` (a cumulative acknowledgement). */
  ack(seq: number): void {
    const es = this.entries
    while (this.head < es.length && es[this.head]!.seq <= seq) {
      this.bytes -= es[this.head]!.body.length
      this.head++
    }
    if (this.head === es.length) {
      this.entries = []
      this.head = 0
    } else if (this.head > 256 && this.head * 2 > es.length) {
      this.entries = es.slice(this.head)
      this.head = 0
    }
  }

  /** Entries with seq > `seq`, in order. */
  after(seq: number): OutboxEntry[] {
    const out: OutboxEntry[] = []
    for (let i = this.head; i < this.entries.length; i++)
      if (this.entries[i]!.seq > seq) out.push(this.entries[i]!)
    return out
  }

  /** Forget everything and restart numbering (a new session). */
  reset(): void {
    this.entries = []
    this.head = 0
    this.bytes = 0
    this.lastSeq = 0
  }
}
