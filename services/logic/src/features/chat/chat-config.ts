import { z } from 'zod'

/** The `chat` section of logic's configuration (docs/writing-a-feature.md, "Chat"). */
export const chatConfigSchema = z
  .strictObject({
    /** Longest chat line, in characters (code points) after normalisation. */
    maxLength: z.number().int().min(1).max(4000).default(200),
    /** Lines a player may send per second, sustained (token bucket refill). */
    ratePerSec: z.number().positive().default(2),
    /** Lines a player may send in a burst (bucket size). */
    burst: z.number().int().min(1).default(5),
    /** Recent lines a channel keeps and hands to a joining player. */
    historySize: z.number().int().min(0).max(1000).default(20),
    /** Member cap of a named channel when its creator asks for none (and the most it may ask for). */
    maxMembers: z.number().int().min(1).default(500),
    /** Named channels one player may be a member of at once. */
    maxChannelsPerPlayer: z.number().int().min(1).default(20),
    /** Private messages kept for one offline player; beyond it new ones are refused. */
    maxMailPerPlayer: z.number().int().min(1).default(200),
  })
  .prefault({})

export type ChatConfig = z.output<typeof chatConfigSchema>
