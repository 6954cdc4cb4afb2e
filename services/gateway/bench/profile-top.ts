// Where a process's CPU went, from a V8 .cpuprofile (node --cpu-prof): self
// time by function and by area (our packages and services by folder, node
// internals, dependencies, GC), idle left out. Used to say what bounds the
// cluster echo bench (CLUSTER_ECHO_PROF=DIR pnpm bench --no-write cluster-echo).
//   node --import tsx services/gateway/bench/profile-top.ts FILE.cpuprofile [top=25] [fromMs toMs]
// fromMs..toMs keeps the samples of that span of the profile (ms since its
// first sample, ≈ since the process started): the bench prints each
// process's measurement window that way.
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topText, fromText, toText] = process.argv.slice(2)
const top = Number(topText ?? 25)
const fromUs = fromText === undefined ? 0 : Number(fromText) * 1000
const toUs = toText === undefined ? Number.POSITIVE_INFINITY : Number(toText) * 1000
const p = JSON.parse(readFileSync(file!, 'utf8')) as Profile
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
let at = 0
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0
  at += d
  if (at >= fromUs && at <= toUs) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + d)
}

/** The area a frame belongs to: packages/kernel/src/net, services/gateway/src/edge, node:internal, a dependency... */
function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC'
  if (name === '(program)') return '(program: native, outside JS)'
  if (!url) return `(native) ${name}`
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/')
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/')
    return `dep ${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`
  }
  const m = /\/(packages|services)\/([^/]+)\/src\/([^/]+)/.exec(url)
  return m ? `${m[1]}/${m[2]}/${m[3]!.replace(/\.ts$/, '')}` : url
}

const fnTime = new Map<string, number>()
const areaTime = new Map<string, number>()
let total = 0
for (const [id, t] of self) {
  const n = byId.get(id)!
  const { functionName, url, lineNumber } = n.callFrame
  if (functionName === '(idle)') continue
  total += t
  const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|services|node_modules)\//, '$1/')}:${lineNumber + 1}`
  fnTime.set(fn, (fnTime.get(fn) ?? 0) + t)
  const a = area(url, functionName)
  areaTime.set(a, (areaTime.get(a) ?? 0) + t)
}
const show = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n')
console.log(
  `${file}: ${(total / 1000).toFixed(0)} ms busy\n\nby area:\n${show(areaTime, 20)}\n\nby function:\n${show(fnTime, top)}`,
)
