// The V8 inspector of a real service process (started with
// `--inspect=127.0.0.1:0`), for suites that must change what the process
// itself holds: grow its heap past a memory threshold and let it go again.
// No service code is involved; the process is reached as a debugger would.
import WebSocket from 'ws'

/** Every inspector address a process tree printed on stderr (a node:cluster primary, then its workers). */
export function inspectorUrls(stderr: string): string[] {
  return [...stderr.matchAll(/Debugger listening on (ws:\/\/\S+)/g)].map((m) => m[1]!)
}

/** Where the ballast lives in the inspected process. */
const BALLAST = '__tesseraTestBallast'

export class Inspector {
  private next = 0
  private readonly replies = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()

  private constructor(
    private readonly ws: WebSocket,
    private readonly timeoutMs: number,
  ) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number; result?: unknown; error?: { message: string } }
      if (m.id === undefined) return
      const r = this.replies.get(m.id)
      this.replies.delete(m.id)
      if (m.error) r?.reject(new Error(m.error.message))
      else r?.resolve(m.result)
    })
    ws.on('close', () => {
      for (const r of this.replies.values()) r.reject(new Error('inspector closed'))
      this.replies.clear()
    })
  }

  static async open(url: string, timeoutMs = 60_000): Promise<Inspector> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new Inspector(ws, timeoutMs)
  }

  /** One protocol call, bounded by the inspector's timeout. */
  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.next
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id)
        reject(new Error(`inspector: ${method} not answered within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      this.replies.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  /** The value of an expression evaluated in the process's main context. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value: T }
      exceptionDetails?: { text: string; exception?: { description?: string } }
    }
    if (r.exceptionDetails)
      throw new Error(`inspector: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`)
    return r.result.value
  }

  /** The process's memory after two full collections. */
  async settledMemory(): Promise<NodeJS.MemoryUsage> {
    await this.call('HeapProfiler.collectGarbage')
    await this.call('HeapProfiler.collectGarbage')
    return JSON.parse(await this.evaluate<string>('JSON.stringify(process.memoryUsage())'))
  }

  /**
   * Grow the process's V8 heap in use to at least `bytes` with arrays of
   * doubles it keeps (400 KB each); resolves to its heap in use then.
   */
  growHeapTo(bytes: number): Promise<number> {
    return this.evaluate<number>(`(() => {
      const keep = (globalThis.${BALLAST} ??= [])
      while (process.memoryUsage().heapUsed < ${bytes}) {
        for (let n = 0; n < 16; n++) {
          const a = new Array(50000)
          for (let i = 0; i < 50000; i++) a[i] = i + 0.5
          keep.push(a)
        }
      }
      return process.memoryUsage().heapUsed
    })()`)
  }

  /** Drop what {@link growHeapTo} kept and collect it; resolves to the memory after. */
  async releaseHeap(): Promise<NodeJS.MemoryUsage> {
    await this.evaluate(`void delete globalThis.${BALLAST}`)
    return this.settledMemory()
  }

  close(): void {
    this.ws.close()
  }
}
