/** One sequenced outbound message kept for replay: its plain protobuf body and header fields. */
export interface Sequenced {
  seq: number
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

/**
 * Outbound game messages not yet acknowledged by the client, oldest first,
 * bounded in bytes by the owner. Bodies are kept before compression and
 * encryption: a resumed connection has new keys, so replays are sealed
 * again.
 */
export class ReplayBuffer {
  private items: Sequenced[] = []
  private head = 0
  bytes = 0
  /** Last sequence number assigned (the implicit count of game messages sent). */
  lastSeq = 0

  get size(): number {
    return this.items.length - this.head
  }

  /** Lowest seq still held, or lastSeq + 1 when empty. */
  get firstSeq(): number {
    return this.head < this.items.length ? this.items[this.head]!.seq : this.lastSeq + 1
  }

  push(flags: number, msgId: number, reqId: number, body: Uint8Array): Sequenced {
    const s = { seq: ++this.lastSeq, flags, msgId, reqId, body }
    this.items.push(s)
    this.bytes += body.length + 32
    return s
  }

  /** Drop what the client confirmed (cumulative). Returns false when `seq` was never sent. */
  ack(seq: number): boolean {
    if (seq > this.lastSeq) return false
    const it = this.items
    while (this.head < it.length && it[this.head]!.seq <= seq) {
      this.bytes -= it[this.head]!.body.length + 32
      it[this.head++] = undefined as unknown as Sequenced
    }
    if (this.head === it.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > it.length) {
      this.items = it.slice(this.head)
      this.head = 0
    }
    return true
  }

  /** Messages after `seq`, in order. */
  after(seq: number): Sequenced[] {
    const out: Sequenced[] = []
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]!.seq > seq) out.push(this.items[i]!)
    return out
  }

  clear(): void {
    this.items = []
    this.head = 0
    this.bytes = 0
  }
}
