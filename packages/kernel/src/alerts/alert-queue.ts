import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { ALERT_KINDS, ALERT_SEVERITIES, type QueuedAlert } from './alert.js'
import { AlertsQueueFileBad } from './errors.js'

const FILE = /^(\d{12})\.json$/

export interface QueueEntry {
  id: string
  alert: QueuedAlert
}

/**
 * Alerts waiting for delivery, one JSON file each in `dir`
 * (`000000000042.json`, in arrival order), so a restart or a kill -9 loses
 * nothing that was accepted. Each file is written beside its final name,
 * fsynced, then renamed: a crash leaves either the old file, the new one, or
 * a stray `.tmp` that the next open removes. A file that does not parse is
 * renamed to `.bad` and reported, never silently deleted.
 */
export class AlertQueue {
  private readonly entries: QueueEntry[] = []
  private nextSeq = 1

  constructor(
    readonly dir: string,
    onBadFile: (err: Error) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    for (const f of readdirSync(dir).sort()) {
      const full = path.join(dir, f)
      const seq = /^(\d{12})\./.exec(f)
      if (seq) this.nextSeq = Math.max(this.nextSeq, Number(seq[1]) + 1)
      if (f.endsWith('.tmp')) {
        rmSync(full, { force: true })
        continue
      }
      if (!FILE.test(f)) continue
      try {
        this.entries.push({ id: f.slice(0, 12), alert: parseAlert(readFileSync(full, 'utf8')) })
      } catch (err) {
        renameSync(full, `${full}.bad`)
        onBadFile(AlertsQueueFileBad.with({ cause: err }, full, (err as Error).message))
      }
    }
  }

  get size(): number {
    return this.entries.length
  }

  /** Oldest first. */
  head(): QueueEntry | undefined {
    return this.entries[0]
  }

  all(): readonly QueueEntry[] {
    return this.entries
  }

  add(alert: QueuedAlert): QueueEntry {
    const e = { id: String(this.nextSeq++).padStart(12, '0'), alert }
    this.write(e)
    this.entries.push(e)
    return e
  }

  /** Store a changed entry (attempts, next retry time). */
  update(e: QueueEntry): void {
    this.write(e)
  }

  remove(e: QueueEntry): void {
    const i = this.entries.indexOf(e)
    if (i >= 0) this.entries.splice(i, 1)
    rmSync(this.file(e.id), { force: true })
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`)
  }

  private write(e: QueueEntry): void {
    const final = this.file(e.id)
    const tmp = `${final}.tmp`
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, JSON.stringify(e.alert))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, final)
  }
}

/** A queue file's alert, every field checked (a hand-edited or foreign file must not crash the sender). */
function parseAlert(text: string): QueuedAlert {
  const j = JSON.parse(text) as Record<string, unknown>
  const str = (k: string) => {
    if (typeof j[k] !== 'string') throw new Error(`${k} is not a string`)
    return j[k] as string
  }
  const optStr = (k: string) => (j[k] === undefined || j[k] === null ? undefined : str(k))
  const num = (k: string) => {
    if (typeof j[k] !== 'number' || !Number.isFinite(j[k])) throw new Error(`${k} is not a number`)
    return j[k] as number
  }
  const kind = str('kind')
  const severity = str('severity')
  if (!(ALERT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown kind ${kind}`)
  if (!(ALERT_SEVERITIES as readonly string[]).includes(severity))
    throw new Error(`unknown severity ${severity}`)
  return {
    kind: kind as QueuedAlert['kind'],
    severity: severity as QueuedAlert['severity'],
    title: str('title'),
    text: str('text'),
    service: optStr('service'),
    node: optStr('node'),
    key: str('key'),
    at: num('at'),
    suppressed: num('suppressed'),
    attempts: num('attempts'),
    nextAt: num('nextAt'),
  }
}
