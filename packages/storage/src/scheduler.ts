import { type Scheduler, systemClock, TimerWheel } from '@tessera/kernel'

// What the storage needs to schedule its timers (periodic flush, dump
// probe, journal sync, keep-alive ping, retry backoff) is the kernel's
// Scheduler: the service's timer wheel (`ctx.timers`), a wheel on a
// ManualClock in tests, or one of its own (below).
export type { Scheduler, TimerHandle } from '@tessera/kernel'

/**
 * A wheel on the system clock for a storage or client used outside a
 * service. Like Node's own timers it keeps the process alive while it has
 * timers (a retry backoff inside `await storage.stop()` must not let the
 * process exit); its owner stops it when it closes.
 */
export function ownScheduler(): { timers: Scheduler; stop(): void } {
  const wheel = new TimerWheel({ clock: systemClock, tickMs: 5, ref: true })
  wheel.start()
  return {
    timers: wheel,
    stop: () => {
      wheel.clear()
      wheel.stop()
    },
  }
}

/** Resolves after `ms` on the scheduler's clock. */
export function sleep(timers: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => timers.after(ms, () => resolve()))
}
