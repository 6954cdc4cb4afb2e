/**
 * Runs tasks one at a time, in call order. Flushes, unloads and dump
 * replays go through one lane so the dump file's order is the write order.
 */
export class Lane {
  private tail: Promise<unknown> = Promise.resolve()
  private queued = 0

  /** Tasks waiting or running. */
  get size(): number {
    return this.queued
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.queued++
    const p = this.tail.then(task, task)
    this.tail = p.then(
      () => this.queued--,
      () => this.queued--,
    )
    return p
  }
}
