/**
 * systemd calendar events (OnCalendar=, systemd.time(7)), the subset deploy
 * accepts for the backup schedule: `[weekdays] [[YYYY-]MM-DD] [HH:MM[:SS]]`
 * where each number is `*`, a value, a list `a,b`, a range `a..b` and any of
 * those with a repetition `/n`; weekdays `Mon`, `Mon,Thu`, `Mon..Fri`; and
 * the shorthands minutely, hourly, daily, weekly, monthly, quarterly,
 * semiannually, yearly/annually. Times are the node's local time (as systemd
 * runs them). The supervisor computes the timer's next elapse with it where
 * systemd is not PID 1, and topology validation names a bad schedule.
 */
export interface CalendarSpec {
  /** The expression as given. */
  text: string
  years: (v: number) => boolean
  months: (v: number) => boolean
  days: (v: number) => boolean
  /** 0 = Sunday … 6 = Saturday (Date#getDay). */
  weekdays: (v: number) => boolean
  hours: (v: number) => boolean
  minutes: (v: number) => boolean
  seconds: (v: number) => boolean
}

const SHORTHANDS: Record<string, string> = {
  minutely: '*-*-* *:*:00',
  hourly: '*-*-* *:00:00',
  daily: '*-*-* 00:00:00',
  weekly: 'Mon *-*-* 00:00:00',
  monthly: '*-*-01 00:00:00',
  quarterly: '*-01,04,07,10-01 00:00:00',
  semiannually: '*-01,07-01 00:00:00',
  yearly: '*-01-01 00:00:00',
  annually: '*-01-01 00:00:00',
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

/** One numeric field (`*`, `5`, `1,15`, `1..5`, `0/15`, `1..10/2`) as a predicate. */
function field(text: string, name: string, min: number, max: number): (v: number) => boolean {
  const parts = text.split(',').map((part) => {
    const m = /^(\*|\d+)(?:\.\.(\d+))?(?:\/(\d+))?$/.exec(part)
    if (!m) throw new Error(`${name} "${part}" is not a value, a range a..b or a repetition a/n`)
    const from = m[1] === '*' ? min : Number(m[1])
    const to = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? max : from
    const step = m[3] !== undefined ? Number(m[3]) : 1
    if (from < min || from > max || to < min || to > max)
      throw new Error(`${name} "${part}" is outside ${min}..${max}`)
    if (to < from) throw new Error(`${name} "${part}": the range ends before it starts`)
    if (step < 1) throw new Error(`${name} "${part}": the repetition must be at least 1`)
    return (v: number) => v >= from && v <= to && (v - from) % step === 0
  })
  return (v) => parts.some((p) => p(v))
}

function weekdayField(text: string): (v: number) => boolean {
  const days = new Set<number>()
  for (const part of text.toLowerCase().split(',')) {
    const [a, b] = part.split('..')
    const i = WEEKDAYS.indexOf(a!.slice(0, 3))
    const j = b === undefined ? i : WEEKDAYS.indexOf(b.slice(0, 3))
    if (i < 0 || j < 0 || !/^[a-z]+$/.test(a!) || (b !== undefined && !/^[a-z]+$/.test(b)))
      throw new Error(`weekday "${part}" is not Mon..Sun`)
    // Mon..Sun wraps as systemd's does not; keep it simple and refuse it.
    if (j < i && !(j === 0 && i > 0)) throw new Error(`weekday range "${part}" runs backwards`)
    const end = j === 0 && i > 0 ? 7 : j
    for (let d = i; d <= end; d++) days.add(d % 7)
  }
  return (v) => days.has(v)
}

/** Parse an OnCalendar expression; throws an Error naming what is wrong. */
export function parseCalendar(expr: string): CalendarSpec {
  const text = expr.trim()
  const full = SHORTHANDS[text.toLowerCase()] ?? text
  const tokens = full.split(/\s+/).filter(Boolean)
  if (tokens.length === 0 || tokens.length > 3) throw new Error(`"${expr}" is not a calendar event`)
  let weekdays: (v: number) => boolean = () => true
  if (/^[a-z]/i.test(tokens[0]!)) weekdays = weekdayField(tokens.shift()!)
  let date = '*-*-*'
  let time = '00:00:00'
  for (const t of tokens) {
    if (t.includes(':')) time = t
    else if (t.includes('-')) date = t
    else throw new Error(`"${t}" is neither a date (YYYY-MM-DD) nor a time (HH:MM[:SS])`)
  }
  if (tokens.length === 2 && !(tokens[0]!.includes('-') && tokens[1]!.includes(':')))
    throw new Error(`"${expr}": the date comes first, then the time`)
  const d = date.split('-')
  if (d.length === 2) d.unshift('*')
  if (d.length !== 3) throw new Error(`date "${date}" is not YYYY-MM-DD or MM-DD`)
  const tm = time.split(':')
  if (tm.length === 2) tm.push('00')
  if (tm.length !== 3) throw new Error(`time "${time}" is not HH:MM or HH:MM:SS`)
  return {
    text: expr,
    years: field(d[0]!, 'year', 1970, 2199),
    months: field(d[1]!, 'month', 1, 12),
    days: field(d[2]!, 'day', 1, 31),
    weekdays,
    hours: field(tm[0]!, 'hour', 0, 23),
    minutes: field(tm[1]!, 'minute', 0, 59),
    seconds: field(tm[2]!, 'second', 0, 59),
  }
}

/** Days searched for the next elapse (a schedule that never matches within them has none). */
const MAX_DAYS = 366 * 5

/**
 * The first time strictly after `afterMs` (whole seconds, local time) the
 * calendar event matches, or null when none within five years.
 */
export function nextElapse(spec: CalendarSpec, afterMs: number): number | null {
  const start = new Date(Math.floor(afterMs / 1000) * 1000 + 1000)
  const day = new Date(start.getFullYear(), start.getMonth(), start.getDate())
  for (let i = 0; i < MAX_DAYS; i++, day.setDate(day.getDate() + 1)) {
    if (
      !spec.years(day.getFullYear()) ||
      !spec.months(day.getMonth() + 1) ||
      !spec.days(day.getDate()) ||
      !spec.weekdays(day.getDay())
    )
      continue
    const first = i === 0
    for (let h = first ? start.getHours() : 0; h < 24; h++) {
      if (!spec.hours(h)) continue
      const sameHour = first && h === start.getHours()
      for (let m = sameHour ? start.getMinutes() : 0; m < 60; m++) {
        if (!spec.minutes(m)) continue
        const sameMinute = sameHour && m === start.getMinutes()
        for (let s = sameMinute ? start.getSeconds() : 0; s < 60; s++) {
          if (!spec.seconds(s)) continue
          const at = new Date(day.getFullYear(), day.getMonth(), day.getDate(), h, m, s).getTime()
          // A wall time skipped by a DST change does not exist: look further.
          if (at > afterMs) return at
        }
      }
    }
  }
  return null
}
