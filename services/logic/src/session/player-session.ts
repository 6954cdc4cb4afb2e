import type { Link } from '@tessera/kernel'
import { ReplayBuffer, type Sequenced } from '@tessera/protocol'
import type { PlayerRow } from '../player/index.js'
import type { PlayerContext } from './session-home.js'

export type PlayerSessionState = 'live' | 'lingering' | 'released'

/**
 * A player's sequenced session, held by the logic that owns the player (not
 * by a gateway, so it survives a gateway process being killed): client game
 * frames received (the inbound count), the outbound sequence with the frames
 * the client has not acknowledged, and the current resume token. The gateway
 * connection it is attached to is (gatewayId, connId) over `link`.
 */
export class PlayerSession {
  readonly id: string
  readonly userId: bigint
  nickname: string
  /** The account's login epoch (from login's hand-off), reported by gateways to login. */
  loginEpoch: bigint
  resumeToken: string
  /** Ownership epoch of the current binding; frames of older bindings are refused. */
  epoch: bigint
  state: PlayerSessionState = 'live'
  player: PlayerRow
  gatewayId = 0
  connId = 0
  link: Link | null = null
  /** Client game frames received (the implicit client -> server sequence). */
  inSeq = 0
  ackedIn = 0
  readonly out = new ReplayBuffer()
  /** Messages of one session are handled one at a time, in arrival order. */
  chain: Promise<void> = Promise.resolve()
  lingerTimer: NodeJS.Timeout | null = null
  ackTimer: NodeJS.Timeout | null = null
  /**
   * The logic this session is being handed to (a shard move), or null: the
   * `left` hooks see it and keep what moves with the player (e.g. chat
   * channels) in {@link carried} instead of ending it.
   */
  movingTo: number | null = null
  /** Aborted when the session starts moving: handlers waiting on something else give up. */
  readonly moving = new AbortController()
  /** Feature state that moves with the session (SessionImage.carried), by feature key. */
  readonly carried = new Map<string, Uint8Array>()
  /**
   * When the session ended for good while its connection was down (the
   * resume grace ran out, or a fresh login replaced it; not a move, not a
   * Goodbye): the messages pushed to it that the client never acknowledged,
   * oldest first. The client may have got some (its Ack was still due); the
   * rest never reached it. The `left`
   * hooks read it to keep what must not be lost (e.g. private chat goes
   * back to the mailbox, same message id).
   */
  unacknowledged: readonly Sequenced[] = []
  /** @internal the handlers' context, kept by SessionHome while the row is the same. */
  context: PlayerContext | null = null

  constructor(
    id: string,
    userId: bigint,
    nickname: string,
    loginEpoch: bigint,
    resumeToken: string,
    epoch: bigint,
    player: PlayerRow,
  ) {
    this.id = id
    this.userId = userId
    this.nickname = nickname
    this.loginEpoch = loginEpoch
    this.resumeToken = resumeToken
    this.epoch = epoch
    this.player = player
  }

  /** True when a frame from this gateway connection belongs to the current binding. */
  isBoundTo(epoch: bigint, gatewayId: number, connId: number): boolean {
    return (
      this.state === 'live' && this.epoch === epoch && this.gatewayId === gatewayId && this.connId === connId
    )
  }

  /** False when frames after `lastReceived` are no longer held. */
  canResumeFrom(lastReceived: number): boolean {
    return lastReceived <= this.out.lastSeq && lastReceived + 1 >= this.out.firstSeq
  }

  attach(gatewayId: number, connId: number, link: Link, epoch: bigint): void {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer)
    this.lingerTimer = null
    this.gatewayId = gatewayId
    this.connId = connId
    this.link = link
    this.epoch = epoch
    this.state = 'live'
  }

  detach(): void {
    this.link = null
    this.connId = 0
    if (this.ackTimer !== null) clearTimeout(this.ackTimer)
    this.ackTimer = null
    if (this.state === 'live') this.state = 'lingering'
  }

  dispose(): void {
    // Only a session whose connection had dropped (no Goodbye): a client that
    // closed on purpose had what reached it, and its Ack may simply be due.
    if (this.state === 'lingering' && this.movingTo === null && this.out.size > 0)
      this.unacknowledged = this.out.after(this.out.firstSeq - 1)
    this.detach()
    this.state = 'released'
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer)
    this.lingerTimer = null
    this.out.clear()
  }
}
