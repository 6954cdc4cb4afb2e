import type { RowState } from '../entity/index.js'
import { StorageBadGroup } from '../errors.js'

/** What a row looked like before the group first changed it. */
interface Before {
  /** Column -> value and dirty flag before the group's first change of it. */
  cols: Map<number, { value: unknown; dirty: boolean }>
  /** The row was already waiting for a flush (in the storage's dirty set). */
  wasPending: boolean
  /** The group created the row (storage.create inside the body). */
  created: boolean
}

/**
 * The changes made while one storage.group() body runs: which rows and
 * columns changed (journaled as one record at the end) and what they held
 * before (put back if the body throws, so a group leaves nothing half done,
 * in memory included).
 */
export class GroupScope {
  readonly rows = new Map<RowState, Before>()
  private epoch: number | undefined

  /**
   * Note a change. Rows of one group belong to one owner: a row with another
   * owner epoch is refused (STORAGE_BAD_GROUP), the caller's body then throws
   * and the whole group is put back.
   */
  note(
    s: RowState,
    col: number,
    old: unknown,
    wasDirty: boolean,
    wasPending: boolean,
    created = false,
  ): void {
    let b = this.rows.get(s)
    if (!b) {
      b = { cols: new Map(), wasPending, created }
      this.rows.set(s, b)
    }
    if (!b.cols.has(col)) b.cols.set(col, { value: old, dirty: wasDirty })
    this.epoch ??= s.epoch
    if (s.epoch !== this.epoch)
      throw new StorageBadGroup(
        `${s.entity.name} ${s.key} has owner epoch ${s.epoch}, the group's rows have ${this.epoch}: a group covers the rows of one owner`,
      )
  }

  /** Changed columns per row, in the order the group first touched them. */
  changes(): [RowState, number[]][] {
    return [...this.rows].map(([s, b]) => [s, [...b.cols.keys()]])
  }

  /**
   * Put every changed row back as it was before the group. Returns the rows
   * that were not waiting for a flush before (to take out of the dirty set)
   * and the rows the group created (to forget).
   */
  undo(): { clean: RowState[]; created: RowState[] } {
    const clean: RowState[] = []
    const created: RowState[] = []
    for (const [s, b] of [...this.rows].reverse()) {
      if (b.created) {
        created.push(s)
        continue
      }
      for (const [i, was] of b.cols) {
        s.values[i] = was.value
        if (!was.dirty && s.dirty[i] === 1) {
          s.dirty[i] = 0
          s.dirtyCount--
        }
      }
      if (!b.wasPending && s.dirtyCount === 0) clean.push(s)
    }
    return { clean, created }
  }
}
