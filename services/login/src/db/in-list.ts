/** The placeholders of an SQL `IN (…)` list of `n` values: `?, ?, …`. */
export function inList(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ')
}
