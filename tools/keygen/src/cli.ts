#!/usr/bin/env node
// tessera-keygen: secrets for a deployment, written 0600.
//
//   tessera-keygen cluster-secret --out secrets/cluster.secret
//   tessera-keygen token-key --bytes 48 --out secrets/token.key
//   tessera-keygen password --length 32 --alphabet printable --out secrets/mysql.password
//   tessera-keygen password --chars 'abcdefghjkmnpqrstuvwxyz23456789' --length 12 --json
//   tessera-keygen ed25519 --out secrets/handshake-signing.pem   (prints the public key clients pin)
//   tessera-keygen ed25519 --public-of secrets/handshake-signing.pem
//
// Without --out the secret goes to stdout (for a pipe); with --out, only the
// file name does. An existing file is never replaced without --force.
// Exit status: 0 done, 1 failed (the error code is printed), 2 bad usage.
import { type CliIo, isMain, runTool, stdio } from '@tessera/cli-kit'
import type { Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { generateSecret, type SecretKind } from './generate-secret.js'
import { ALPHABETS } from './random-string.js'
import { generateSigningKey, readSigningKey } from './signing-key.js'
import { writeSecretFile } from './write-secret-file.js'

function common<T>(y: Argv<T>) {
  return y
    .option('out', {
      type: 'string',
      describe: 'write the secret to this file (mode 0600) instead of stdout',
    })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing --out file' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' })
}

/** Run the CLI; resolves to the exit status. */
export function runCli(argv: readonly string[], io: CliIo = stdio): Promise<number> {
  const emit = (
    kind: SecretKind,
    a: { out?: string; force: boolean; json: boolean },
    req: Parameters<typeof generateSecret>[0],
  ) => {
    const s = generateSecret(req)
    if (a.out !== undefined) writeSecretFile(a.out, s.value, { force: a.force })
    if (a.json) {
      const o: Record<string, unknown> = { kind, bits: s.bits, recipe: s.recipe }
      if (a.out === undefined) o.value = s.value
      else o.file = a.out
      io.out(JSON.stringify(o))
    } else io.out(a.out ?? s.value)
    if (a.out !== undefined && !a.json)
      io.err(`${kind}: ${s.recipe}, ${s.bits} bits, written to ${a.out} (0600)`)
  }
  const bytes = (def: number) =>
    ({ type: 'number', default: def, describe: 'random bytes (base64url-encoded)' }) as const
  return runTool('tessera-keygen', argv, io, (y) =>
    y
      .command(
        'cluster-secret',
        'shared secret of the cluster links (TESSERA_CLUSTER__SECRET)',
        (y) => common(y).option('bytes', bytes(32)),
        (a) => emit('cluster-secret', a, { kind: 'cluster-secret', bytes: a.bytes }),
      )
      .command(
        'token-key',
        'HMAC key of the login tokens',
        (y) => common(y).option('bytes', bytes(32)),
        (a) => emit('token-key', a, { kind: 'token-key', bytes: a.bytes }),
      )
      .command(
        'password',
        'a password drawn uniformly from an alphabet',
        (y) =>
          common(y)
            .option('length', { type: 'number', default: 24 })
            .option('alphabet', {
              type: 'string',
              describe: `named alphabet: ${Object.keys(ALPHABETS).join(', ')} (default alnum)`,
            })
            .option('chars', { type: 'string', describe: 'literal characters to draw from' })
            .conflicts('alphabet', 'chars'),
        (a) =>
          emit('password', a, { kind: 'password', length: a.length, alphabet: a.alphabet, chars: a.chars }),
      )
      .command(
        'ed25519',
        'handshake signing key: the PEM private key for the server, the public key (hex) clients pin',
        (y) =>
          common(y).option('public-of', {
            type: 'string',
            describe: 'print the public key of this existing PEM key instead of making one',
          }),
        (a) => {
          const k = a.publicOf !== undefined ? readSigningKey(a.publicOf) : generateSigningKey()
          if (a.publicOf === undefined && a.out !== undefined)
            writeSecretFile(a.out, k.privatePem, { force: a.force })
          if (a.json) {
            const o: Record<string, unknown> = { kind: 'ed25519', publicKey: k.publicHex, keyId: k.keyId }
            if (a.publicOf === undefined) {
              if (a.out === undefined) o.privateKey = k.privatePem
              else o.file = a.out
            }
            io.out(JSON.stringify(o))
            return
          }
          if (a.publicOf === undefined && a.out === undefined) io.out(k.privatePem)
          io.out(`public ${k.publicHex}`)
          io.err(
            `ed25519: key id ${k.keyId}${a.out && a.publicOf === undefined ? `, private key written to ${a.out} (0600)` : ''}; pin the public key in clients (serverKeys)`,
          )
        },
      )
      .demandCommand(1),
  )
}

if (isMain(import.meta.url)) process.exitCode = await runCli(hideBin(process.argv))
