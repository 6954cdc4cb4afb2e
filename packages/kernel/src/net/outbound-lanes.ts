/**
 * Frames waiting while the transport is above its high-water mark, in two
 * lanes: control frames (PRIORITY) leave before anything in the normal lane.
 * A plain array with a head index per lane keeps shift O(1) amortised.
 */
export class OutboundLanes {
  bytes = 0
  private prio: Buffer[] = []
  private prioHead = 0
  private normal: Buffer[] = []
  private normalHead = 0

  get count(): number {
    return this.prio.length - this.prioHead + this.normal.length - this.normalHead
  }

  push(frame: Buffer, priority: boolean): void {
    this.bytes += frame.length
    if (priority) this.prio.push(frame)
    else this.normal.push(frame)
  }

  shift(): Buffer | undefined {
    let f: Buffer | undefined
    if (this.prioHead < this.prio.length) {
      f = this.prio[this.prioHead]
      this.prio[this.prioHead++] = EMPTY
      if (this.prioHead === this.prio.length) {
        this.prio.length = 0
        this.prioHead = 0
      }
    } else if (this.normalHead < this.normal.length) {
      f = this.normal[this.normalHead]
      this.normal[this.normalHead++] = EMPTY
      if (this.normalHead === this.normal.length) {
        this.normal.length = 0
        this.normalHead = 0
      } else if (this.normalHead > 1024 && this.normalHead * 2 > this.normal.length) {
        this.normal = this.normal.slice(this.normalHead)
        this.normalHead = 0
      }
    }
    if (f !== undefined) this.bytes -= f.length
    return f
  }
}

const EMPTY = Buffer.alloc(0)
