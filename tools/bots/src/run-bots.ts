// Runs N bots of the `play` scenario against a cluster, a bounded number at
// once, within a deadline; every bot is one player as a game client is.
import { httpLoginApi } from '@tessera/client'
import { type BotReport, BotStats } from './bot-stats.js'
import { BotsDeadline } from './errors.js'
import { playOnce, type Stack } from './play-scenario.js'

export interface RunOptions {
  /** Login's HTTP JSON API, e.g. http://127.0.0.1:3800 */
  login: string
  bots: number
  /** Bots playing at the same time. */
  concurrency: number
  stack: Stack
  /** Hard bound of the whole run. */
  durationS: number
  /** Called after each bot finishes (live view). */
  onProgress?: (done: number, failed: number) => void
}

export async function runBots(o: RunOptions): Promise<BotReport> {
  const stats = new BotStats()
  const api = httpLoginApi(o.login)
  const started = performance.now()
  let next = 0
  let deadlineHit = false
  const worker = async () => {
    while (next < o.bots) {
      if (performance.now() - started > o.durationS * 1000) {
        deadlineHit = true
        return
      }
      const name = String(next++)
      try {
        await playOnce({ name, api, stack: o.stack, stats })
        stats.played++
      } catch (err) {
        stats.fail(name, err)
      }
      o.onProgress?.(stats.played + stats.failed, stats.failed)
    }
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      deadlineHit = true
      resolve()
    }, o.durationS * 1000)
    timer.unref()
  })
  await Promise.race([Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker)), deadline])
  clearTimeout(timer)
  if (deadlineHit && stats.played + stats.failed < o.bots) stats.fail('run', new BotsDeadline(o.durationS))
  return stats.report(o.bots, performance.now() - started)
}
