// Chat fan-out to one big channel beside the raw push path, in the same run
// on the same cluster: deliveries per second and server CPU per delivery.
//
// The cluster is the real one (center, login, two logic processes, two
// gateways, each its own process on the test MariaDB); M members (5,000)
// spread by the shard map and login over both logics and both gateways, all
// in one named channel. Cases:
// - chat line: one member sends ChatSend; the sender's logic hands it to
//   the channel's owner logic, which keeps it in the history and sends one
//   ChatRelay per logic with members; each logic pushes it with
//   SessionHome.broadcast (one ToClient per gateway link).
// - raw broadcast (baseline): a system notice (POST /admin/chat/notice on
//   the center): each logic pushes to every online player with the same
//   SessionHome.broadcast, no channel, no owner, no relay: the push cost the
//   gateways and logic pay for any broadcast.
// Clients are SDK clients in this process (they acknowledge every 16 frames).
import { readFileSync } from 'node:fs'
import { ChatCreate, ChatJoin, ChatKind, ChatPush, ChatSend } from '@tessera/protocol'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
import { ADMIN_TOKEN, GameCluster } from '../../../tests/game/support/game-cluster.js'
// The SDK through the e2e support (services have no client dependency).
import { clientFor, type LoginAnswer } from '../../../tests/game/support/players.js'

// The services read TESSERA_* variables as configuration: keep the bench's own out of their environment.
delete process.env.TESSERA_BENCH_SMOKE
const MEMBERS = smoke ? 60 : 5000
const LINES = smoke ? 5 : 40
const IN_FLIGHT = 4
const PASSWORD = 'violet-harbour-92-lanterns'
const CHANNEL = 'bench'
const PARALLEL = 8

/** utime + stime of a process, µs (from /proc; clock ticks of 10 ms). */
function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10_000
}

interface Member {
  client: ReturnType<typeof clientFor>
  channel: number
  system: number
}

async function inBatches<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n)
  let next = 0
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < n) {
        const i = next++
        out[i] = await fn(i)
      }
    }),
  )
  return out
}

/** login's JSON API, again after `retryAfterMs` when it says so (LOGIN_NO_GATEWAY, LOGIN_BUSY), at most 10 times. */
async function api<T>(op: string, body: Record<string, unknown>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.api<T>(op, body)
    } catch (err) {
      const wait = (err as { retryAfterMs?: number }).retryAfterMs
      if (wait === undefined || attempt >= 10) throw err
      await new Promise((r) => setTimeout(r, Math.max(wait, 200)))
    }
  }
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const cluster = new GameCluster({
  logics: [1, 2],
  gateways: [201, 202],
  logicArgs: [
    '--chat.maxMembers',
    String(MEMBERS + 10),
    '--chat.ratePerSec',
    '1000000',
    '--chat.burst',
    '1000000',
  ],
  gatewayArgs: ['--gateway.clientMsgRatePerSec', '0', '--gateway.acceptRatePerSec', '0'],
  loginArgs: ['--login.limits.register.limit', '1000000', '--login.limits.ip.limit', '1000000'],
})

const members: Member[] = []
/** Why clients left before the measurement (printed; the run uses the members still connected). */
const lost: string[] = []
try {
  await cluster.start()
  const t0 = Date.now()
  // Hand-off tokens live 30 s: each member connects right after its login.
  const joined = await inBatches(MEMBERS, async (i) => {
    const account = `chat_${process.pid % 10000}_${i}`
    await api('register', { account, password: PASSWORD, nickname: account })
    // A refused hand-off (WIRE_UNAVAILABLE while a logic is busy binding) is
    // retried with a fresh login after a pause, at most 5 times.
    for (let attempt = 1; ; attempt++) {
      const r = await api<LoginAnswer>('login', { account, password: PASSWORD })
      const client = clientFor(r.handoff, 'tcp')
      const m: Member = { client, channel: 0, system: 0 }
      client.on('kicked', (k) => lost.push(`kicked ${k.reason}: ${k.message}`))
      client.on('close', (e) => {
        if (e.error) lost.push(`closed: ${e.error.message}`)
      })
      client.onPush(ChatPush, (p) => {
        if (p.kind === ChatKind.CHAT_KIND_SYSTEM) m.system++
        else if (p.channel === CHANNEL) m.channel++
      })
      try {
        await client.connect()
        return m
      } catch (err) {
        await client.close()
        if (attempt >= 5) throw err
        await new Promise((r) => setTimeout(r, 1000 * attempt))
      }
    }
  })
  const open = joined.filter((m) => m.client.state !== 'closed')
  if (lost.length > 0)
    console.log(
      `${joined.length - open.length} clients closed while the others logged in: ${[...new Set(lost)].slice(0, 5).join('; ')}`,
    )
  members.push(...open)
  console.log(`${MEMBERS} members registered, logged in and connected in ${Date.now() - t0} ms`)
  await members[0]!.client.request(ChatCreate, { channel: CHANNEL })
  await inBatches(members.length - 1, (i) => members[i + 1]!.client.request(ChatJoin, { channel: CHANNEL }))
  console.log(`${members.length} members connected and joined in ${Date.now() - t0} ms`)

  const pids: Record<string, number> = {}
  for (const [id, p] of cluster.logics) pids[`logic#${id}`] = p.pid
  for (const [id, g] of cluster.gateways) pids[`gateway#${id}`] = g.proc.pid

  const measure = async (kase: string, fire: (i: number) => Promise<unknown>, got: (m: Member) => number) => {
    await new Promise((r) => setTimeout(r, 500))
    gc()
    const base = members.map(got)
    const c0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p)]))
    const start = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < LINES) await fire(next++)
      }),
    )
    await until(
      () => members.every((m, i) => got(m) - base[i]! >= LINES || m.client.state === 'closed'),
      120_000,
      `${kase}: every delivery`,
    )
    const ms = performance.now() - start
    const cpu = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p) - c0[k]!]))
    const deliveries = members.filter((m) => m.client.state !== 'closed').length * LINES
    const sum = (pred: (k: string) => boolean) =>
      Object.entries(cpu)
        .filter(([k]) => pred(k))
        .reduce((a, [, v]) => a + v, 0)
    return {
      kase,
      deliveries,
      perSec: (deliveries / ms) * 1000,
      logic: sum((k) => k.startsWith('logic')) / deliveries,
      gateway: sum((k) => k.startsWith('gateway')) / deliveries,
    }
  }

  const sender = members[0]!.client
  const raw = await measure(
    'raw broadcast (system notice → SessionHome.broadcast)',
    async (i) => {
      // The admin endpoint may close an idle kept-alive socket as the next
      // request goes out on it: that request is sent again (at most 3 times).
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(`${cluster.centerAdmin}/admin/chat/notice`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${ADMIN_TOKEN}`,
            },
            body: JSON.stringify({ text: `notice ${i} ${'x'.repeat(40)}` }),
          })
          if (!res.ok) throw new Error(`notice: ${res.status}`)
          await res.arrayBuffer()
          return
        } catch (err) {
          if (attempt >= 3 || !(err instanceof TypeError)) throw err
        }
      }
    },
    (m) => m.system,
  )
  const chat = await measure(
    `chat line to a ${fmt(members.length, 0)}-member channel`,
    (i) => sender.request(ChatSend, { channel: CHANNEL, text: `line ${i} ${'x'.repeat(40)}` }),
    (m) => m.channel,
  )
  const rows = [raw, chat].map((r) => [
    r.kase,
    fmt(r.deliveries, 0),
    fmt(r.perSec, 0),
    fmt(r.logic + r.gateway, 2),
    `${fmt(r.gateway, 2)} + ${fmt(r.logic, 2)}`,
    r === raw ? '1.00 (baseline)' : fmt((r.logic + r.gateway) / (raw.logic + raw.gateway), 2),
  ])
  report({
    title: `Chat fan-out: one line to ${fmt(members.length, 0)} members on 2 gateways and 2 logic processes vs the raw push`,
    command: 'pnpm bench chat-fanout',
    columns: [
      'case',
      'deliveries',
      'deliveries/s',
      'server CPU µs/delivery',
      'gateways + logics µs/delivery',
      'ratio vs raw',
    ],
    rows,
    notes: [
      `${fmt(members.length, 0)} SDK clients over binary TCP in the bench process (spread by login over both gateways and by the shard map over both logics), ${LINES} lines per case with ${IN_FLIGHT} in flight, 40-byte text; both cases in this run on the same cluster.`,
      'Cluster messages per chat line: 1 request sender logic → owner logic (none when they are the same), 1 ChatRelay per logic with members (2), 1 ToClient per gateway link per logic (2 × 2 = 4): 7 for 5,000 members, not 5,000.',
      'raw broadcast: a system notice from the center: every logic pushes to all its players with SessionHome.broadcast (the same ToClient per gateway link), no owner or relay; the chat row adds the sender’s checks, the owner’s history and the relay.',
      'CPU is utime + stime of the gateway and logic processes from /proc (10 ms ticks) from the first line sent until every member got every line; the load generator shares the machine.',
      ...(members.length < MEMBERS
        ? [
            `${fmt(MEMBERS - members.length, 0)} of ${fmt(MEMBERS, 0)} clients were closed before the measurement (${[...new Set(lost)].slice(0, 3).join('; ')}); the table is for the ${fmt(members.length, 0)} still connected.`,
          ]
        : []),
    ],
  })
} finally {
  await Promise.allSettled(members.map((m) => m.client.close()))
  await cluster.stop()
}
