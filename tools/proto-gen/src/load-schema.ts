import { readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import pb from 'protobufjs'
import { ProtoGenError } from './errors.js'

/** Every .proto file under `dir`, relative and sorted so output never depends on readdir order. */
export function listProtoFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name
      if (statSync(path.join(dir, r)).isDirectory()) walk(r)
      else if (name.endsWith('.proto')) out.push(r)
    }
  }
  walk('')
  return out.sort()
}

/**
 * Parse every file under `protoDir` into one resolved protobufjs Root.
 * `google/protobuf/*` imports come from the copies protobufjs ships, so
 * the generator needs no protoc.
 */
export function loadSchema(protoDir: string): { root: pb.Root; files: string[] } {
  const files = listProtoFiles(protoDir)
  if (files.length === 0) throw new ProtoGenError(`no .proto files under ${protoDir}`)
  const pbDir = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'))
  const root = new pb.Root()
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? path.join(pbDir, target) : path.join(protoDir, target)
  try {
    root.loadSync(files, { keepCase: true, alternateCommentMode: true })
    root.resolveAll()
  } catch (err) {
    throw new ProtoGenError(`cannot parse proto/: ${(err as Error).message}`)
  }
  return { root, files }
}
