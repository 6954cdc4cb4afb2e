import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import type { LoginSection } from '../config.js'
import { LoginBusy } from '../errors.js'

export type HasherConfig = LoginSection['argon2']

/**
 * Argon2id through the `argon2` binding, whose hash and verify run on libuv's
 * thread pool: the event loop never computes a hash. At most
 * `maxConcurrent` run at once (each holds `memoryKiB`), at most `maxQueued`
 * wait; past that a caller gets LOGIN_BUSY at once instead of a growing
 * queue of 19 MiB jobs.
 */
export class PasswordHasher {
  /** Counters since start, for metrics. */
  readonly stats = { hashes: 0, verifies: 0, dummyVerifies: 0, busy: 0 }
  private readonly options: argon2.HashOptions
  private running = 0
  private readonly waiting: (() => void)[] = []
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
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else this.running++
    try {
      return await job()
    } finally {
      // Hand the slot straight to the next waiter (running stays the same).
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}
