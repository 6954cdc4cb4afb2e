import { type TesseraClient, TesseraClientError } from '@tessera/client'
import { defineError, MemoryLogger } from '@tessera/kernel'
import { ProfileGet, ProfileGetRes, WireError } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientFor } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'

// One error policy at the edge: a handler's error reaches the client with
// its code and message only when it is defined for clients; anything else is
// a generic WIRE_INTERNAL, and its detail goes to the server's log.

const SECRET = "SELECT * FROM accounts WHERE password = 'hunter2'"
const QueryFailed = defineError<[string]>('TEST_QUERY_FAILED', 'query failed: %s')
const NameTaken = defineError<[string]>('TEST_NAME_TAKEN', 'the name %s is taken', { client: true })

let srv: TestServer
let client: TesseraClient
const logger = new MemoryLogger()

beforeAll(async () => {
  srv = await startTestServer({ logger })
  srv.edge.route(
    ProfileGet,
    (m) => {
      if (m.userId === 1n) throw new Error(SECRET)
      if (m.userId === 2n) throw new QueryFailed(SECRET)
      if (m.userId === 3n) throw new NameTaken('alice')
      return ProfileGetRes.create({})
    },
    ProfileGetRes,
  )
  client = clientFor(srv, 'tcp')
  await client.connect()
})
afterAll(async () => {
  await client.close()
  await srv.close()
})

async function failure(userId: bigint): Promise<TesseraClientError> {
  const err = await client.request(ProfileGet, { userId }, { response: ProfileGetRes }).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TesseraClientError)
  return err as TesseraClientError
}

describe('edge error policy', () => {
  it('answers a thrown non-Tessera error with WIRE_INTERNAL and logs its detail on the server', async () => {
    const err = await failure(1n)
    expect([err.code, err.wireCode, err.message]).toEqual([
      'WIRE_INTERNAL',
      WireError.WIRE_INTERNAL,
      'internal error',
    ])
    const logged = logger.lines.find(
      (l) => l.msg === 'edge handler failed' && String((l.obj as { err?: Error }).err?.message) === SECRET,
    )
    expect(logged?.level).toBe('error')
  })

  it('hides a TesseraError not defined for clients the same way (code and message stay on the server)', async () => {
    const err = await failure(2n)
    expect([err.code, err.wireCode, err.message]).toEqual([
      'WIRE_INTERNAL',
      WireError.WIRE_INTERNAL,
      'internal error',
    ])
    expect(JSON.stringify(err)).not.toContain('hunter2')
    expect(logger.lines.some((l) => QueryFailed.is((l.obj as { err?: unknown }).err))).toBe(true)
  })

  it('passes a client-visible typed error through as WIRE_REJECTED with its code and message', async () => {
    const err = await failure(3n)
    expect([err.code, err.wireCode, err.message]).toEqual([
      'TEST_NAME_TAKEN',
      WireError.WIRE_REJECTED,
      'the name alice is taken',
    ])
    // A refusal meant for the player is not a server fault: nothing logged at error level for it.
    expect(logger.lines.some((l) => NameTaken.is((l.obj as { err?: unknown }).err))).toBe(false)
  })

  it('keeps the session serving after each failure', async () => {
    expect(await client.request(ProfileGet, { userId: 4n }, { response: ProfileGetRes })).toBeDefined()
  })
})
