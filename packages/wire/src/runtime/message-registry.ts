import type { MessageType } from './message-type.js'

/** msgId → message type, built once from the generated list. */
export class MessageRegistry {
  private readonly byId = new Map<number, MessageType>()
  private readonly byName = new Map<string, MessageType>()

  /**
   * @param types every message with a msg id
   * @param errorReply the type of every ERROR frame's body
   */
  constructor(
    types: readonly MessageType[],
    readonly errorReply: MessageType,
  ) {
    for (const t of types) {
      if (t.msgId <= 0) throw new Error(`message ${t.name} has no msg id`)
      const prev = this.byId.get(t.msgId)
      if (prev) throw new Error(`msg id ${t.msgId} used by both ${prev.name} and ${t.name}`)
      this.byId.set(t.msgId, t)
      this.byName.set(t.name, t)
    }
  }

  get(msgId: number): MessageType | undefined {
    return this.byId.get(msgId)
  }

  /** By fully qualified proto name, e.g. `game.Echo`. */
  named(name: string): MessageType | undefined {
    return this.byName.get(name)
  }

  /** Every registered type, ordered by msg id. */
  list(): MessageType[] {
    return [...this.byId.values()].sort((a, b) => a.msgId - b.msgId)
  }
}
