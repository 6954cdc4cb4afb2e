import type { MembershipUpdate, ServiceInfo } from '@tessera/wire'
import { ServiceStates } from './wire.js'

export interface MembershipChange {
  up: ServiceInfo[]
  down: ServiceInfo[]
}

/**
 * The live services this process knows of, cached from the center's pushes.
 * It is only ever changed by the center (or by a link proving a peer gone),
 * so the cluster keeps routing on the last known view while the center
 * restarts.
 */
export class Membership {
  private readonly byId = new Map<number, ServiceInfo>()
  private readonly byKind = new Map<string, ServiceInfo[]>()
  private readonly cursor = new Map<string, number>()
  private readonly listeners: ((c: MembershipChange) => void)[] = []

  get size(): number {
    return this.byId.size
  }

  get(serviceId: number): ServiceInfo | undefined {
    return this.byId.get(serviceId)
  }

  ofKind(kind: string): readonly ServiceInfo[] {
    return this.byKind.get(kind) ?? []
  }

  list(): ServiceInfo[] {
    return [...this.byId.values()].sort((a, b) => a.serviceId - b.serviceId)
  }

  /**
   * Round-robin over the services of a kind (service id 0 = any of the kind).
   * READY services are preferred; a DRAINING service never gets new work this
   * way (it is finishing what it has); services still starting are used only
   * when none of the kind is READY.
   */
  pick(kind: string): ServiceInfo | undefined {
    const all = this.byKind.get(kind)
    if (all === undefined || all.length === 0) return undefined
    let list = all.filter((s) => s.state === ServiceStates.READY)
    if (list.length === 0) list = all.filter((s) => s.state !== ServiceStates.DRAINING)
    if (list.length === 0) return undefined
    const i = (this.cursor.get(kind) ?? 0) % list.length
    this.cursor.set(kind, i + 1)
    return list[i]
  }

  onChange(fn: (c: MembershipChange) => void): () => void {
    this.listeners.push(fn)
    return () => {
      const i = this.listeners.indexOf(fn)
      if (i >= 0) this.listeners.splice(i, 1)
    }
  }

  /** Apply a center push; `full` replaces everything. */
  apply(u: MembershipUpdate): MembershipChange {
    const change: MembershipChange = { up: [], down: [] }
    if (u.full) {
      const keep = new Set(u.up.map((s) => s.serviceId))
      for (const id of [...this.byId.keys()]) if (!keep.has(id)) this.remove(id, change)
    }
    for (const s of u.up) this.put(s, change)
    for (const id of u.down) this.remove(id, change)
    this.emit(change)
    return change
  }

  /** Add or replace services without dropping any (a snapshot from a center still collecting). */
  merge(list: readonly ServiceInfo[]): MembershipChange {
    return this.apply({ up: [...list], down: [], full: false })
  }

  /** Drop one service (e.g. the center said so); returns it when it was known. */
  drop(serviceId: number): ServiceInfo | undefined {
    const change: MembershipChange = { up: [], down: [] }
    this.remove(serviceId, change)
    this.emit(change)
    return change.down[0]
  }

  private put(s: ServiceInfo, change: MembershipChange): void {
    const old = this.byId.get(s.serviceId)
    if (old && old.kind !== s.kind) this.remove(s.serviceId, change)
    const copy = { ...s, addresses: [...s.addresses], dependsOn: [...s.dependsOn] }
    this.byId.set(s.serviceId, copy)
    let list = this.byKind.get(s.kind)
    if (!list) {
      list = []
      this.byKind.set(s.kind, list)
    }
    const i = list.findIndex((x) => x.serviceId === s.serviceId)
    if (i >= 0) list[i] = copy
    else {
      list.push(copy)
      list.sort((a, b) => a.serviceId - b.serviceId)
    }
    change.up.push(copy)
  }

  private remove(id: number, change: MembershipChange): void {
    const s = this.byId.get(id)
    if (!s) return
    this.byId.delete(id)
    const list = this.byKind.get(s.kind)!
    list.splice(
      list.findIndex((x) => x.serviceId === id),
      1,
    )
    if (list.length === 0) this.byKind.delete(s.kind)
    change.down.push(s)
  }

  private emit(change: MembershipChange): void {
    if (change.up.length === 0 && change.down.length === 0) return
    for (const fn of [...this.listeners]) fn(change)
  }
}
