import {
  createSessionCipher,
  FrameFlag,
  generateKeyPair,
  generateNonce,
  MessageCodec,
  TesseraError,
} from '@tessera/kernel'
import { fuzzRun, reportFuzz } from '@tessera/testkit'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { goldenCases } from './fixtures/golden-cases.js'
import { createRegistry, type MessageMap, messageTypes } from './index.js'

// Fuzz the whole receive path (registry + generated decoders + inflate +
// decrypt) with hostile bodies: whatever arrives, decoding either returns a
// message or throws a TesseraError with a CODEC_ code. A fixed seed, and
// bounded in runs and time so CI stays fast; FUZZ_RUNS / FUZZ_SEED make it a
// long run (docs/operations.md, "Fuzzing").
const run = fuzzRun(3000)
const params = run.long ? run.params : { ...run.params, interruptAfterTimeLimit: 8000 }

const codec = new MessageCodec<MessageMap>({ registry: createRegistry(), refuseServerOnly: true })
const ids = messageTypes.map((t) => t.msgId)

function expectCodecError(run: () => unknown): void {
  try {
    run()
  } catch (err) {
    if (!(err instanceof TesseraError) || !err.code.startsWith('CODEC_'))
      throw new Error(`decoder threw a non-codec error: ${String(err)}`, { cause: err })
  }
}

describe('codec fuzz', { timeout: run.timeoutMs }, () => {
  // On a long run every property runs all its inputs (no time cap).
  afterAll(() => reportFuzz('codec bodies, each of 4 properties', run, run.params.numRuns))

  it('random bytes under any message id only ever fail with CODEC_ errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...ids), fc.integer({ min: 0, max: 0xffffffff })),
        fc.integer({ min: 0, max: 0x0f }),
        fc.uint8Array({ maxLength: 300 }),
        (msgId, flags, body) => {
          // ENCRYPTED without a cipher and COMPRESSED garbage are covered too
          expectCodecError(() => codec.decode(flags & ~0x04, msgId, 1, body))
        },
      ),
      params,
    )
  })

  it('mutated valid bodies (flipped, cut, spliced bytes) only ever fail with CODEC_ errors', () => {
    const seeds = goldenCases.map((c) => ({ id: c.type.msgId, bytes: Buffer.from(c.type.encode(c.message)) }))
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (seed, edits) => {
          let b = Buffer.from(seed.bytes)
          for (const [at, v, op] of edits) {
            const i = b.length === 0 ? 0 : at % b.length
            if (op === 'set') b[i] = v
            else if (op === 'cut') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)])
            else b = Buffer.concat([b.subarray(0, i), Buffer.from([v]), b.subarray(i)])
          }
          // golden cases include messages with msg id 0? no: every seed is a top-level message
          expectCodecError(() => codec.decode(0, seed.id, 1, b))
          expectCodecError(() => codec.decode(FrameFlag.ERROR, seed.id, 1, b))
        },
      ),
      params,
    )
  })

  it('random sealed bodies on an encrypted session only ever fail with CODEC_ errors', () => {
    const ck = generateKeyPair()
    const sk = generateKeyPair()
    const clientNonce = generateNonce()
    const serverNonce = generateNonce()
    const server = createSessionCipher({
      role: 'server',
      keyPair: sk,
      peerPublicKey: ck.publicKey,
      clientNonce,
      serverNonce,
    })
    fc.assert(
      fc.property(
        fc.constantFrom(...ids),
        fc.uint8Array({ maxLength: 120 }),
        fc.boolean(),
        (msgId, body, compressed) => {
          const flags = FrameFlag.ENCRYPTED | (compressed ? FrameFlag.COMPRESSED : 0)
          expectCodecError(() => codec.decode(flags, msgId, 1, body, server))
        },
      ),
      { ...params, numRuns: run.long ? params.numRuns : 1000 },
    )
  })

  it('generated decoders fail with their own errors, never a stack overflow', () => {
    fc.assert(
      fc.property(fc.constantFrom(...messageTypes), fc.uint8Array({ maxLength: 300 }), (type, body) => {
        try {
          type.decode(body)
        } catch (err) {
          expect(err).toBeInstanceOf(Error)
          expect(String(err)).not.toMatch(/call stack/i)
        }
      }),
      params,
    )
  })

  it('a server-only message id is unknown to a client-facing codec', () => {
    expect(() => codec.decode(0, 1014, 0, new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'CODEC_UNKNOWN_MESSAGE' }),
    )
  })
})
