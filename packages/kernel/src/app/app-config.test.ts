// The cluster secret keys of the application config: a secret or a
// secretFile with cluster.center, never a file beside inline secrets, at
// most 3 more accepted, and acceptSecrets from the environment as a JSON list.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config/index.js'
import { createLogger } from '../log/index.js'
import { appConfigSchema } from './app-config.js'
import { Application } from './application.js'

const A = 'cluster-secret-a-0123456789'
const B = 'cluster-secret-b-0123456789'

function issues(cluster: object): string[] {
  const r = appConfigSchema.safeParse({ cluster })
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('app config: cluster secrets', () => {
  it.each([
    [
      'a center without any secret',
      { center: 'h:1' },
      ['cluster.secret: cluster.secret (or cluster.secretFile) is required when cluster.center is set'],
    ],
    [
      'a secretFile beside a secret',
      { secret: A, secretFile: '/s' },
      ['cluster.secretFile: give the secrets in secretFile or in secret/acceptSecrets, not both'],
    ],
    [
      'a secretFile beside acceptSecrets',
      { acceptSecrets: [B], secretFile: '/s' },
      ['cluster.secretFile: give the secrets in secretFile or in secret/acceptSecrets, not both'],
    ],
    [
      'four more accepted secrets',
      { secret: A, acceptSecrets: [B, `${B}1`, `${B}2`, `${B}3`] },
      ['cluster.acceptSecrets: Too big: expected array to have <=3 items'],
    ],
    [
      'a short accepted secret',
      { secret: A, acceptSecrets: ['short'] },
      ['cluster.acceptSecrets.0: Too small: expected string to have >=16 characters'],
    ],
  ])('refuses %s', (_name, cluster, want) => {
    expect(issues(cluster)).toEqual(want)
  })

  it.each([
    ['a center with a secret', { center: 'h:1', secret: A }],
    ['a center with a secretFile', { center: 'h:1', secretFile: '/etc/tessera/cluster.secrets' }],
    ['a secret with accepted ones', { center: 'h:1', secret: A, acceptSecrets: [B] }],
  ])('takes %s', (_name, cluster) => {
    expect(issues(cluster)).toEqual([])
  })

  it('reads acceptSecrets from the environment as a JSON list', () => {
    const { value } = loadConfig({
      schema: appConfigSchema,
      argv: [],
      env: { TESSERA_CLUSTER__SECRET: A, TESSERA_CLUSTER__ACCEPT_SECRETS: JSON.stringify([B]) },
    })
    expect(value.cluster).toMatchObject({ secret: A, acceptSecrets: [B] })
  })
})

describe('Application with a cluster secretFile', () => {
  it('stops listening for SIGHUP when the start fails at the machine-id lease', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-app-secrets-'))
    try {
      const secretFile = join(dir, 'cluster.secrets')
      writeFileSync(secretFile, `${A}\n`, { mode: 0o600 })
      // A port that was just free: nothing answers there.
      const srv = createServer()
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
      const port = (srv.address() as { port: number }).port
      await new Promise((r) => srv.close(r))
      const before = process.listenerCount('SIGHUP')
      const app = new Application({
        name: 'no-center',
        config: appConfigSchema.parse({
          app: { dataDir: join(dir, 'data') },
          cluster: { center: `127.0.0.1:${port}`, secretFile, requestTimeoutMs: 500 },
        }),
        services: () => [{ kind: 'logic', id: 1, components: [] }],
        log: createLogger({ level: 'silent', pretty: false }),
        exit: () => {},
      })
      await expect(app.start()).rejects.toMatchObject({ code: expect.stringMatching(/^CLUSTER_/) })
      expect(process.listenerCount('SIGHUP')).toBe(before)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
