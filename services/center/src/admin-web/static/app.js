// The center's operator page (docs/operations.md, "Admin web page"). No
// build step: plain browser JavaScript, served with a strict CSP; data is
// only ever inserted as text. Every POST carries the session's CSRF token.
;(() => {
  const $ = (sel) => document.querySelector(sel)
  let csrf = ''
  let timer = 0
  const charts = {}

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: method === 'POST' ? { 'content-type': 'application/json', 'x-csrf-token': csrf } : {},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    let json = null
    try {
      json = await res.json()
    } catch {
      json = null
    }
    if (res.status === 401 && path !== '/ui/api/login') showLogin()
    return { status: res.status, json }
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag)
    if (text !== undefined && text !== null) e.textContent = String(text)
    if (cls) e.className = cls
    return e
  }

  function row(cells) {
    const tr = el('tr')
    for (const c of cells) tr.append(el('td', c ?? '—'))
    return tr
  }

  function time(ms) {
    return new Date(ms).toLocaleTimeString()
  }

  function showLogin() {
    clearInterval(timer)
    $('#app').hidden = true
    $('#who').hidden = true
    $('#login').hidden = false
  }

  function showApp(operator) {
    $('#login').hidden = true
    $('#app').hidden = false
    $('#who').hidden = false
    $('#operator').textContent = operator
    refresh()
    clearInterval(timer)
    timer = setInterval(refresh, 5000)
  }

  async function refresh() {
    const [o, c] = await Promise.all([api('GET', '/ui/api/overview'), api('GET', '/ui/api/charts')])
    if (o.status === 200) renderOverview(o.json)
    if (c.status === 200) renderCharts(c.json)
  }

  function renderOverview(v) {
    $('#status').textContent =
      `updated ${time(v.atMs)}${v.registryComplete ? '' : ' · registry still settling after a center restart'}`
    const nodes = $('#nodes')
    nodes.replaceChildren()
    const gateways = []
    const storage = $('#storage tbody')
    storage.replaceChildren()
    for (const n of v.nodes) {
      const box = el('div', null, 'node')
      box.append(el('h3', `node ${n.node}`))
      const t = el('table')
      const head = el('tr')
      for (const h of ['service', 'state', 'version', 'players', 'msgs/s', 'p99 ms']) head.append(el('th', h))
      t.append(head)
      for (const s of n.services) {
        const tr = el('tr')
        tr.dataset.service = s.key
        tr.append(el('td', s.key))
        const st = el('td')
        st.append(el('span', s.state, `state state-${s.state}`))
        tr.append(st)
        for (const x of [s.version || '?', s.players, s.msgsPerSec, s.p99Ms]) tr.append(el('td', x ?? '—'))
        if (s.scrapeError) tr.title = `metrics: ${s.scrapeError}`
        t.append(tr)
        if (s.kind === 'gateway') gateways.push(s)
        if (s.storage)
          storage.append(
            row([
              s.key,
              s.storage.flushes,
              s.storage.rowsLanded,
              s.storage.rowsDumped,
              s.storage.rowsErrored,
              s.storage.rowsRejected,
              s.storage.dumpPending,
              s.storage.dirtyRows,
            ]),
          )
      }
      box.append(t)
      nodes.append(box)
    }
    const sel = $('#drain-gateway')
    const chosen = sel.value
    sel.replaceChildren()
    for (const g of gateways) {
      const opt = el('option', `${g.key} (${g.state}, ${g.players ?? 0} players)`)
      opt.value = String(g.serviceId)
      sel.append(opt)
    }
    if (chosen) sel.value = chosen
    $('#ip-rules').textContent =
      `allow [${v.ipRules.allow.join(', ') || 'everyone'}] · deny [${v.ipRules.deny.join(', ')}] · version ${v.ipRules.version}`
    const alerts = $('#alerts tbody')
    alerts.replaceChildren(...v.alerts.map((a) => row([time(a.atMs), a.from, a.severity, a.kind, a.title])))
    const audit = $('#audit tbody')
    audit.replaceChildren(
      ...v.audit.map((a) => row([time(a.atMs), a.operator, a.action, a.target, `${a.status} ${a.result}`])),
    )
  }

  function renderCharts(v) {
    if (typeof uPlot === 'undefined') return
    const keys = Object.keys(v.series).sort()
    const x = v.times.map((t) => t / 1000)
    for (const [id, field] of [
      ['msgs', 'msgs'],
      ['p99', 'p99'],
      ['players', 'players'],
    ]) {
      const shown = keys.filter((k) => v.series[k][field].some((y) => y !== null))
      const data = [x, ...shown.map((k) => v.series[k][field])]
      const sig = shown.join(',')
      const prev = charts[id]
      if (prev && prev.sig === sig) {
        prev.plot.setData(data)
        continue
      }
      prev?.plot.destroy()
      const opts = {
        width: 420,
        height: 200,
        series: [
          {},
          ...shown.map((k, i) => ({ label: k, stroke: `hsl(${(i * 67) % 360} 65% 42%)`, spanGaps: false })),
        ],
        axes: [{}, { size: 50 }],
      }
      charts[id] = { sig, plot: new uPlot(opts, data, $(`#chart-${id}`)) }
    }
  }

  function bodyOf(form, action) {
    const f = new FormData(form)
    switch (action) {
      case 'gateways/kick':
        return { userId: f.get('userId'), message: f.get('message') || undefined }
      case 'chat/mute':
        return {
          userId: f.get('userId'),
          seconds: Number(f.get('seconds')),
          reason: f.get('reason') || undefined,
        }
      case 'gateways/notice':
        return { text: f.get('text') }
      case 'gateways/ip-rules':
        return { [f.get('list')]: { [f.get('change')]: [f.get('address')] } }
      case 'gateways/drain':
        return { serviceId: Number(f.get('serviceId')), message: f.get('message') || undefined }
      case 'gateways/undrain':
        return { serviceId: Number(f.get('serviceId')) }
    }
    return {}
  }

  for (const form of document.querySelectorAll('form[data-action]')) {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      // A form's second button (Undrain) names its own action.
      const action = ev.submitter?.dataset.action ?? form.dataset.action
      if (action === 'gateways/drain' && !confirm(`Drain gateway ${new FormData(form).get('serviceId')}?`))
        return
      const r = await api('POST', `/ui/api/admin/${action}`, bodyOf(form, action))
      const out = $('#action-result')
      out.className = r.status === 200 ? '' : 'error'
      out.textContent = `${action}: HTTP ${r.status}\n${JSON.stringify(r.json)}`
      refresh()
    })
  }

  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const r = await api('POST', '/ui/api/login', { name: $('#name').value, password: $('#password').value })
    $('#password').value = ''
    if (r.status !== 200) {
      $('#login-error').textContent = r.json?.error?.message ?? `HTTP ${r.status}`
      return
    }
    $('#login-error').textContent = ''
    csrf = r.json.csrf
    showApp(r.json.operator)
  })

  $('#logout').addEventListener('click', async () => {
    await api('POST', '/ui/api/logout', {})
    csrf = ''
    showLogin()
  })

  api('GET', '/ui/api/session').then((r) => {
    if (r.status === 200) {
      csrf = r.json.csrf
      showApp(r.json.operator)
    } else showLogin()
  })
})()
