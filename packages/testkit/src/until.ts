import type { EventEmitter } from 'node:events'

/**
 * Wait until `cond()` holds, checking every few milliseconds; rejects naming
 * `what` after `timeoutMs` (a bound on a hang, not a timing assertion).
 */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** The arguments of the next `event` from `emitter`; rejects after `timeoutMs` or on 'error'. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      emitter.off(event, onEvent)
      if (event !== 'error') emitter.off('error', onError)
    }
    const onEvent = (...args: unknown[]) => {
      done()
      resolve(args as T)
    }
    const onError = (err: unknown) => {
      done()
      reject(err)
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`timed out waiting for '${event}'`))
    }, timeoutMs)
    emitter.on(event, onEvent)
    if (event !== 'error') emitter.on('error', onError)
  })
}
