import { describe, expect, it } from 'vitest'
import { runCli } from './cli.js'

function io() {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err }
}

const login = ['--login', 'http://127.0.0.1:1']

describe('tessera-bots flags', () => {
  it.each([
    [[], /login/],
    [['--login', 'ftp://x'], /--login must be an http/],
    [[...login, '--bots', '0'], /--bots must be a whole number/],
    [[...login, '--bots', '1.5'], /--bots must be a whole number/],
    [[...login, '--duration', '0'], /--duration must be a whole number/],
    [[...login, '--processes', '0'], /--processes must be a whole number/],
    [[...login, '--rounds', '-1'], /--rounds must be a whole number >= 0/],
    [[...login, '--ramp-per-s', '0'], /--ramp-per-s must be > 0/],
    [[...login, '--stack', 'udp'], /stack/],
    [[...login, '--scenario', 'dance'], /scenario/],
    [[...login, '--max-error-rate', '2'], /max-error-rate/],
    [[...login, '--bogus'], /bogus/],
    [[...login, '--source-ips', '127.0.0.9-2'], /ends before it starts/],
    [[...login, '--source-ips', '10.0.0.1-10.0.1.5'], /varies the last number only/],
    [[...login, '--source-ips', 'localhost'], /not an IPv4 address/],
    [[...login, '--hostile', 'teleport=3'], /--hostile wants kind=count/],
    [[...login, '--bots', '40000'], /over 18000 per process.*--processes 3/],
    [
      [...login, '--bots', '60000', '--processes', '4'],
      /need more than one source address's ports.*3 addresses/,
    ],
    [[...login, '--baseline-s', '200', '--duration', '100'], /--baseline-s must be within/],
    [[...login, '--chat-rate', '0'], /--chat-rate must be > 0/],
    [[...login, '--chat-channels', '0'], /--chat-channels must be a whole number/],
    [
      [...login, '--scenario', 'chat-heavy', '--chat-lines-per-s', '5'],
      /--chat-lines-per-s 5 is over --chat-rate 2: give --chat-exceed/,
    ],
  ])('refuses %j with exit 2 and a clear message', async (argv, msg) => {
    const t = io()
    expect(await runCli(argv as string[], t.io)).toBe(2)
    expect(t.err.join('\n')).toMatch(msg)
  })

  it('a login service that is not there fails every bot: exit 1, errors by code in the report', async () => {
    const t = io()
    // Port 1 on loopback: connection refused, quickly.
    const code = await runCli([...login, '--bots', '2', '--duration', '20', '--view', 'off'], t.io)
    expect(code).toBe(1)
    expect(t.out.join('\n')).toMatch(/players: 0\/2 played, 2 failed/)
    expect(t.out.join('\n')).toMatch(/\| CLIENT_CONNECT_FAILED \| 2 \|/)
    expect(t.err.join('\n')).toMatch(/BOTS_THRESHOLD_MISSED: threshold missed: players: 2 of 2 bots failed/)
  })

  it('--duration bounds the run: bots that never finish are cut at the deadline (BOTS_DEADLINE)', async () => {
    // A "login service" that accepts connections and never answers: every bot hangs in register.
    const net = await import('node:net')
    const sockets = new Set<import('node:net').Socket>()
    const server = net.createServer((s) => void sockets.add(s))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as import('node:net').AddressInfo).port
    try {
      const t = io()
      const t0 = Date.now()
      const code = await runCli(
        ['--login', `http://127.0.0.1:${port}`, '--bots', '3', '--duration', '2', '--view', 'off'],
        t.io,
      )
      expect(code).toBe(1)
      expect(Date.now() - t0).toBeLessThan(9_000) // the login API's own timeout is 10 s
      expect(t.out.join('\n')).toMatch(/\| BOTS_DEADLINE \| 3 \|/)
    } finally {
      for (const s of sockets) s.destroy()
      server.close()
    }
  })

  it('--processes splits the bots over child processes and merges their reports', async () => {
    const t = io()
    const code = await runCli(
      [...login, '--bots', '5', '--processes', '2', '--duration', '20', '--view', 'off'],
      t.io,
    )
    expect(code).toBe(1)
    expect(t.out.join('\n')).toMatch(/2 processes/)
    expect(t.out.join('\n')).toMatch(/players: 0\/5 played, 5 failed/)
  }, 30_000)
})
