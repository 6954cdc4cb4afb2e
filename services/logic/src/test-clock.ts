import { type Clock, defineError, systemClock } from '@tessera/kernel'
import type { LogicConfig } from './config.js'

export const LogicTestClockRefused = defineError<[number, string]>(
  'LOGIC_TEST_CLOCK_REFUSED',
  'testClock.offsetMs is %d but NODE_ENV is %s: the test clock is only honoured when NODE_ENV=test',
)

/**
 * The system clock with its wall time moved by a fixed offset; the monotonic
 * time (which drives the timer wheel) is untouched, so timers keep their
 * real durations while calendar resets and timer due times see the moved
 * wall time.
 */
export class OffsetClock implements Clock {
  constructor(
    readonly offsetMs: number,
    private readonly inner: Clock = systemClock,
  ) {}

  now(): number {
    return this.inner.now() + this.offsetMs
  }

  monotonic(): number {
    return this.inner.monotonic()
  }
}

/**
 * The clock a logic process runs on: the system clock, or, for tests of real
 * processes that cross resets and timer due times, an {@link OffsetClock}
 * fixed at start. The offset cannot change while the process runs (no admin
 * route, no reload) and a non-zero offset outside NODE_ENV=test stops the
 * start (production units set NODE_ENV=production).
 */
export function logicClock(
  config: Pick<LogicConfig, 'testClock'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Clock | undefined {
  const nodeEnv = env.NODE_ENV
  const offset = config.testClock.offsetMs
  if (offset === 0) return undefined
  if (nodeEnv !== 'test') throw new LogicTestClockRefused(offset, nodeEnv ?? '(unset)')
  return new OffsetClock(offset)
}
