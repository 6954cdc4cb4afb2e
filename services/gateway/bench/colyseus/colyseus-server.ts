// Child process of the cluster echo bench: Colyseus (0.16, the last line
// that runs on Node 20) answering in one room, the framework's own way:
// the room's onMessage('echo') handler sends the message back to its
// client. One process, WebSocket transport, no state schema (nothing to
// patch), so the figure is the framework's per-message path.
//   colyseus-server.ts <port>
// IPC: sends {port} once listening; 'exit' exits.
import { type Client, Room, Server } from '@colyseus/core'
import { WebSocketTransport } from '@colyseus/ws-transport'

class EchoRoom extends Room {
  override onCreate(): void {
    this.onMessage('echo', (client: Client, message: unknown) => client.send('echo', message))
  }
}

const port = Number(process.argv[2])
const server = new Server({ transport: new WebSocketTransport({ perMessageDeflate: false }), greet: false })
server.define('echo', EchoRoom)
await server.listen(port, '127.0.0.1')
process.on('message', (m: string) => {
  if (m === 'exit') process.exit(0)
})
process.send!({ port })
