// Member process of the chat fan-out bench: registers, logs in and connects
// `count` SDK clients (accounts <prefix><first + i>) over binary TCP from its
// own source address, 8 at a time, retrying a refused hand-off with a fresh
// login (at most 5 times); then, on request, joins them to the channel and
// counts the channel lines and system notices each receives. Keeping the
// members out of the bench process spreads their heartbeats and acks over
// several event loops, so none misses the gateway's deadlines.
//   members.ts <loginUrl> <prefix> <first> <count> <localAddress>
// IPC: sends {connected, lost, retried} once every member connected; then answers
//   'join:<channel>' → {joined}       'mark' → {ok} (counts so far become the base)
//   'progress:<channel|system>:<n>' → {done, open} (open members with n more since the mark)
//   'lost' → {open, lost}             'exit' → closes every client and exits
import { ChatJoin, ChatKind, ChatPush } from '@tessera/protocol'
// The SDK through the e2e support (services have no client dependency).
import { clientFor, type LoginAnswer } from '../../../../tests/game/support/players.js'

const [loginUrl, prefix, firstText, countText, localAddress] = process.argv.slice(2)
const first = Number(firstText)
const count = Number(countText)
const PASSWORD = 'violet-harbour-92-lanterns'
const PARALLEL = 8

interface Member {
  client: ReturnType<typeof clientFor>
  channel: number
  system: number
  baseChannel: number
  baseSystem: number
}
const members: Member[] = []
const lost: string[] = []
/** Connection attempts that failed and were made again (a busy machine's handshake deadline). */
let retried = 0

/** login's JSON API, again after `retryAfterMs` when it says so, at most 10 times. */
async function api<T>(op: string, body: Record<string, unknown>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${loginUrl}/v1/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const json = (await res.json()) as T & {
      error?: { code: string; message: string; retryAfterMs?: number }
    }
    if (res.ok) return json
    const wait = json.error?.retryAfterMs
    if (wait === undefined || attempt >= 10)
      throw new Error(`${op}: ${json.error?.code} ${json.error?.message}`)
    await new Promise((r) => setTimeout(r, Math.max(wait, 200)))
  }
}

async function connectOne(i: number): Promise<void> {
  const account = `${prefix}${first + i}`
  await api('register', { account, password: PASSWORD, nickname: account })
  for (let attempt = 1; ; attempt++) {
    const r = await api<LoginAnswer>('login', { account, password: PASSWORD })
    const client = clientFor(r.handoff, 'tcp', {}, { localAddress })
    const m: Member = { client, channel: 0, system: 0, baseChannel: 0, baseSystem: 0 }
    // Only a member that was connected can be lost; a failed attempt is retried below.
    let joined = false
    client.on('kicked', (k) => {
      if (joined) lost.push(`kicked ${k.reason}: ${k.message}`)
    })
    client.on('close', (e) => {
      if (joined && e.error) lost.push(`closed: ${e.error.message}`)
    })
    client.onPush(ChatPush, (p) => {
      if (p.kind === ChatKind.CHAT_KIND_SYSTEM) m.system++
      else m.channel++
    })
    try {
      await client.connect()
      joined = true
      members.push(m)
      return
    } catch (err) {
      await client.close()
      retried++
      if (attempt >= 5) throw err
      await new Promise((r) => setTimeout(r, 1000 * attempt))
    }
  }
}

let next = 0
// Progress on stderr (the bench runner shows it live).
const progress = setInterval(
  () =>
    process.stderr.write(
      `members ${first}+: ${members.length} connected, ${retried} attempts retried, ${lost.length} lost of ${count} ${JSON.stringify([...new Set(lost)].slice(0, 3))}\n`,
    ),
  30_000,
)
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    while (next < count) {
      const i = next++
      // A member that cannot connect is reported lost (the bench fails), not fatal here.
      await connectOne(i).catch((err: Error) => lost.push(`member ${first + i}: ${err.message}`))
    }
  }),
)
clearInterval(progress)
const open = () => members.filter((m) => m.client.state !== 'closed')
process.send!({ connected: open().length, lost, retried })

process.on('message', async (msg: string) => {
  const [cmd, a, b] = msg.split(':')
  if (cmd === 'join') {
    let joined = 0
    let k = 0
    const list = open()
    const failed: string[] = []
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (k < list.length) {
          // A refused join is reported (the bench fails on it), not fatal to the process.
          await list[k++]!.client.request(ChatJoin, { channel: a! }).then(
            () => joined++,
            (err: Error) => failed.push(err.message),
          )
        }
      }),
    )
    process.send!({ joined, failed })
  } else if (cmd === 'mark') {
    for (const m of members) {
      m.baseChannel = m.channel
      m.baseSystem = m.system
    }
    process.send!({ ok: true })
  } else if (cmd === 'progress') {
    const n = Number(b)
    const o = open()
    const done = o.filter((m) => (a === 'system' ? m.system - m.baseSystem : m.channel - m.baseChannel) >= n)
    process.send!({ done: done.length, open: o.length })
  } else if (cmd === 'lost') {
    process.send!({ open: open().length, lost })
  } else if (cmd === 'exit') {
    await Promise.allSettled(members.map((m) => m.client.close()))
    process.exit(0)
  }
})
