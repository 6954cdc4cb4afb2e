// A bot process started by `--processes P`: runs its share of the bots and
// reports to the parent over IPC (a snapshot every second, the last one at
// the end). The parent's 'stop' winds it down.
import { type RunOptions, type RunSnapshot, runBots } from './run-bots.js'

export type ToWorker = { type: 'start'; options: Omit<RunOptions, 'onTick' | 'stop'> } | { type: 'stop' }
export type FromWorker = { type: 'tick' | 'done'; snapshot: RunSnapshot } | { type: 'error'; message: string }

const send = (m: FromWorker) => process.send?.(m)
const stop = new AbortController()

process.on('message', async (m: ToWorker) => {
  if (m.type === 'stop') return stop.abort()
  try {
    const snapshot = await runBots({
      ...m.options,
      stop: stop.signal,
      onTick: (s) => send({ type: 'tick', snapshot: s }),
    })
    send({ type: 'done', snapshot })
  } catch (err) {
    send({ type: 'error', message: (err as Error)?.stack ?? String(err) })
  }
  process.disconnect?.()
})
// The terminal's Ctrl-C reaches the whole group: the parent decides, the worker waits for its 'stop'.
process.on('SIGINT', () => {})
