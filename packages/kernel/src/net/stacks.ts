import { AutoStack } from './auto/auto-stack.js'
import { NetUnknownStack } from './errors.js'
import { HttpStack } from './http/http-stack.js'
import type { Stack } from './stack.js'
import { TcpStack } from './tcp/tcp-stack.js'
import { AutoTlsStack, HttpsStack, TlsStack, WssStack } from './tls/tls-stacks.js'
import { WsStack } from './ws/ws-stack.js'

/** Stacks by URL scheme. A new stack is one more entry here; sessions never change. */
export type StackRegistry = ReadonlyMap<string, Stack>

export function defaultStacks(): StackRegistry {
  const list: Stack[] = [
    new TcpStack(),
    new WsStack(),
    new HttpStack(),
    new AutoStack(),
    new TlsStack(),
    new WssStack(),
    new HttpsStack(),
    new AutoTlsStack(),
  ]
  return new Map(list.map((s) => [s.name, s]))
}

export function getStack(stacks: StackRegistry, name: string): Stack {
  const s = stacks.get(name)
  if (s === undefined) throw new NetUnknownStack(name)
  return s
}
