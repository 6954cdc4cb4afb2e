/**
 * The sample level-up rule: going from level L to L + 1 takes
 * `expToNext(L) = 100 × (L + 1)` exp; exp past it carries over, so one large
 * gain can raise several levels. At MAX_LEVEL, exp stops at 0 (the surplus
 * is dropped, not banked).
 */
export const MAX_LEVEL = 100
/** Largest gain one ProfileGainExp request may ask for. */
export const MAX_EXP_GAIN = 10_000

export const expToNext = (level: number): number => 100 * (level + 1)

export interface LevelExp {
  level: number
  exp: number
}

/** Apply a gain; bounded by MAX_LEVEL iterations. */
export function gainExp(from: LevelExp, amount: number): LevelExp {
  let { level, exp } = from
  if (level >= MAX_LEVEL) return { level: MAX_LEVEL, exp: 0 }
  exp += amount
  while (level < MAX_LEVEL && exp >= expToNext(level)) {
    exp -= expToNext(level)
    level++
  }
  if (level >= MAX_LEVEL) exp = 0
  return { level, exp }
}
