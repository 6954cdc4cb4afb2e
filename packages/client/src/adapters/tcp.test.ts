import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { tcpSocket } from './tcp.js'

describe('tcpSocket', () => {
  it('reassembles frames split one byte at a time and refuses an oversized length before reading it', async () => {
    const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array(0)]
    const wire: number[] = []
    for (const f of frames) wire.push(0, 0, f.length >> 8, f.length & 255, ...f)
    wire.push(0x7f, 0xff, 0xff, 0xff) // 2 GiB: refused
    const srv = createServer(async (s) => {
      for (const b of wire) {
        s.write(Buffer.from([b]))
        await new Promise((r) => setImmediate(r))
      }
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const got: Uint8Array[] = []
    const reason = await new Promise<string>((resolve) => {
      tcpSocket({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, maxFrameBytes: 1024 })({
        onOpen() {},
        onMessage: (f) => got.push(f.slice()),
        onClose: resolve,
      })
    })
    srv.close()
    expect(got).toEqual(frames)
    expect(reason).toMatch(/> max 1024/)
  })

  it('connects from the given local address (bots spread over 127.0.0.2-9)', async () => {
    const srv = createServer()
    const seen = new Promise<string | undefined>((resolve) => {
      srv.once('connection', (s) => {
        resolve(s.remoteAddress)
        s.destroy()
      })
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const sock = tcpSocket({
      host: '127.0.0.1',
      port: (srv.address() as AddressInfo).port,
      localAddress: '127.0.0.7',
    })({
      onOpen() {},
      onMessage() {},
      onClose() {},
    })
    expect(await seen).toMatch(/127\.0\.0\.7$/)
    sock.close()
    srv.close()
  })
})
