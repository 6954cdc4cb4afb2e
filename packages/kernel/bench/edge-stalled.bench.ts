// Stalled readers: N authenticated sessions stop reading while the server
// pushes each a 2 KiB message every 20 ms. Reports the server's RSS per
// stalled session at the peak, what the node-wide replay cap released, and
// RSS after they are gone. Server: attack/attack-server.ts, default limits
// and edge options (1 MiB replay per session, 256 MiB per process), or the
// replay cap given as EDGE_NODE_REPLAY_MB.
//   pnpm bench edge-stalled
import { connect, type Socket } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Echo, Handshake, SCHEMA_HASH, VersionStage } from '@tessera/protocol'
import { fmt, report, smoke } from '@tessera/testkit/bench'
import { HmacTokens } from '../src/edge/index.js'
import { ATTACK_SECRET } from './attack/secret.js'
import { frame } from './edge/edge-load.js'
import { forkChild } from './net/child.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const SESSIONS = smoke ? 20 : 200
const PUSHES = smoke ? 100 : 1500 // 30 s at one per 20 ms
const tokens = new HmacTokens({ secret: ATTACK_SECRET })

function prefixed(f: Buffer): Buffer {
  const p = Buffer.allocUnsafe(4)
  p.writeUInt32BE(f.length)
  return Buffer.concat([p, f])
}

/** Log in, ask for the push stream, then stop reading (the socket stays paused). */
function stalled(port: number, uid: bigint): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      const hs = Handshake.create({
        version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
        schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
        token: tokens.sign(uid, 600_000),
      })
      s.write(prefixed(frame(0, Handshake.msgId, 1, Handshake.encode(hs))))
      s.once('data', () => {
        s.write(prefixed(frame(0, Echo.msgId, 2, Echo.encode(Echo.create({ text: `push:${PUSHES}` })))))
        s.pause()
        resolve(s)
      })
    })
    s.on('error', reject)
  })
}

async function run(capMb: number): Promise<(string | number)[]> {
  process.env.EDGE_NODE_REPLAY_MB = String(capMb)
  const server = await forkChild(path.join(here, 'attack/attack-server.ts'), [])
  const port = (server.first.ports as Record<string, number>).tcp!
  const socks: Socket[] = []
  try {
    const base = await server.ask('stats')
    const rss0 = base.rssBytes as number
    for (let i = 0; i < SESSIONS; i++) socks.push(await stalled(port, BigInt(1000 + i)))
    let peak = rss0
    let alive = SESSIONS
    const end = Date.now() + PUSHES * 20 + 2000
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500))
      const st = await server.ask('stats')
      if ((st.rssBytes as number) > peak) {
        peak = st.rssBytes as number
        alive = st.edgeSessions as number
      }
    }
    for (const s of socks) s.destroy()
    await new Promise((r) => setTimeout(r, 3000))
    const after = await server.ask('stats')
    const mb = (b: number): string => fmt(b / 1048576, 1)
    return [
      capMb > 0 ? `${capMb} MiB` : '256 MiB (default)',
      SESSIONS,
      mb(rss0),
      mb(peak),
      fmt((peak - rss0) / SESSIONS / 1024, 0),
      alive,
      mb(after.rssBytes as number),
    ]
  } finally {
    for (const s of socks) s.destroy()
    await server.kill()
  }
}

const rows = [await run(0), await run(32)]
report({
  title: 'Stalled readers: server RSS while sessions stop reading (2 KiB push every 20 ms)',
  command: 'pnpm bench edge-stalled',
  columns: [
    'node-wide replay cap',
    'stalled sessions',
    'RSS before MB',
    'RSS peak MB',
    'RSS per stalled session at peak KB',
    'edge sessions alive at the peak',
    'RSS 3 s after release MB',
  ],
  rows,
  notes: [
    `${SESSIONS} TCP sessions log in, ask for ${PUSHES} pushes of 2 KiB every 20 ms, then pause their socket (never read, never Ack). Default net limits (outbound hard cap 2 MiB per session) and edge options (replay 1 MiB per session); the node-wide replay cap as in the first column (replayShareBytes 64 KiB).`,
    'RSS after release: V8 and the allocator keep freed pages for reuse, so RSS does not fall back at once; what matters is that the peak is bounded by the caps.',
  ],
})
