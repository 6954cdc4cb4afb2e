/** One sequenced outbound message kept for replay: its plain protobuf body and header fields. */
export interface Sequenced {
  seq: number
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

/** Bytes counted per held message on top of its body (the record and array slot), for the caps. */
export const SEQUENCED_OVERHEAD_BYTES = 32

/**
 * Game messages sent but not yet acknowledged by the peer, oldest first,
 * numbered 1, 2, 3… in the order they are pushed (the implicit sequence of
 * docs/protocol.md). Both ends keep one: the server's edge session for its
 * pushes and responses, the client SDK for its requests. After a resume
 * everything past the peer's `last_received_seq` is sent again, in order.
 * Bodies are kept before compression and encryption: a resumed connection
 * has new keys, so replays are sealed again. Bounded in bytes by the owner.
 */
export class ReplayBuffer {
  private items: Sequenced[] = []
  private head = 0
  /** Bytes held: bodies plus {@link SEQUENCED_OVERHEAD_BYTES} per message. */
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
    this.bytes += body.length + SEQUENCED_OVERHEAD_BYTES
    return s
  }

  /** Drop what the peer confirmed (cumulative). Returns false, dropping nothing, when `seq` was never sent. */
  ack(seq: number): boolean {
    if (seq > this.lastSeq) return false
    const it = this.items
    while (this.head < it.length && it[this.head]!.seq <= seq) {
      this.bytes -= it[this.head]!.body.length + SEQUENCED_OVERHEAD_BYTES
      // Let the body go now, not at the next compaction.
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

  /** Drop every held message; numbering goes on. */
  clear(): void {
    this.items = []
    this.head = 0
    this.bytes = 0
  }

  /** Drop everything and number from 1 again (a new session). */
  reset(): void {
    this.clear()
    this.lastSeq = 0
  }
}
