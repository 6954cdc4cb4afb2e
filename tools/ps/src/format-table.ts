import type { TesseraProcess } from './list-processes.js'

/** `93s`, `12m05s`, `3h07m`, `2d04h`. */
export function formatUptime(sec: number): string {
  const s = Math.floor(sec)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`
}

const mib = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1048576).toFixed(1)}M`)

/** The processes as an aligned text table, one line per process under a header. */
export function formatTable(ps: readonly TesseraProcess[]): string[] {
  const rows = [
    ['KIND', 'ID', 'NODE', 'PID', 'UPTIME', 'CPU%', 'RSS', 'PORTS'],
    ...ps.map((p) => [
      p.kind,
      p.serviceId === undefined ? '-' : String(p.serviceId),
      p.node ?? '-',
      String(p.pid),
      formatUptime(p.uptimeSec),
      p.cpuPercent.toFixed(1),
      mib(p.rssBytes),
      p.ports === undefined ? '?' : p.ports.join(',') || '-',
    ]),
  ]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  )
}
