// A real center and a real Application member, both reading the cluster
// secret from a file (center.secretFile, cluster.secretFile), rotate to a
// new secret on SIGHUP (a real signal to this process, which holds both),
// neither restarted: the member stays registered and linked throughout, a
// newcomer with the new secret gets in, and one with only the old secret is
// refused once the old one is dropped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Application, appConfigSchema, createLogger, TcpClusterTransport } from '@tessera/kernel'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { centerConfigSchema } from './config.js'
import { type CenterHandle, dropDatabases, startCenter, startService } from './fixtures/harness.js'

const OLD = 'the-old-cluster-secret-0123456789'
const NEW = 'the-new-cluster-secret-9876543210'

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})
afterAll(dropDatabases)

async function until(cond: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Whether a fresh dialer holding only `secret` gets a link to `address`. */
async function admits(address: string, secret: string): Promise<boolean> {
  const t = new TcpClusterTransport({
    identity: { kind: 'probe', serviceId: 900, node: 'probe' },
    secret,
    dialTimeoutMs: 3000,
  })
  t.bind({ onLinkUp() {}, onLinkDown() {}, onFrame() {} })
  try {
    const link = await t.dial(address)
    await link.close()
    return true
  } catch (err) {
    if ((err as { code?: string }).code !== 'CLUSTER_AUTH_FAILED') throw err
    return false
  } finally {
    await t.close()
  }
}

describe('center config: the cluster secret keys', () => {
  const issues = (center: object) => {
    const r = centerConfigSchema.safeParse({ center })
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  }
  it.each([
    ['no secret at all', {}, ['center.secret: center.secret (or center.secretFile) is required']],
    [
      'a secretFile beside a secret',
      { secret: OLD, secretFile: '/s' },
      ['center.secretFile: give the secrets in secretFile or in secret/acceptSecrets, not both'],
    ],
    ['a secret', { secret: OLD }, []],
    ['a secret and one more accepted', { secret: NEW, acceptSecrets: [OLD] }, []],
    ['a secretFile', { secretFile: '/etc/tessera/center.secrets' }, []],
  ])('%s', (_name, center, want) => {
    expect(issues(center)).toEqual(want)
  })
})

describe('cluster secret files', () => {
  it('a center and a member rotate old → old+new → new+old → new on SIGHUP, no restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-secret-reload-'))
    closers.push(() => rmSync(dir, { recursive: true, force: true }))
    const centerFile = join(dir, 'center.secrets')
    const memberFile = join(dir, 'member.secrets')
    const write = (secrets: string[]) => {
      for (const f of [centerFile, memberFile]) writeFileSync(f, `${secrets.join('\n')}\n`, { mode: 0o600 })
    }
    write([OLD])
    const c: CenterHandle = await startCenter({ center: { secret: undefined, secretFile: centerFile } })
    closers.push(() => c.close())
    const member = new Application({
      name: 'rotating',
      config: appConfigSchema.parse({
        app: { node: 'node-rot', dataDir: join(dir, 'data') },
        log: { level: 'silent', pretty: false },
        cluster: { center: c.address, secretFile: memberFile },
      }),
      services: () => [{ kind: 'logic', id: 42, components: [] }],
      log: createLogger({ level: 'silent', pretty: false }),
      exit: () => {},
    })
    await member.start()
    closers.push(() => member.stop())
    const memberAddress = member.services[0]!.member!.info.addresses[0]!
    const registered = () => c.registry.list().some((s) => s.serviceId === 42)
    expect(registered()).toBe(true)
    expect(await admits(c.address, NEW)).toBe(false)

    const step = async (secrets: string[]) => {
      write(secrets)
      process.kill(process.pid, 'SIGHUP')
      await until(
        async () => (await admits(c.address, NEW)) && (await admits(memberAddress, NEW)),
        `both take the new secret after ${secrets.length} line(s)`,
      )
      expect(registered()).toBe(true)
    }
    await step([OLD, NEW])
    expect(await admits(c.address, OLD)).toBe(true)
    await step([NEW, OLD])
    await step([NEW])
    await until(
      async () => !(await admits(c.address, OLD)) && !(await admits(memberAddress, OLD)),
      'both refuse the old secret',
    )
    await expect(startService('logic', 66, c.address, { secret: OLD })).rejects.toMatchObject({
      code: 'CLUSTER_AUTH_FAILED',
    })
    const newcomer = await startService('logic', 67, c.address, { secret: NEW })
    closers.push(() => newcomer.close())
    expect(registered()).toBe(true)
    expect(c.registry.list().some((s) => s.serviceId === 67)).toBe(true)
  })
})
