// The soak report's curves: one self-contained HTML page (inline SVG, no
// script, no network), one chart per figure with a line per service; the
// warm-up is shaded and each chart's table row says flat or grows.
import { FIGURES, type FigureName, type Sample, type SoakRow } from './judge.js'

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
]
const W = 860
const H = 260
const PAD = { l: 70, r: 20, t: 16, b: 34 }

const esc = (s: string): string =>
  String(s).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  )
const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)

function chart(
  figure: FigureName,
  samples: Sample[],
  services: string[],
  warmupS: number,
  rows: SoakRow[],
): string {
  const f = FIGURES[figure]
  const series = services
    .map((service, i) => ({
      service,
      color: COLORS[i % COLORS.length],
      points: samples
        .filter((s) => s.service === service && Number.isFinite(s.values[figure]))
        .map((s) => ({ t: s.t, v: (s.values[figure] as number) * f.scale })),
    }))
    .filter((s) => s.points.length > 0)
  if (series.length === 0) return ''
  const all = series.flatMap((s) => s.points)
  const tMax = Math.max(...all.map((p) => p.t), 1)
  const vMax = Math.max(...all.map((p) => p.v), 1e-9) * 1.1
  const x = (t: number) => PAD.l + (t / tMax) * (W - PAD.l - PAD.r)
  const y = (v: number) => H - PAD.b - (v / vMax) * (H - PAD.t - PAD.b)
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (g) =>
        `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(g * vMax)}" y2="${y(g * vMax)}" stroke="#ddd"/>` +
        `<text x="${PAD.l - 6}" y="${y(g * vMax) + 4}" text-anchor="end">${fmt(g * vMax)}</text>`,
    )
    .join('')
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (g) => `<text x="${x(g * tMax)}" y="${H - 12}" text-anchor="middle">${fmt((g * tMax) / 60)} min</text>`,
    )
    .join('')
  const warm = `<rect x="${PAD.l}" y="${PAD.t}" width="${Math.max(0, x(Math.min(warmupS, tMax)) - PAD.l)}" height="${H - PAD.t - PAD.b}" fill="#f3f3f3"/>`
  const lines = series
    .map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}"><title>${esc(s.service)}</title></polyline>`,
    )
    .join('')
  const legend = series
    .map((s) => {
      const r = rows.find((row) => row.service === s.service && row.figure === figure)
      const verdict = r ? r.verdict : 'no verdict'
      return `<span style="color:${s.color}">■</span> ${esc(s.service)} <em class="${verdict}">${verdict}</em>`
    })
    .join(' &nbsp; ')
  return `<section><h2>${esc(f.label)}${f.unit ? ` (${f.unit})` : ''}</h2>
<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(f.label)}" data-figure="${figure}">${warm}${grid}${ticks}${lines}</svg>
<p class="legend">${legend}</p></section>`
}

/** The whole page: a header with the run's parameters and verdict, then one chart per figure. */
export function renderChartsHtml(o: {
  samples: Sample[]
  warmupS: number
  rows: SoakRow[]
  ok: boolean
  title: string
  facts: string[]
}): string {
  const { samples, warmupS, rows, ok, title, facts } = o
  const services = [...new Set(samples.map((s) => s.service))]
  const charts = (Object.keys(FIGURES) as FigureName[])
    .map((figure) => chart(figure, samples, services, warmupS, rows))
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}svg text{font:11px system-ui,sans-serif;fill:#555}
em.flat{color:#2a7d2a}em.grows{color:#c00;font-weight:bold}em.too-short{color:#888}.legend{margin-top:2px}</style></head>
<body><h1>${esc(title)}</h1>
<p>${facts.map(esc).join('<br>')}</p>
<p>Verdict: <strong>${ok ? 'flat after warm-up' : 'a figure grows after warm-up'}</strong> (warm-up shaded grey).</p>
${charts}
</body></html>
`
}
