/** How an outbound message may be treated under backpressure. */
export const SendPolicy = {
  /** Responses and ordinary pushes: never dropped; over the hard cap the session is closed. */
  KEEP: 0,
  /** Broadcasts: dropped (and counted) while the backlog is above the soft cap. */
  DROPPABLE: 1,
} as const
export type SendPolicy = (typeof SendPolicy)[keyof typeof SendPolicy]
