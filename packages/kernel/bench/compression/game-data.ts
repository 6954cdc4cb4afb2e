// Deterministic, realistic game bodies for the compression benchmark, built
// from the project's own generated messages: neither random bytes (which do
// not compress) nor one repeated character (which compresses absurdly).
//
// - chatHistory: a ChatJoinRes (channel info + the channel's recent
//   ChatPush history): 40 players with mixed ASCII / UTF-8 nicknames,
//   snowflake-like message ids, timestamps a few seconds apart, short chat
//   lines drawn from a game-chat vocabulary, one line in 8 with a rich
//   item-link segment. Text-heavy: what a chat join or a mail box sends.
// - roster: a ChatMembersRes (a member list: user id + nickname per
//   player), number-heavy: what a friends or guild list sends.
import {
  ChatChannelInfo,
  ChatJoinRes,
  ChatKind,
  ChatMember,
  ChatMembersRes,
  ChatPush,
} from '@tessera/protocol'

/** mulberry32: a small seeded PRNG, so every run builds the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  'gg wp lol anyone up for the raid tonight need a healer tank dps lfg boss ' +
  'drop loot legendary sword shield armor potion gold coins trade sell buy wts wtb ' +
  'guild invite join party queue dungeon floor 12 13 14 wipe again nerf buff patch ' +
  'server lag ping 200ms brb afk back ok thanks ty np gl hf where is the vendor ' +
  'quest daily reward streak chest key map north gate castle dragon spawn timer ' +
  'in 5 min meet at the fountain who has mats for crafting enchant level 60 cap pvp arena rank'
).split(' ')

const NICKS = [
  'Ærwyn',
  'bob',
  'xXSlayerXx',
  'Lunaria',
  'Kaito',
  'Møllerup',
  'DarkHealer',
  'Zed',
  'Ŝtelo',
  'frostbyte',
  'Nyx',
  'Grimbald',
  'Tanky McTank',
  'Sora',
  'Isolde',
  'Pyro',
  '小龙',
  'ぴかちゅう',
  'Valkyr',
  'Rook',
]

const ITEMS = [
  '[Sword of Dawn]',
  '[Frost Amulet]',
  '[Potion of Haste]',
  '[Dragon Scale]',
  '[Key of the North Gate]',
]

function line(rnd: () => number): string {
  const n = 3 + Math.floor(rnd() * 12)
  const words: string[] = []
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rnd() * WORDS.length)]!)
  return words.join(' ')
}

/**
 * Add items until the encoded message reaches `targetBytes`; returns the
 * encoded bytes. A repeated field's elements encode independently, so each
 * item's share is measured alone and the whole is encoded once.
 */
function grow<T>(
  targetBytes: number,
  make: (i: number) => T,
  encode: (items: T[]) => Uint8Array,
): Uint8Array {
  const items: T[] = []
  const empty = encode(items).length
  let size = empty
  while (size < targetBytes) {
    const item = make(items.length)
    size += encode([item]).length - empty
    items.push(item)
  }
  return encode(items)
}

/** An encoded ChatJoinRes of about `targetBytes` (the first size at or above it). */
export function chatHistory(targetBytes: number): Uint8Array {
  const rnd = prng(17)
  const users = Array.from({ length: 40 }, (_v, i) => ({
    id: 1_000_000n + BigInt(Math.floor(rnd() * 9_000_000)),
    nick: `${NICKS[i % NICKS.length]}${i >= NICKS.length ? i : ''}`,
  }))
  let t = 1_767_225_600_000
  const info = ChatChannelInfo.create({ name: 'world', members: 1873, maxMembers: 5000, creatorUserId: 0n })
  return grow(
    targetBytes,
    (i) => {
      t += 500 + Math.floor(rnd() * 20_000)
      const u = users[Math.floor(rnd() * users.length)]!
      const link = rnd() < 1 / 8
      return ChatPush.create({
        channel: 'world',
        // Snowflake-like: milliseconds since an epoch, then a sequence.
        messageId: (BigInt(t - 1_700_000_000_000) << 22n) | BigInt(i & 0xfff),
        fromUserId: u.id,
        fromNickname: u.nick,
        text: line(rnd),
        rich: link
          ? [{ text: ITEMS[Math.floor(rnd() * ITEMS.length)]!, color: 0xffaa00, bold: true, children: [] }]
          : [],
        sentAtMs: BigInt(t),
        kind: ChatKind.CHAT_KIND_CHANNEL,
        stored: true,
      })
    },
    (history) => ChatJoinRes.encode(ChatJoinRes.create({ info, history })),
  )
}

/** An encoded ChatMembersRes of about `targetBytes`. */
export function roster(targetBytes: number): Uint8Array {
  const rnd = prng(29)
  const info = ChatChannelInfo.create({
    name: 'guild-ember',
    members: 0,
    maxMembers: 5000,
    creatorUserId: 1_234_567n,
  })
  return grow(
    targetBytes,
    () =>
      ChatMember.create({
        userId: 1_000_000n + BigInt(Math.floor(rnd() * 9_000_000)),
        nickname: `${NICKS[Math.floor(rnd() * NICKS.length)]}${Math.floor(rnd() * 10_000)}`,
      }),
    (members) => ChatMembersRes.encode(ChatMembersRes.create({ info, members })),
  )
}
