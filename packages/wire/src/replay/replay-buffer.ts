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
  // A ring (power-of-two capacity) rather than an array trimmed from the
  // front: an Ack frees slots for the next pushes instead of making the next
  // burst grow a fresh array, and an empty buffer holds no array at all.
  private ring: (Sequenced | undefined)[] = NO_SLOTS
  private head = 0
  private count = 0
  /** Bytes held: bodies plus {@link SEQUENCED_OVERHEAD_BYTES} per message. */
  bytes = 0
  /** Last sequence number assigned (the implicit count of game messages sent). */
  lastSeq = 0

  get size(): number {
    return this.count
  }

  /** Lowest seq still held, or lastSeq + 1 when empty. */
  get firstSeq(): number {
    return this.count > 0 ? this.ring[this.head]!.seq : this.lastSeq + 1
  }

  push(flags: number, msgId: number, reqId: number, body: Uint8Array): Sequenced {
    const s: Sequenced = { seq: ++this.lastSeq, flags, msgId, reqId, body }
    let ring = this.ring
    if (this.count === ring.length) ring = this.grow()
    ring[(this.head + this.count) & (ring.length - 1)] = s
    this.count++
    this.bytes += body.length + SEQUENCED_OVERHEAD_BYTES
    return s
  }

  /** Drop what the peer confirmed (cumulative). Returns false, dropping nothing, when `seq` was never sent. */
  ack(seq: number): boolean {
    if (seq > this.lastSeq) return false
    const ring = this.ring
    const mask = ring.length - 1
    let head = this.head
    let count = this.count
    let bytes = this.bytes
    while (count > 0) {
      const s = ring[head]!
      if (s.seq > seq) break
      bytes -= s.body.length + SEQUENCED_OVERHEAD_BYTES
      ring[head] = undefined
      head = (head + 1) & mask
      count--
    }
    this.bytes = bytes
    this.count = count
    // Emptied: keep a small ring for the next burst, give a big one back.
    if (count === 0 && ring.length > KEEP_SLOTS) {
      this.ring = NO_SLOTS
      head = 0
    }
    this.head = head
    return true
  }

  /** Messages after `seq`, in order. */
  after(seq: number): Sequenced[] {
    const out: Sequenced[] = []
    const ring = this.ring
    const mask = ring.length - 1
    for (let i = 0; i < this.count; i++) {
      const s = ring[(this.head + i) & mask]!
      if (s.seq > seq) out.push(s)
    }
    return out
  }

  /** Drop every held message; numbering goes on. */
  clear(): void {
    this.ring = NO_SLOTS
    this.head = 0
    this.count = 0
    this.bytes = 0
  }

  /** Drop everything and number from 1 again (a new session). */
  reset(): void {
    this.clear()
    this.lastSeq = 0
  }

  /** Double the ring (first use: {@link FIRST_SLOTS}), oldest message first at slot 0. */
  private grow(): (Sequenced | undefined)[] {
    const old = this.ring
    const next: (Sequenced | undefined)[] = new Array(old.length === 0 ? FIRST_SLOTS : old.length * 2)
    const mask = old.length - 1
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & mask]
    this.ring = next
    this.head = 0
    return next
  }
}

/** Shared by every empty buffer (never written: a push grows a ring of its own first). */
const NO_SLOTS: (Sequenced | undefined)[] = []
const FIRST_SLOTS = 16
/** An emptied ring up to this size is kept for the next burst. */
const KEEP_SLOTS = 64
