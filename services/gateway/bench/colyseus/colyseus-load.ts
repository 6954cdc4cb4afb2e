// Load for the Colyseus case of the cluster echo bench, shaped like the
// edge load (edge-load.ts): C clients, each joining the one echo room with
// the official client (colyseus.js 0.16), keep F `echo` messages of a
// P-byte payload in flight; every echo received sends the next one.
import { Client, type Room } from 'colyseus.js'
// biome-ignore lint/style/noRestrictedImports: the edge bench's load interface, so both loads run through one measure(); benches have no package entry
import type { EdgeLoad } from '../../../../packages/kernel/bench/edge/edge-load.js'

export async function colyseusLoad(o: {
  port: number
  clients: number
  inFlight: number
  payload: number
}): Promise<EdgeLoad> {
  const payload = new Uint8Array(o.payload).fill(0x61)
  const failures: string[] = []
  let got = 0
  let closing = false
  const rooms: Room[] = []
  const client = new Client(`ws://127.0.0.1:${o.port}`)
  // One at a time: every client lands in the same room (joinOrCreate).
  for (let i = 0; i < o.clients; i++) {
    const room = await client.joinOrCreate('echo')
    room.onMessage('echo', () => {
      got++
      room.send('echo', payload)
    })
    room.onLeave((code) => {
      if (!closing) failures.push(`left the room (${code})`)
    })
    room.onError((code, message) => failures.push(`room error ${code} ${message}`))
    rooms.push(room)
  }
  if (new Set(rooms.map((r) => r.roomId)).size !== 1) throw new Error('clients landed in more than one room')
  for (const r of rooms) for (let k = 0; k < o.inFlight; k++) r.send('echo', payload)
  return {
    received: () => got,
    reset: () => {
      got = 0
    },
    failures: () => (closing ? [] : failures.slice()),
    acksSent: () => 0,
    close: () => {
      closing = true
      for (const r of rooms) r.connection.close()
    },
  }
}
