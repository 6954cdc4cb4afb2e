import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { type Scheduler, systemTimers } from '../timer/scheduler.js'
import type { TimerHandle } from '../timer/timer-wheel.js'

/** The logger calls a reloader makes (a NetLogger or pino logger fits). */
export interface ReloadLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface FileReloaderOptions {
  /** The files whose change triggers a reload. */
  files: readonly string[]
  /**
   * Re-read the files and swap the new state in; resolves true when it
   * changed. Must not throw (log and keep the old state instead).
   */
  reload: () => Promise<boolean>
  /** What is reloaded, for log lines ("tls certificates"). */
  what: string
  logger: ReloadLogger
  /** Runs the debounce (the service's `ctx.timers`). Default systemTimers(). */
  timers?: Scheduler
  /** Reload when a file changes (fs.watch on their folders). Default true. */
  watch?: boolean
  /** Quiet period after a file event before reloading (editors and tools write in steps). Default 200 ms. */
  debounceMs?: number
}

/**
 * Runs a reload of some files' contents when asked ({@link reload}), on a
 * signal (SIGHUP), and when a file changes: calls coalesce (one running,
 * at most one more queued), file events are debounced. What is read and
 * how a bad file is refused is the owner's `reload`.
 */
export class FileReloader {
  private readonly watchers: FSWatcher[] = []
  private readonly timers: Scheduler
  private debounce: TimerHandle | null = null
  private reloading: Promise<boolean> | null = null
  private again = false
  private closed = false
  private signalOff: (() => void) | null = null

  constructor(private readonly opts: FileReloaderOptions) {
    this.timers = opts.timers ?? systemTimers()
    if (opts.watch !== false) this.startWatching()
  }

  /** Reload now; concurrent calls coalesce. Resolves with whether the state changed. */
  reload(): Promise<boolean> {
    if (this.reloading !== null) {
      this.again = true
      return this.reloading
    }
    this.reloading = this.opts.reload().finally(() => {
      this.reloading = null
      if (this.again && !this.closed) {
        this.again = false
        void this.reload()
      }
    })
    return this.reloading
  }

  /**
   * Reload on a signal (SIGHUP by operators' habit) until {@link close}.
   * The listener is this reloader's own, so other handlers of the signal are untouched.
   */
  reloadOnSignal(signal: NodeJS.Signals = 'SIGHUP'): this {
    const fn = (): void => {
      this.opts.logger.info({ signal }, `${this.opts.what} reload requested`)
      void this.reload()
    }
    process.on(signal, fn)
    this.signalOff = () => process.off(signal, fn)
    return this
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Stop watching and listening for the signal. */
  close(): void {
    this.closed = true
    this.signalOff?.()
    this.signalOff = null
    if (this.debounce !== null) this.timers.cancel(this.debounce)
    this.debounce = null
    for (const w of this.watchers.splice(0)) w.close()
  }

  /**
   * Watch the folders, not the files: tools replace files by rename
   * (certbot's symlinks, Kubernetes' ..data swap, an editor's save), which
   * a watch on the old inode would never see.
   */
  private startWatching(): void {
    const byDir = new Map<string, Set<string>>()
    for (const f of this.opts.files) {
      const abs = resolve(f)
      const d = dirname(abs)
      if (!byDir.has(d)) byDir.set(d, new Set())
      byDir.get(d)!.add(basename(abs))
    }
    const delay = this.opts.debounceMs ?? 200
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // Some platforms give no name: reload anyway (the owner's reload finds nothing changed).
          if (name !== null && !names.has(String(name)) && !String(name).startsWith('..')) return
          this.scheduleReload(delay)
        })
        w.on('error', (err) => this.opts.logger.warn({ err, dir }, `${this.opts.what} watch failed`))
        this.watchers.push(w)
      } catch (err) {
        this.opts.logger.warn(
          { err, dir },
          `cannot watch the folder of the ${this.opts.what}; reload with SIGHUP`,
        )
      }
    }
  }

  private scheduleReload(delay: number): void {
    if (this.closed) return
    if (this.debounce !== null) this.timers.cancel(this.debounce)
    this.debounce = this.timers.after(delay, () => {
      this.debounce = null
      void this.reload()
    })
  }
}
