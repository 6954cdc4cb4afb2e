// Write coalescing per event-loop turn. A frame written outside the read of
// its own connection (a relay: the gateway forwarding a client's frames to
// logic, logic's replies from async handlers, ToClient frames fanned out to
// client sockets) would otherwise cost one write(2) each; on loopback links
// that syscall (which runs the receiver's TCP stack too) was most of the
// cluster path's CPU. Instead the socket is corked at its first such write
// and uncorked once, in the check phase of the same loop iteration
// (setImmediate): every frame of that turn, from every I/O callback of the
// poll phase, leaves in one writev. process.nextTick would uncork after each
// I/O callback, which coalesces only the frames of one read.
//
// Corked bytes are counted by the socket's writableLength like any unsent
// byte, so backpressure and outbound caps see them; callers that would cut or
// queue on that count flush first (Connection.flush) so that a cap is judged
// on bytes the kernel refused, exactly as without coalescing. Socket end()
// uncorks by itself (a frame written just before close still leaves first).

/** A connection that corked its socket for this turn. */
export interface TurnCorked {
  /** Uncork if still corked for this turn (idempotent). */
  uncorkTurn(): void
}

const pending: TurnCorked[] = []
let scheduled = false

/** Uncork `c` at the end of this loop iteration's poll phase. Call once per cork. */
export function uncorkAtTurnEnd(c: TurnCorked): void {
  pending.push(c)
  if (!scheduled) {
    scheduled = true
    setImmediate(flushTurn)
  }
}

function flushTurn(): void {
  let i = 0
  try {
    // Uncorking may cork again (a write from a synchronous callback): the loop sees the new entries.
    for (; i < pending.length; i++) pending[i]!.uncorkTurn()
  } finally {
    if (i < pending.length) {
      // One threw: the others still get their uncork, in the next turn.
      pending.splice(0, i + 1)
      setImmediate(flushTurn)
    } else {
      pending.length = 0
      scheduled = false
    }
  }
}

/**
 * The per-connection half: corks `socket` at the first write of a turn that
 * is not inside the connection's own read, and uncorks it once at the turn's
 * end (or earlier, on {@link flush}: before a cap decision, end or destroy).
 */
export class TurnCork implements TurnCorked {
  private corked = false

  constructor(private readonly socket: { cork(): void; uncork(): void }) {}

  /** Before a write: cork for the rest of this turn (once). */
  cork(): void {
    if (this.corked) return
    this.corked = true
    this.socket.cork()
    uncorkAtTurnEnd(this)
  }

  uncorkTurn(): void {
    if (!this.corked) return
    this.corked = false
    this.socket.uncork()
  }

  /** Uncork now; false when nothing was corked. */
  flush(): boolean {
    if (!this.corked) return false
    this.uncorkTurn()
    return true
  }
}
