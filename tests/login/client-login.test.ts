// @tessera/client's login flow against a real login node: over HTTP
// (fetch) and over the Tessera protocol on TCP and WebSocket, including the
// admission queue (positions pushed on the socket, polled over HTTP).
import {
  type GatewayHandoff,
  httpLoginApi,
  type LoginApi,
  LoginFlow,
  socketLoginApi,
  TesseraClient,
  webSocketSocket,
} from '@tessera/client'
import { tcpSocket } from '@tessera/client/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type LoginNode, startLoginNode } from './support/login-node.js'

const GOOD = 'correct horse battery'

describe('client SDK login flow', () => {
  let node: LoginNode
  const clients: TesseraClient[] = []
  const socketClient = async (stack: 'tcp' | 'ws') => {
    const u = new URL(node.http)
    const socket =
      stack === 'tcp'
        ? tcpSocket({ host: '127.0.0.1', port: Number(new URL(node.tcp.replace('tcp:', 'http:')).port) })
        : webSocketSocket(`ws://127.0.0.1:${u.port}/ws`, {
            WebSocket: WebSocket as unknown as NonNullable<
              Parameters<typeof webSocketSocket>[1]
            >['WebSocket'],
          })
    const c = new TesseraClient({ socket, token: '', clientKind: 'node-test', encryption: false })
    clients.push(c)
    await c.connect()
    return socketLoginApi(c)
  }

  beforeAll(async () => {
    node = await startLoginNode({
      processes: 1,
      login: { admission: { onlineCap: 2, updateMs: 100 }, limits: { register: { limit: 100 } } },
    })
  }, 90_000)
  afterAll(async () => {
    for (const c of clients) await c.close()
    await node?.stop()
  }, 60_000)

  const apis = (): [string, () => Promise<LoginApi>][] => [
    ['http', async () => httpLoginApi(node.http)],
    ['tcp', () => socketClient('tcp')],
    ['ws', () => socketClient('ws')],
  ]

  it('registers, logs in, changes the nickname and logs out over http, tcp and ws, with the server’s codes', async () => {
    const gw = node.gateways[0]!
    for (const [name, make] of apis()) {
      const api = await make()
      const reg = await api.register({ account: `sdk-${name}`, password: GOOD, nickname: `SDK ${name}` })
      expect(reg.account).toBe(`sdk-${name}`)
      await expect(api.register({ account: `sdk-${name}`, password: GOOD })).rejects.toMatchObject({
        code: 'LOGIN_ACCOUNT_TAKEN',
      })
      await expect(api.login({ account: `sdk-${name}`, password: 'not my password' })).rejects.toMatchObject({
        code: 'LOGIN_BAD_CREDENTIALS',
      })
      const flow = new LoginFlow(api)
      const me = await flow.login(`sdk-${name}`, GOOD)
      expect(me.userId).toBe(reg.userId)
      expect(me.handoff.gatewayServiceId).toBe(7)
      expect(me.handoff.expiresAtMs).toBeTypeOf('bigint')
      const ok = await gw.redeem(me.handoff.token)
      expect(ok.userId).toBe(reg.userId)
      expect(await api.changeNickname({ sessionToken: me.sessionToken, nickname: 'Ünïcode ✓' })).toBe(
        'Ünïcode ✓',
      )
      await api.logout(me.sessionToken)
      await gw.offline([{ userId: ok.userId, loginEpoch: ok.loginEpoch }])
      await expect(api.logout(me.sessionToken)).rejects.toMatchObject({ code: 'LOGIN_BAD_SESSION' })
    }
  })

  it('waits in the queue: positions pushed over tcp, polled over http, admitted in order', async () => {
    const gw = node.gateways[0]!
    const http = httpLoginApi(node.http)
    for (const n of ['q-a', 'q-b', 'q-c', 'q-d']) await http.register({ account: n, password: GOOD })
    const online = []
    for (const n of ['q-a', 'q-b']) {
      const me = await new LoginFlow(http).login(n, GOOD)
      online.push(await gw.redeem(me.handoff.token))
    }
    const overTcp = new LoginFlow(await socketClient('tcp'))
    const overHttp = new LoginFlow(http, { pollMs: 100 })
    const seen: string[] = []
    overTcp.on('queue', (e) => seen.push(`tcp@${e.position}`))
    overHttp.on('queue', (e) => seen.push(`http@${e.position}`))
    const admitted: string[] = []
    const c = overTcp.login('q-c', GOOD).then((me) => {
      admitted.push('q-c')
      return me.handoff
    })
    await expect.poll(() => seen).toEqual(['tcp@1'])
    const d = overHttp.login('q-d', GOOD).then((me) => {
      admitted.push('q-d')
      return me.handoff
    })
    await expect.poll(() => seen).toEqual(['tcp@1', 'http@2'])

    const leave = async (s: { userId: bigint; loginEpoch: bigint }) => gw.offline([s])
    await leave(online[0]!)
    const hc: GatewayHandoff = await c
    expect(admitted).toEqual(['q-c'])
    await gw.redeem(hc.token)
    await expect.poll(() => seen).toEqual(['tcp@1', 'http@2', 'http@1'])
    await leave(online[1]!)
    const hd = await d
    expect(admitted).toEqual(['q-c', 'q-d'])
    await expect(gw.redeem(hd.token)).resolves.toMatchObject({ account: 'q-d' })
  })

  it('cancel() gives the place up', async () => {
    const http = httpLoginApi(node.http)
    await http.register({ account: 'q-e', password: GOOD })
    const flow = new LoginFlow(http, { pollMs: 100 })
    const positions: number[] = []
    flow.on('queue', (e) => positions.push(e.position))
    const outcome = flow.login('q-e', GOOD).catch((e: unknown) => e)
    await expect.poll(() => positions.length).toBe(1)
    await flow.cancel()
    expect(await outcome).toMatchObject({ code: 'CLIENT_CLOSED' })
  })
})
