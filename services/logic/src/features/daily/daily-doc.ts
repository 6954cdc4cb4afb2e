/**
 * A player's daily state (the JSON document of player_daily) and the pure
 * rules that change it. Keys are the kernel calendar's period keys: `day` is
 * the game day (epoch day of the game date at the configured reset hour and
 * zone), `week` the game week. Keys only grow, whatever the wall clock or
 * DST does, so "reset since?" is a comparison of integers.
 */
export interface DailyDoc {
  /** Game day the document was last reset for; -1 before the first sign-in. */
  day: number
  week: number
  coins: number
  signIns: number
  streak: number
  /** Task id -> count in the current game day / week. */
  dayTasks: Record<string, number>
  weekTasks: Record<string, number>
}

export function newDailyDoc(): DailyDoc {
  return { day: -1, week: -1, coins: 0, signIns: 0, streak: 0, dayTasks: {}, weekTasks: {} }
}

/** What applying the resets did. */
export interface ResetApplied {
  doc: DailyDoc
  /** Game days begun since the last reset (0 on the first sign-in ever). */
  daysCrossed: number
  weeksCrossed: number
  rewardCoins: number
}

/**
 * Bring `doc` to game day `today` (of game week `week`), once: the sign-in
 * reward of today, the streak, and the daily (and, in a new week, weekly)
 * counters cleared. However many resets were crossed, they are applied
 * together, once; null when `doc` is already at `today` or later (a wall
 * clock stepped back never resets a day twice). Returns a new document; the
 * caller assigns it in one write.
 */
export function applyResets(
  doc: DailyDoc,
  today: number,
  week: number,
  rewardCoins: number,
): ResetApplied | null {
  if (doc.day >= today) return null
  const first = doc.day < 0
  const newWeek = doc.week !== week
  return {
    doc: {
      day: today,
      week,
      coins: doc.coins + rewardCoins,
      signIns: doc.signIns + 1,
      streak: doc.day === today - 1 ? doc.streak + 1 : 1,
      dayTasks: {},
      weekTasks: newWeek ? {} : doc.weekTasks,
    },
    daysCrossed: first ? 0 : today - doc.day,
    weeksCrossed: first || !newWeek ? 0 : Math.max(1, week - doc.week),
    rewardCoins,
  }
}

/** Count `amount` on task `task` for today and this week (a new document). */
export function countTask(doc: DailyDoc, task: number, amount: number): DailyDoc {
  const k = String(task)
  return {
    ...doc,
    dayTasks: { ...doc.dayTasks, [k]: (doc.dayTasks[k] ?? 0) + amount },
    weekTasks: { ...doc.weekTasks, [k]: (doc.weekTasks[k] ?? 0) + amount },
  }
}
