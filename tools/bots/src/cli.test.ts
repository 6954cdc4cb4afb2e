import { describe, expect, it } from 'vitest'
import { runCli } from './cli.js'

function io() {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err }
}

describe('tessera-bots flags', () => {
  it.each([
    [[], /login/],
    [['--login', 'ftp://x'], /--login must be an http/],
    [['--login', 'http://127.0.0.1:1', '--bots', '0'], /--bots must be a whole number/],
    [['--login', 'http://127.0.0.1:1', '--stack', 'udp'], /stack/],
    [['--login', 'http://127.0.0.1:1', '--max-error-rate', '2'], /max-error-rate/],
    [['--login', 'http://127.0.0.1:1', '--bogus'], /bogus/],
  ])('refuses %j with exit 2 and a clear message', async (argv, msg) => {
    const t = io()
    expect(await runCli(argv as string[], t.io)).toBe(2)
    expect(t.err.join('\n')).toMatch(msg)
  })

  it('a login service that is not there fails every bot: exit 1, errors by code in the report', async () => {
    const t = io()
    // Port 1 on loopback: connection refused, quickly.
    const code = await runCli(['--login', 'http://127.0.0.1:1', '--bots', '2', '--duration', '20'], t.io)
    expect(code).toBe(1)
    expect(t.out.join('\n')).toMatch(/0\/2 played, 2 failed/)
    expect(t.err.join('\n')).toMatch(/BOTS_THRESHOLD_MISSED: threshold missed: 2 of 2 bots failed/)
  })
})
