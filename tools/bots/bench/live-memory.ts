// Live memory of a service process after forced full GCs, through the V8
// inspector: the bench starts the services with `--inspect=127.0.0.1:0`,
// reads the inspector's address from their stderr and asks it to collect
// garbage (HeapProfiler.collectGarbage) and to report process.memoryUsage().
// No service code is involved, and RSS alone cannot tell a few thousand
// sessions from what the last GC happened to leave (it even shrank between
// two readings in the old bench, giving negative "KiB per player").
import WebSocket from 'ws'

export interface LiveMemory {
  /** RSS after the GCs, MiB. */
  rssMiB: number
  /** heapUsed + external (array buffers included) after the GCs, MiB: what the process really holds. */
  liveMiB: number
}

/** The inspector's WebSocket address printed on stderr by `node --inspect=host:0`. */
export function inspectorUrl(stderr: string): string {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)
  if (!m)
    throw new Error(
      `no inspector address on stderr (start the process with --inspect): ${stderr.slice(-500)}`,
    )
  return m[1]!
}

/** Two full GCs in the process at `url`, then its memory; bounded by `timeoutMs`. */
export async function liveMemory(url: string, timeoutMs = 30_000): Promise<LiveMemory> {
  const ws = new WebSocket(url)
  const replies = new Map<number, (v: unknown) => void>()
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { id?: number; result?: unknown; error?: { message: string } }
    if (m.id !== undefined) replies.get(m.id)?.(m.error ? new Error(m.error.message) : m.result)
  })
  let next = 0
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next
      replies.set(id, (v) => (v instanceof Error ? reject(v) : resolve(v)))
      ws.send(JSON.stringify({ id, method, params }))
    })
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`inspector at ${url}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([
      deadline,
      (async () => {
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve())
          ws.once('error', reject)
        })
        await call('HeapProfiler.collectGarbage')
        await call('HeapProfiler.collectGarbage')
        const r = (await call('Runtime.evaluate', {
          expression: 'JSON.stringify(process.memoryUsage())',
          returnByValue: true,
        })) as { result: { value: string } }
        const u = JSON.parse(r.result.value) as NodeJS.MemoryUsage
        return { rssMiB: u.rss / 2 ** 20, liveMiB: (u.heapUsed + u.external) / 2 ** 20 }
      })(),
    ])
  } finally {
    clearTimeout(timer)
    ws.close()
  }
}
