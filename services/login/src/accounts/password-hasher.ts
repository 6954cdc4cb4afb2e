import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import type { LoginSection } from '../config.js'
import { LoginBusy, LoginBusyWaited } from '../errors.js'

export type HasherConfig = LoginSection['argon2']

/**
 * Argon2id through the `argon2` binding, whose hash and verify run on libuv's
 * thread pool: the event loop never computes a hash. At most
 * `maxConcurrent` run at once (each holds `memoryKiB`), at most `maxQueued`
 * wait; past that a caller gets LOGIN_BUSY at once instead of a growing
 * queue of 19 MiB jobs. A job that waited `maxWaitMs` for a slot gives up
 * with LOGIN_BUSY_WAITED: the client hears "retry" while it still listens,
 * instead of its connection timing out behind a long queue.
 */
export class PasswordHasher {
  /** Counters since start, for metrics. */
  readonly stats = { hashes: 0, verifies: 0, dummyVerifies: 0, busy: 0, waitedOut: 0 }
  private readonly options: argon2.HashOptions
  private running = 0
  private readonly waiting: Waiter[] = []
  private dummy: Promise<string> | undefined

  constructor(private readonly cfg: HasherConfig) {
    this.options = {
      type: argon2.argon2id,
      memoryCost: cfg.memoryKiB,
      timeCost: cfg.timeCost,
      parallelism: cfg.parallelism,
    }
  }

  /** Jobs running plus waiting. */
  get load(): number {
    return this.running + this.waiting.length
  }

  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with the configured cost. */
  hash(password: string): Promise<string> {
    return this.slot(() => {
      this.stats.hashes++
      return argon2.hash(password, this.options)
    })
  }

  /** True when `password` matches. A malformed stored hash never matches. */
  verify(stored: string, password: string): Promise<boolean> {
    return this.slot(() => {
      this.stats.verifies++
      return argon2.verify(stored, password).catch(() => false)
    })
  }

  /**
   * The same work as {@link verify} against a hash of a random password with
   * the current cost, for accounts that do not exist: an unknown name takes
   * as long to refuse as a wrong password.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= argon2.hash(randomBytes(32).toString('base64url'), this.options)
    const stored = await this.dummy
    await this.slot(() => {
      this.stats.dummyVerifies++
      return argon2.verify(stored, password).catch(() => false)
    })
    return false
  }

  /** The stored hash was made with other parameters (or another algorithm): hash again on the next good login. */
  needsRehash(stored: string): boolean {
    if (!stored.startsWith('$argon2id$')) return true
    try {
      return argon2.needsRehash(stored, this.options)
    } catch {
      return true
    }
  }

  private async slot<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.cfg.maxConcurrent) {
      if (this.waiting.length >= this.cfg.maxQueued) {
        this.stats.busy++
        throw new LoginBusy(this.waiting.length)
      }
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = {
          grant: () => {
            clearTimeout(w.timer)
            resolve()
          },
          timer: setTimeout(() => {
            const i = this.waiting.indexOf(w)
            if (i >= 0) this.waiting.splice(i, 1)
            this.stats.waitedOut++
            reject(new LoginBusyWaited(this.cfg.maxWaitMs))
          }, this.cfg.maxWaitMs),
        }
        this.waiting.push(w)
      })
    } else this.running++
    try {
      return await job()
    } finally {
      // Hand the slot straight to the next waiter (running stays the same).
      const next = this.waiting.shift()
      if (next) next.grant()
      else this.running--
    }
  }
}

interface Waiter {
  grant: () => void
  timer: ReturnType<typeof setTimeout>
}
