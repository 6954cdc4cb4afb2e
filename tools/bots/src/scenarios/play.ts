// `play`: what a player does in a session, each round: log in (through the
// admission queue), hand off to the gateway, the round's steps, log out.
// Every answer is checked; a wrong one is BOTS_CHECK_FAILED naming the bot.
// A step is one function of the round's state, so a feature's step (chat)
// is one more entry in `playSteps`.
import { randomBytes } from 'node:crypto'
import { Echo, Gender, ProfileGet, ProfileGetRes, ProfileSet, ProfileSetRes } from '@tessera/protocol'
import { type BotContext, check, type GameSession, Player, pause } from './bot-context.js'
import { BotChat, channelChat, privateChat, worldChat } from './chat-steps.js'
import { sessionRounds } from './rounds.js'
import type { Scenario } from './scenario.js'

/** What a round's steps share. */
export interface RoundState {
  bot: BotContext
  player: Player
  session: GameSession
  /** Mottos the server may hold: the last acknowledged one, plus one whose answer was lost. */
  mottos: Set<string>
  /** The bot's rounds so far (0 = the first). */
  round: number
  /** Chat state kept across rounds (pacing, the pen pal). */
  chat: BotChat
}

export type PlayStep = (s: RoundState) => Promise<void>

/** Profile: read (the change of the last round came back after the re-login), change, read the answer. */
export const profileStep: PlayStep = async (s) => {
  const { session, bot } = s
  const before = await session.request('profile.get', ProfileGet, { userId: 0n }, ProfileGetRes)
  check(
    bot,
    before.profile?.userId === session.login.userId,
    `profile.get answered for user ${before.profile?.userId}, not ${session.login.userId}`,
  )
  const got = before.profile?.motto ?? ''
  check(
    bot,
    s.mottos.has(got),
    `after log-in the motto is ${JSON.stringify(got)}, expected one of ${JSON.stringify([...s.mottos])}`,
  )
  s.mottos = new Set([got])
  const motto = `motto ${randomBytes(6).toString('hex')}`
  s.mottos.add(motto) // in flight: if the answer is lost, either may hold
  const set = await session.request(
    'profile.set',
    ProfileSet,
    { motto, gender: Gender.GENDER_OTHER },
    ProfileSetRes,
  )
  check(bot, set.profile?.motto === motto, `profile.set answered motto ${JSON.stringify(set.profile?.motto)}`)
  s.mottos = new Set([motto])
}

/** A few echoes, one after the other: the plain round trip through gateway and logic. */
export const echoStep: PlayStep = async (s) => {
  const { session, bot } = s
  for (let i = 0; i < 3; i++) {
    const text = `${bot.name}-plain-${i}`
    const r = await session.request('echo', Echo, { text, seq: i, sentAtMs: BigInt(Date.now()) }, Echo)
    check(bot, r.text === text && r.seq === i, `echo ${i} came back as ${JSON.stringify(r.text)} #${r.seq}`)
  }
}

/**
 * Echoes in flight while the socket is cut under the client: it reconnects
 * and resumes, and every answer arrives once, in order.
 */
export const echoAcrossResumeStep: PlayStep = async (s) => {
  const { session, bot } = s
  const n = 8
  const order: number[] = []
  const answers: Promise<void>[] = []
  for (let i = 0; i < n; i++) {
    const text = `${bot.name}-${i}`
    answers.push(
      session.request('echo.resume', Echo, { text, seq: i, sentAtMs: BigInt(Date.now()) }, Echo).then((r) => {
        check(
          bot,
          r.text === text && r.seq === i,
          `echo ${i} came back as ${JSON.stringify(r.text)} #${r.seq}`,
        )
        order.push(r.seq)
      }),
    )
    if (i === n / 2) session.drop()
  }
  await Promise.all(answers)
  check(
    bot,
    order.every((v, i) => v === i),
    `echo answers out of order across a resume: ${order.join(',')}`,
  )
  session.checkSequence()
}

/** Chat in the world channel (some rounds) and the bot's named channel; private messages once. */
export const chatStep: PlayStep = async (s) => {
  await worldChat(s.bot, s.chat, s.session, s.round)
  await channelChat(s.bot, s.chat, s.session)
  await privateChat(s.bot, s.chat, s.session)
}

/** Idle a while (heartbeats only), as players do. */
export const idleStep: PlayStep = (s) => pause(Math.random() * s.bot.options.idleMs, s.bot.stop)

/** The round's steps, in order. */
export const playSteps: PlayStep[] = [profileStep, echoStep, echoAcrossResumeStep, chatStep, idleStep]

export const play: Scenario = {
  name: 'play',
  summary:
    'register; each round: log in, profile read/change, echoes, echoes across a cut socket (resume), chat (world, a channel, private to a pen pal), idle, log out',
  roles: (bots) => Array.from({ length: bots }, () => ({ group: 'players', run: playBot })),
}

/** One polite player for its rounds (also the polite side of `hostile`). */
export async function playBot(bot: BotContext): Promise<void> {
  const player = new Player(bot)
  await player.register()
  // Mottos persist across rounds: each round reads back the last one after logging in again.
  let mottos = new Set([''])
  const chat = new BotChat(bot)
  const played = await sessionRounds(bot, player, async (session, round) => {
    const s: RoundState = { bot, player, session, mottos, round, chat }
    try {
      for (const step of playSteps) await step(s)
    } finally {
      mottos = s.mottos
    }
  })
  check(bot, played > 0, 'the run wound down before the bot finished one round')
}
