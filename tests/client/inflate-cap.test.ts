// The SDK's inflate cap (packages/client/src/compress.ts): a compressed
// frame from the server that would inflate past the client's
// maxInflatedBytes is refused (the link fails with the reason) instead of
// being expanded in memory — a small deflate bomb goes all the way to the
// client here, from a real edge server that compresses its replies.
import { Echo } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { clientFor, until } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'

describe('client inflate cap', () => {
  let srv: TestServer | null = null
  afterEach(async () => {
    await srv?.close()
    srv = null
  })

  for (const transport of ['tcp', 'ws'] as const) {
    it(`refuses a compressed reply that inflates past maxInflatedBytes (${transport})`, async () => {
      srv = await startTestServer({ compression: { threshold: 64 } })
      // 64 KiB of one letter deflates to a few hundred bytes.
      const text = 'x'.repeat(64 * 1024)
      const ok = clientFor(srv, transport, { maxInflatedBytes: 1024 * 1024 })
      await ok.connect()
      expect((await ok.request(Echo, { text, seq: 1 }, { response: Echo })).text).toBe(text)
      await ok.close()

      const capped = clientFor(srv, transport, {
        maxInflatedBytes: 16 * 1024,
        reconnect: false,
      })
      const reasons: string[] = []
      capped.on('close', (e) => reasons.push(String(e.error?.message ?? '')))
      await capped.connect()
      const answer = capped.request(Echo, { text, seq: 2 }, { response: Echo, timeoutMs: 10_000 }).then(
        (m) => `answered with ${m.text.length} bytes`,
        (err: Error) => `refused: ${err.message}`,
      )
      await until(() => reasons.length > 0, 10_000, 'the client closes')
      expect(reasons.join('\n')).toMatch(/inflates past 16384 bytes/)
      expect(await answer).toMatch(/^refused/)
      await capped.close()
    })
  }
})
