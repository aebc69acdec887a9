// Tether dashboard: plain JavaScript, no framework, no build step. Every
// value on the page comes from the HTTP API (docs/API.md) asked with the
// operator's key (kept in sessionStorage, sent as Authorization: Bearer).
// Pages: #overview, #terminals, #terminal/ID, #jobs, #job/ID, #classes,
// #actions. Changes arrive live from GET /v1/admin/events (read with
// fetch(): EventSource cannot send the key); while that stream is down the
// pages poll instead.
'use strict';

const POLL_MS = 2000;
const JOBS_POLL_MS = 5000; // the jobs page, while the event stream is down
const EVENTS_RETRY_MS = [1000, 2000, 5000, 10000, 30000];
const HISTORY_POINTS = 150; // 5 minutes of 2 s samples

const state = {
  key: sessionStorage.getItem('tether-key') || '',
  timer: null,
  samples: [], // {t, connections, jobs} for the chart
  lastJobs: null, // {t, total} of tether_jobs_accepted_total
  live: false, // the event stream is open
  events: null, // its AbortController
  eventsSeen: 0,
  lastEventId: '', // the id of the last event read (sent on a reconnect)
  retries: 0,
  listeners: new Set(), // (kind, data) => void, of the page shown
};

// -- small DOM helpers (textContent only: nothing from the API is HTML) -----

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (id) => document.getElementById(id);
const badge = (text) => h('span', { class: 'badge ' + String(text) }, String(text));
const fmtBytes = (b) => (typeof b === 'number' ? (b / 1048576).toFixed(1) + ' MiB' : '-');
const dash = (v) => (v === null || v === undefined || v === '' ? '-' : v);
const labelText = (labels) =>
  Object.entries(labels || {})
    .map(([k, v]) => k + '=' + (Array.isArray(v) ? v.join('|') : v))
    .join('  ') || '-';

function table(headers, rows, onClick) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) =>
      h('th', { class: x.num ? 'num' : '' }, x.title || x)))),
    h('tbody', {}, rows.map((r) => h('tr', {
      class: onClick ? 'link' : '',
      onclick: onClick ? () => onClick(r.item) : null,
      'data-id': r.id,
    }, r.cells.map((c, i) => h('td', { class: headers[i].num ? 'num' : '' }, c))))));
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// -- the API ------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  toString() {
    return `HTTP ${this.status} ${this.code}: ${this.message}`;
  }
}

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + state.key } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'the server does not answer (' + e.message + ')');
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!resp.ok) {
    const err = data && data.error ? data.error : { code: 'error', message: String(text).slice(0, 300) };
    throw new ApiError(resp.status, err.code, err.message);
  }
  return data;
}

function showError(e) {
  const box = $('error');
  if (!e) { box.hidden = true; box.textContent = ''; return; }
  box.hidden = false;
  box.textContent = e instanceof ApiError ? e.toString() : String(e);
}

/// Runs an action; its error is shown as the API words it.
async function guarded(fn) {
  try {
    showError(null);
    return await fn();
  } catch (e) {
    showError(e);
    if (e instanceof ApiError && e.status === 401) logout(false);
    return undefined;
  }
}

function confirmDialog(text) {
  return new Promise((resolve) => {
    $('modal-text').textContent = text;
    $('modal').hidden = false;
    const done = (v) => {
      $('modal').hidden = true;
      $('modal-ok').onclick = $('modal-cancel').onclick = null;
      resolve(v);
    };
    $('modal-ok').onclick = () => done(true);
    $('modal-cancel').onclick = () => done(false);
  });
}

// -- login --------------------------------------------------------------------

function logout(clearError = true) {
  stopEvents();
  state.key = '';
  setLive(false);
  sessionStorage.removeItem('tether-key');
  if (clearError) showError(null);
  route();
}

async function login(key) {
  state.key = key.trim();
  try {
    await api('GET', '/v1/admin/clusters');
  } catch (e) {
    showError(e);
    state.key = '';
    return;
  }
  sessionStorage.setItem('tether-key', state.key);
  showError(null);
  startEvents();
  if (!location.hash || location.hash === '#') location.hash = '#overview';
  else route();
}

// -- live events (GET /v1/admin/events) ---------------------------------------

function setLive(live) {
  state.live = live;
  const el = $('live');
  el.hidden = !state.key;
  el.textContent = live ? '● live' : '○ polling';
  el.className = live ? 'live' : 'muted';
}

/// One `event:`/`data:` block of the stream, handed to the page's listeners.
/// Its `id:` is kept: a reconnect sends it (Last-Event-ID) and gets what it
/// missed, or `reset`, after which the page reads everything again.
function dispatch(block) {
  let kind = 'message', data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) kind = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
    else if (line.startsWith('id: ')) state.lastEventId = line.slice(4);
  }
  if (!data) return; // a comment (keepalive)
  if (kind === 'reset') return refreshNow();
  let value;
  try { value = JSON.parse(data); } catch (e) { return; }
  ++state.eventsSeen;
  $('live').dataset.events = state.eventsSeen;
  for (const f of state.listeners) f(kind, value);
}

async function readEvents(ctl) {
  const headers = { Authorization: 'Bearer ' + state.key, Accept: 'text/event-stream' };
  if (state.lastEventId) headers['Last-Event-ID'] = state.lastEventId;
  const resp = await fetch('/v1/admin/events', {
    headers,
    signal: ctl.signal,
  });
  if (!resp.ok || !resp.body) throw new Error('HTTP ' + resp.status);
  setLive(true);
  state.retries = 0;
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      dispatch(buf.slice(0, end));
      buf = buf.slice(end + 2);
    }
  }
}

/// Keeps one stream open while a key is set; when it drops, the pages poll
/// and it is tried again (backing off to 30 s).
function startEvents() {
  if (state.events || !state.key) return;
  const ctl = new AbortController();
  state.events = ctl;
  readEvents(ctl).catch(() => {}).finally(() => {
    if (state.events !== ctl) return; // stopped on purpose
    state.events = null;
    const wasLive = state.live;
    setLive(false);
    if (wasLive) refreshNow(); // the page catches up, then polls
    const wait = EVENTS_RETRY_MS[Math.min(state.retries++, EVENTS_RETRY_MS.length - 1)];
    setTimeout(startEvents, wait);
  });
}

function stopEvents() {
  const ctl = state.events;
  state.events = null;
  if (ctl) ctl.abort();
  setLive(false);
}

// -- fleet overview -----------------------------------------------------------

async function sample() {
  const [clusters, health, metrics] = await Promise.all([
    api('GET', '/v1/admin/clusters'),
    api('GET', '/healthz').catch((e) => ({ status: 'unavailable', problem: e.message })),
    fetch('/metrics', { headers: { Authorization: 'Bearer ' + state.key } })
      .then((r) => (r.ok ? r.text() : ''))
      .catch(() => ''),
  ]);
  const now = Date.now();
  const m = /^tether_jobs_accepted_total (\d+)/m.exec(metrics);
  let jobsPerS = null;
  if (m) {
    const total = Number(m[1]);
    if (state.lastJobs && now > state.lastJobs.t)
      jobsPerS = Math.max(0, (total - state.lastJobs.total) * 1000 / (now - state.lastJobs.t));
    state.lastJobs = { t: now, total };
  }
  const connections = clusters.clusters.reduce((a, c) => a + c.connections, 0);
  state.samples.push({ t: now, connections, jobs: jobsPerS });
  if (state.samples.length > HISTORY_POINTS) state.samples.shift();
  return { clusters: clusters.clusters, health };
}

function totals(clusters, health) {
  let nodes = 0, connections = 0, assigned = 0, sessions = 0;
  for (const c of clusters) {
    nodes += c.nodes.length;
    connections += c.connections;
    assigned += c.assigned_terminals;
    for (const n of c.nodes) sessions += n.sessions;
  }
  const stat = (id, n, l) =>
    h('div', { class: 'card stat' }, h('div', { class: 'n', id }, n), h('div', { class: 'l' }, l));
  return h('div', { class: 'cards' },
    h('div', { class: 'card stat' },
      h('div', { class: 'n' }, badge(health.status || '-')),
      h('div', { class: 'l' }, 'control plane' + (health.process ? ' · ' + health.process : ''))),
    stat('total-clusters', clusters.length, 'clusters'),
    stat('total-nodes', nodes, 'nodes'),
    stat('total-connections', connections, 'connections'),
    stat('total-sessions', sessions, 'sessions'),
    stat('total-terminals', assigned, 'assigned terminals'));
}

function drawChart(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, ht = canvas.clientHeight;
  canvas.width = w * dpr;
  canvas.height = ht * dpr;
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, ht);
  const count = document.getElementById('chart-samples');
  if (count) count.textContent = state.samples.length;
  const pad = { l: 44, r: 44, t: 10, b: 20 };
  const s = state.samples;
  const nice = (v) => {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1e-9))));
    for (const m of [1, 2, 4, 5, 8, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  };
  const maxC = nice(Math.max(4, ...s.map((x) => x.connections)));
  const maxJ = nice(Math.max(0.4, ...s.map((x) => x.jobs || 0)));
  const now = Date.now();
  const spanMs = Math.min(300000, Math.max(60000, s.length ? now - s[0].t : 0));
  g.strokeStyle = '#d9dee7';
  g.fillStyle = '#667085';
  g.font = '11px system-ui, sans-serif';
  for (let i = 0; i <= 4; ++i) {
    const y = pad.t + (ht - pad.t - pad.b) * i / 4;
    g.beginPath(); g.moveTo(pad.l, y); g.lineTo(w - pad.r, y); g.stroke();
    g.textAlign = 'right';
    g.fillText(String(+(maxC * (4 - i) / 4).toFixed(1)), pad.l - 6, y + 4);
    g.textAlign = 'left';
    g.fillText(String(+(maxJ * (4 - i) / 4).toFixed(2)), w - pad.r + 6, y + 4);
  }
  g.textAlign = 'left';
  g.fillText('−' + Math.round(spanMs / 1000) + ' s', pad.l, ht - 4);
  g.textAlign = 'right';
  g.fillText('now', w - pad.r, ht - 4);
  const x = (i) => pad.l + (w - pad.l - pad.r) * (1 - (now - s[i].t) / spanMs);
  const line = (color, value, max) => {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    let started = false;
    s.forEach((p, i) => {
      const v = value(p);
      if (v === null) return;
      const y = pad.t + (ht - pad.t - pad.b) * (1 - v / max);
      if (started) g.lineTo(x(i), y); else { g.moveTo(x(i), y); started = true; }
    });
    g.stroke(); g.lineWidth = 1;
  };
  line('#2f6fde', (p) => p.connections, maxC);
  line('#d97706', (p) => p.jobs, maxJ);
}

function nodeActions(n) {
  const next = n.state === 'draining' ? 'active' : 'draining';
  return h('button', {
    class: 'small', 'data-action': 'node-' + n.node_id,
    onclick: () => setState('node', n.node_id, next),
  }, n.state === 'draining' ? 'Activate' : 'Drain');
}

function clusterPanel(c) {
  const nodes = table(
    ['Node', 'State', { title: 'Sessions', num: true }, { title: 'Capacity', num: true },
      { title: 'Weight', num: true }, { title: 'CPU', num: true }, { title: 'Memory', num: true }, ''],
    c.nodes.map((n) => ({
      id: n.node_id,
      cells: [h('span', { class: 'mono' }, n.node_id), h('span', { 'data-node-state': n.node_id }, badge(n.state)),
        h('span', { 'data-node-sessions': n.node_id }, n.sessions),
        h('span', { 'data-node-capacity': n.node_id }, n.capacity),
        h('span', { 'data-node-weight': n.node_id }, n.weight),
        (typeof n.cpu === 'number' ? n.cpu + ' %' : '-'), fmtBytes(n.memory), nodeActions(n)],
    })));
  const next = c.state === 'draining' ? 'active' : 'draining';
  return h('div', { class: 'panel', 'data-cluster': c.cluster_id },
    h('div', { class: 'row' },
      h('h3', {}, 'Cluster ', h('span', { class: 'mono' }, c.cluster_id)),
      h('span', { 'data-cluster-state': c.cluster_id }, badge(c.state)),
      h('span', { class: 'muted' }, 'weight ' + c.weight),
      h('span', { class: 'muted' }, 'labels ' + labelText(c.labels)),
      h('button', { class: 'small', onclick: () => setState('cluster', c.cluster_id, next) },
        c.state === 'draining' ? 'Activate cluster' : 'Drain cluster')),
    kv([
      ['connections', h('span', { 'data-connections': c.cluster_id }, c.connections)],
      ['assigned terminals', c.assigned_terminals],
      ['balancers', (c.balancers || []).join(', ') || '-'],
    ]),
    h('div', { class: 'result' }, nodes));
}

/// The element `[attr="id"]` (ids are [A-Za-z0-9._:-]: safe in a selector
/// once quoted).
const cell = (attr, id) => document.querySelector(`[${attr}="${CSS.escape(id)}"]`);

function setCell(attr, id, content) {
  const el = cell(attr, id);
  if (!el) return false;
  el.replaceChildren(content instanceof Node ? content : String(content));
  el.dataset.by = 'event';
  return true;
}

/// Node and cluster events change the overview in place (the 2 s samples
/// of the chart redraw it too, from the lists).
function overviewEvent(kind, d) {
  if (kind === 'node') {
    setCell('data-node-state', d.id, badge(d.state));
    setCell('data-node-sessions', d.id, d.sessions);
    setCell('data-node-capacity', d.id, d.capacity);
    setCell('data-node-weight', d.id, d.weight);
    let sessions = 0;
    for (const el of document.querySelectorAll('[data-node-sessions]')) sessions += Number(el.textContent);
    if ($('total-sessions')) $('total-sessions').textContent = sessions;
  } else if (kind === 'cluster') {
    setCell('data-cluster-state', d.id, badge(d.state));
    setCell('data-connections', d.id, d.connections);
    let connections = 0;
    for (const el of document.querySelectorAll('[data-connections]')) connections += Number(el.textContent);
    if ($('total-connections')) $('total-connections').textContent = connections;
  }
}

/// The form for a node's capacity and weight (PUT /v1/admin/nodes/{id}),
/// drawn once per visit (the samples do not redraw it).
function nodeForm(clusters) {
  const nodes = clusters.flatMap((c) => c.nodes.map((n) => ({ ...n, cluster: c.cluster_id })));
  const target = h('select', { id: 'node-target' }, nodes.map((n) =>
    h('option', { value: n.node_id }, `${n.node_id} of ${n.cluster}`)));
  const capacity = h('input', { id: 'node-capacity', type: 'number', min: 1, max: 1000000, placeholder: 'capacity' });
  const weight = h('input', { id: 'node-weight', type: 'number', min: 0, max: 1000000, placeholder: 'weight' });
  const out = resultLine('node-result');
  const fill = () => {
    const n = nodes.find((x) => x.node_id === target.value);
    if (n) { capacity.value = n.capacity; weight.value = n.weight; }
  };
  target.addEventListener('change', fill);
  fill();
  const save = async () => {
    const body = {};
    // As typed: the API checks the values and words the refusal.
    if (capacity.value.trim() !== '') body.capacity = Number(capacity.value);
    if (weight.value.trim() !== '') body.weight = Number(weight.value);
    if (!(await confirmDialog(`Set node ${target.value} to ${Object.entries(body).map(([k, v]) => k + ' ' + v).join(', ')}? New sessions are placed by the new figures at once.`))) return;
    const r = await guarded(() => api('PUT', '/v1/admin/nodes/' + encodeURIComponent(target.value), body));
    if (!r) return;
    out.textContent = `node ${r.node_id}: capacity ${r.capacity}, weight ${r.weight} (${r.state})`;
    const n = nodes.find((x) => x.node_id === r.node_id);
    if (n) { n.capacity = r.capacity; n.weight = r.weight; }
    setCell('data-node-capacity', r.node_id, r.capacity);
    setCell('data-node-weight', r.node_id, r.weight);
  };
  return h('div', { class: 'panel' }, h('h3', {}, 'Node capacity and weight'),
    h('div', { class: 'row' }, target, 'capacity', capacity, 'weight', weight,
      h('button', { class: 'danger', id: 'node-save', onclick: save }, 'Save…'),
      h('span', { class: 'muted' }, 'capacity 1–1000000 (least_load: load ÷ capacity), weight 0–1000000 (weighted)')),
    out);
}

async function setState(kind, id, next) {
  const verb = next === 'draining' ? 'Drain' : 'Activate';
  const what = kind === 'node'
    ? `${verb} node ${id}? ${next === 'draining' ? 'Its sessions move to the other nodes of its cluster.' : ''}`
    : `${verb} cluster ${id}? ${next === 'draining' ? 'New terminals are no longer placed there.' : ''}`;
  if (!(await confirmDialog(what))) return;
  await guarded(() => api('PUT', `/v1/admin/${kind === 'node' ? 'nodes' : 'clusters'}/${encodeURIComponent(id)}`,
    { state: next }));
  refreshNow();
}

async function overview(main) {
  const cards = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const canvas = h('canvas', { id: 'chart' });
  const clusters = h('div', { id: 'clusters' });
  const updated = h('p', { class: 'muted', id: 'updated' });
  const chart = h('div', { class: 'panel' },
    h('div', { class: 'row' }, h('h3', {}, 'Connections and jobs'),
      h('div', { class: 'legend' },
        h('span', {}, h('i', { class: 'c1' }), 'connections (left axis)'),
        h('span', {}, h('i', { class: 'c2' }), 'jobs accepted per second (right axis)'),
        h('span', {}, h('span', { id: 'chart-samples' }, state.samples.length), ' samples, every 2 s, the last 5 minutes'))),
    canvas);
  const form = h('div', {});
  main.replaceChildren(h('h2', {}, 'Fleet'), cards, chart, clusters, form, updated);
  state.listeners.add(overviewEvent);
  let shown = '';
  const tick = async () => {
    const data = await guarded(sample);
    if (!data || !document.body.contains(canvas)) return;
    if (!form.firstChild) form.replaceChildren(nodeForm(data.clusters));
    // Redrawn only when something changed, so that buttons stay put.
    const now = JSON.stringify(data);
    if (now !== shown) {
      shown = now;
      cards.replaceChildren(totals(data.clusters, data.health));
      clusters.replaceChildren(...data.clusters.map(clusterPanel));
    }
    updated.textContent = 'updated ' + new Date().toLocaleTimeString();
    drawChart(canvas);
  };
  await tick();
  state.timer = setInterval(tick, POLL_MS);
  refreshNow = tick;
}

let refreshNow = () => route();

// -- terminals ----------------------------------------------------------------

function terminalRows(list) {
  return list.map((t) => ({
    id: t.terminal_id, item: t,
    cells: [h('span', { class: 'mono' }, t.terminal_id), dash(t.cluster_id),
      badge(t.connected ? 'yes' : 'no'), dash(t.node_id), dash(t.last_seen),
      labelText(t.label)],
  }));
}

async function terminals(main, prefix) {
  const input = h('input', { id: 'prefix', placeholder: 'terminal id prefix', value: prefix || '' });
  const results = h('div', { id: 'terminal-results' });
  const search = async () => {
    const list = await guarded(() =>
      api('GET', '/v1/terminals?limit=100&prefix=' + encodeURIComponent(input.value.trim())));
    if (!list) return;
    results.replaceChildren(list.terminals.length === 0
      ? h('p', { class: 'muted' }, 'No terminal id starts with that.')
      : table(['Terminal', 'Cluster', 'Connected', 'Node', 'Last seen', 'Label'],
        terminalRows(list.terminals),
        (t) => { location.hash = '#terminal/' + encodeURIComponent(t.terminal_id); }));
  };
  main.replaceChildren(h('h2', {}, 'Terminals'),
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); search(); } },
      input, h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('span', { class: 'muted' }, 'the first 100, in id order')),
    h('div', { class: 'panel' }, results));
  await search();
}

function jobRows(list) {
  return list.map((j) => ({
    id: j.job_id, item: j,
    cells: [h('span', { class: 'mono' }, j.job_id), j.terminal_id, j.service,
      h('span', { 'data-job-status': j.job_id }, badge(j.status)),
      dash(j.created_at), j.deliveries, dash(j.detail)],
  }));
}

const jobHeaders = ['Job', 'Terminal', 'Service', 'Status', 'Created', { title: 'Deliveries', num: true }, 'Detail'];
const openJob = (j) => { location.hash = '#job/' + encodeURIComponent(j.job_id); };

async function pushTestJob(id, after) {
  if (!(await confirmDialog(`Push a test job (service "print") to terminal ${id}?`))) return;
  const r = await guarded(() => api('POST', `/v1/terminals/${encodeURIComponent(id)}/jobs`,
    { service: 'print', payload: { text: 'test from the dashboard' } }));
  if (r && after) after(r);
}

// A history record (docs/API.md "History"): its fields but `at` and `event`.
const recordDetail = (r) => Object.entries(r)
  .filter(([k]) => k !== 'at' && k !== 'event')
  .map(([k, v]) => k + '=' + v).join('  ');

function historyRows(list) {
  return list.map((r, i) => ({
    id: String(i), item: r,
    cells: [dash(r.at), h('span', { 'data-event': r.event }, r.event), h('span', { class: 'mono' }, recordDetail(r))],
  }));
}

async function terminalDetail(main, id) {
  main.replaceChildren(h('h2', {}, 'Terminal ', h('span', { class: 'mono' }, id)));
  const [t, jobs, history] = await Promise.all([
    guarded(() => api('GET', '/v1/terminals/' + encodeURIComponent(id))),
    api('GET', '/v1/jobs?limit=20&terminal_id=' + encodeURIComponent(id)).catch(() => ({ jobs: [] })),
    api('GET', `/v1/terminals/${encodeURIComponent(id)}/history?limit=20`).catch(() => ({ records: [] })),
  ]);
  if (!t) return;
  const label = Object.entries(t.label || {});
  const pushed = h('span', { class: 'muted', id: 'pushed' });
  main.append(
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h3', {}, 'Placement'), kv([
        ['cluster', dash(t.cluster_id)],
        ['connected', badge(t.connected ? 'yes' : 'no')],
        ['node', dash(t.node_id)],
        ['last seen', dash(t.last_seen)],
        ['registered', dash(t.registered_at)],
        ['model / firmware / region', `${dash(t.model)} / ${dash(t.firmware)} / ${dash(t.region)}`],
        ['open jobs', t.open_jobs],
      ])),
      h('div', { class: 'panel', id: 'label' }, h('h3', {}, 'Label'),
        label.length === 0 ? h('p', { class: 'muted' }, 'no label items')
          : table(['Item', 'Value'], label.map(([k, v]) => ({
            id: k, cells: [k, h('span', { 'data-label-item': k }, Array.isArray(v) ? v.join(', ') : String(v))],
          }))))),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h3', {}, 'Connection history'), kv([
        ['connects', t.connects], ['disconnects', t.disconnects],
        ['keepalive failures', t.keepalive_failures]])),
      h('div', { class: 'panel' }, h('h3', {}, 'API history'), kv(Object.entries(t.api || {})
        .map(([k, v]) => [k.replaceAll('_', ' '), dash(v)])))),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h3', {}, 'Attributes'), kv(Object.entries(t.attributes || {}))
        , Object.keys(t.attributes || {}).length ? null : h('p', { class: 'muted' }, 'none')),
      h('div', { class: 'panel' }, h('h3', {}, 'Users'),
        h('p', {}, (t.users || []).join(', ') || h('span', { class: 'muted' }, 'none')))),
    h('div', { class: 'grid2' }, servicesPanel(t), classesPanel(t)),
    h('div', { class: 'panel' },
      h('div', { class: 'row' }, h('h3', {}, 'Recent jobs'),
        h('button', { class: 'small', id: 'push-test', onclick: () => pushTestJob(id, (r) => {
          pushed.textContent = `pushed ${r.job_id} (${r.status})`;
        }) }, 'Push a test job'), pushed),
      jobs.jobs.length === 0 ? h('p', { class: 'muted' }, 'none in memory')
        : table(jobHeaders, jobRows(jobs.jobs), openJob)),
    h('div', { class: 'panel', id: 'history' }, h('h3', {}, 'History (newest first)'),
      history.records.length === 0 ? h('p', { class: 'muted' }, 'no records')
        : table(['At', 'Event', 'Detail'], historyRows(history.records))));
}

// The services the device declared (its connection ids are secret: not
// shown) and the quality classes it is in.
function servicesPanel(t) {
  const list = t.services || [];
  return h('div', { class: 'panel', id: 'services' }, h('h3', {}, 'Services'),
    list.length === 0 ? h('p', { class: 'muted' }, 'none')
      : h('p', {}, list.map((s, i) => [i ? ' ' : '', h('span', { class: 'badge', 'data-service': s }, s)])),
    h('p', { class: 'muted' }, t.connected ? 'connected: one connection id per service (not shown)' : 'not connected'));
}

function classesPanel(t) {
  const q = t.quality_classes || {};
  const cell = (kind, name) => (name
    ? h('a', { href: '#classes', 'data-class-of': kind }, name)
    : h('span', { class: 'muted', 'data-class-of': kind }, 'none'));
  return h('div', { class: 'panel', id: 'quality-classes' }, h('h3', {}, 'Quality classes'), kv([
    ['simultaneous disconnection (GE)', cell('disconnect', q.disconnect)],
    ['failing group (GF)', cell('failure', q.failure)],
  ]));
}

// -- quality classes ------------------------------------------------------------

async function clearClass(c) {
  if (!(await confirmDialog(`Clear class ${c.name} (${c.members} terminals)? Its members are placed normally again from their next registration, destination call or re-allocation.`))) return;
  const r = await guarded(() => api('DELETE', '/v1/admin/classes/' + encodeURIComponent(c.name)));
  if (!r) return;
  await route();
  $('class-result').textContent = `class ${r.class} cleared (${r.terminals} terminals)`;
}

const CLASS_IDS = 3; // member ids shown per class before "more"
const CLASS_PAGE = 50; // ids each "more" adds

/// A class's first members, and a "more" button that reads the next page
/// (GET /v1/admin/classes/{name}/members) while there is one.
function memberList(c) {
  const ids = h('span', { class: 'mono', 'data-member-ids': c.name });
  const add = (list) => ids.append(...list.map((id) =>
    [h('a', { href: '#terminal/' + encodeURIComponent(id) }, id), ' ']).flat());
  add(c.member_ids);
  let shown = c.member_ids.length;
  let cursor = c.member_ids[c.member_ids.length - 1];
  const more = h('button', { class: 'small', 'data-more': c.name });
  const label = () => { more.textContent = `${c.members - shown} more…`; more.hidden = shown >= c.members; };
  label();
  more.addEventListener('click', async () => {
    const page = await guarded(() => api('GET', `/v1/admin/classes/${encodeURIComponent(c.name)}/members?limit=${CLASS_PAGE}`
      + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '')));
    if (!page) return;
    add(page.member_ids);
    shown += page.member_ids.length;
    c.members = page.members;
    cursor = page.next || cursor;
    if (page.next === null) shown = c.members; // the last page
    label();
  });
  return h('span', {}, ids, more);
}

async function classesPage(main) {
  main.replaceChildren(h('h2', {}, 'Quality classes'));
  const r = await guarded(() => api('GET', '/v1/admin/classes?ids=' + CLASS_IDS));
  if (!r) return;
  // Live: a new class redraws the page; a changed one its count; a
  // cleared one stays listed, marked (a clear from here then answers 404).
  state.listeners.add((kind, c) => {
    if (kind !== 'class') return;
    const row = document.querySelector(`tr[data-id="${CSS.escape(c.name)}"]`);
    if (!row) {
      if (c.change !== 'cleared') route();
    } else if (c.change === 'cleared') {
      row.classList.add('gone');
      setCell('data-members', c.name, 'cleared');
    } else {
      setCell('data-members', c.name, c.members);
    }
  });
  const rows = r.classes.map((c) => ({
    id: c.name, item: c,
    cells: [h('span', { class: 'mono' }, c.name), c.kind === 'disconnect' ? 'disconnection (GE)' : 'failing group (GF)',
      h('span', { 'data-members': c.name }, c.members), dash(c.formed_at), c.expires_at || 'never',
      memberList(c),
      h('button', { class: 'small danger', 'data-clear': c.name, onclick: () => clearClass(c) }, 'Clear…')],
  }));
  main.append(h('div', { class: 'panel' },
    h('p', { class: 'muted' }, 'Terminals that dropped together (GE) or in a failing group (GF) are spread over several clusters while their class lasts ([placement] class_ttl).'),
    r.classes.length === 0 ? h('p', { class: 'muted', id: 'no-classes' }, 'No quality classes.')
      : table(['Class', 'Kind', { title: 'Members', num: true }, 'Formed', 'Expires', 'First members', ''], rows)),
  h('p', { class: 'muted', id: 'class-result' }));
}

// -- jobs ---------------------------------------------------------------------

async function jobsPage(main) {
  const status = h('select', { id: 'job-status' }, ['', 'queued', 'delivered', 'acked', 'done', 'failed', 'expired', 'canceled']
    .map((s) => h('option', { value: s }, s || 'any status')));
  const terminal = h('input', { id: 'job-terminal', placeholder: 'terminal id (optional)' });
  const results = h('div', {});
  const load = async () => {
    let q = '/v1/jobs?limit=100';
    if (status.value) q += '&status=' + status.value;
    if (terminal.value.trim()) q += '&terminal_id=' + encodeURIComponent(terminal.value.trim());
    const r = await guarded(() => api('GET', q));
    if (!r) return;
    results.replaceChildren(r.jobs.length === 0 ? h('p', { class: 'muted' }, 'No jobs.')
      : table(jobHeaders, jobRows(r.jobs), openJob));
  };
  // Live: a job event changes its row, or adds a new job that the filters
  // let through at the top; while the stream is down the list is read
  // again every 5 s.
  state.listeners.add((kind, j) => {
    if (kind !== 'job') return;
    if (setCell('data-job-status', j.id, badge(j.status))) return;
    if ((status.value && status.value !== j.status)
      || (terminal.value.trim() && terminal.value.trim() !== j.terminal)) return;
    let body = results.querySelector('tbody');
    if (!body) {
      results.replaceChildren(table(jobHeaders, [], openJob));
      body = results.querySelector('tbody');
    }
    body.prepend(h('tr', { class: 'link', 'data-id': j.id, onclick: () => openJob({ job_id: j.id }) },
      [h('span', { class: 'mono' }, j.id), j.terminal, j.service,
        h('span', { 'data-job-status': j.id, 'data-by': 'event' }, badge(j.status)), '-', '-', '-']
        .map((c, i) => h('td', { class: jobHeaders[i].num ? 'num' : '' }, c))));
  });
  state.timer = setInterval(() => { if (!state.live) load(); }, JOBS_POLL_MS);
  const find = h('input', { id: 'job-id', placeholder: 'job id' });
  main.replaceChildren(h('h2', {}, 'Jobs'),
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); load(); } },
      status, terminal, h('button', { type: 'submit', class: 'primary' }, 'Show'),
      h('span', { class: 'muted' }, 'newest first, the last 100'),
      h('span', { class: 'muted' }, '·'),
      find, h('button', { type: 'button', onclick: () => find.value.trim() && openJob({ job_id: find.value.trim() }) }, 'Open')),
    h('div', { class: 'panel' }, results));
  await load();
}

async function jobDetail(main, id) {
  main.replaceChildren(h('h2', {}, 'Job ', h('span', { class: 'mono' }, id)));
  state.listeners.add((kind, j) => {
    if (kind === 'job' && j.id === id && location.hash === '#job/' + encodeURIComponent(id)) route();
  });
  const j = await guarded(() => api('GET', '/v1/jobs/' + encodeURIComponent(id)));
  if (!j) return;
  const steps = [['created', j.created_at], ['delivered', j.delivered_at], ['acked', j.acked_at],
    [['done', 'failed', 'expired'].includes(j.status) ? j.status : 'finished', j.finished_at]];
  main.append(h('div', { class: 'grid2' },
    h('div', { class: 'panel' }, h('h3', {}, 'Job'), kv([
      ['status', badge(j.status)], ['detail', dash(j.detail)],
      ['terminal', h('a', { href: '#terminal/' + encodeURIComponent(j.terminal_id) }, j.terminal_id)],
      ['service', j.service], ['deliveries', j.deliveries], ['ttl', j.ttl_s ? j.ttl_s + ' s' : '-'],
      ['callback', dash(j.callback_url)], ['updated', dash(j.updated_at)],
      ['payload', h('code', {}, JSON.stringify(j.payload))]])),
    h('div', { class: 'panel' }, h('h3', {}, 'Timeline'),
      h('ul', { class: 'timeline' }, steps.map(([name, at]) =>
        h('li', { class: at ? 'reached' : '' }, h('b', {}, name), ' ', h('span', { class: 'muted' }, at || 'not yet')))))));
}

// -- actions ------------------------------------------------------------------

function resultLine(id) {
  return h('div', { class: 'result muted', id });
}

function show(el, pairs) {
  el.replaceChildren(kv(pairs.map(([k, v]) => [k, dash(v)])));
}

async function actions(main) {
  const data = await guarded(() => api('GET', '/v1/admin/clusters'));
  const labels = await guarded(() => api('GET', '/v1/admin/label-config'));
  if (!data || !labels) return;
  const clusters = data.clusters;
  const targets = [];
  for (const c of clusters) {
    targets.push(h('option', { value: 'cluster:' + c.cluster_id }, `cluster ${c.cluster_id} (${c.state})`));
    for (const n of c.nodes) targets.push(h('option', { value: 'node:' + n.node_id }, `node ${n.node_id} of ${c.cluster_id} (${n.state})`));
  }
  const target = h('select', { id: 'state-target' }, targets);
  const stateSel = h('select', { id: 'state-value' }, h('option', { value: 'draining' }, 'drain'), h('option', { value: 'active' }, 'activate'));

  const editCluster = h('select', { id: 'edit-cluster' }, clusters.map((c) => h('option', { value: c.cluster_id }, c.cluster_id)));
  const weight = h('input', { id: 'edit-weight', type: 'number', min: 0, max: 1000000, placeholder: 'weight' });
  const labelsIn = h('input', { id: 'edit-labels', size: 40, placeholder: '{"region":["GG1"]}' });
  const fillCluster = () => {
    const c = clusters.find((x) => x.cluster_id === editCluster.value);
    if (c) { weight.value = c.weight; labelsIn.value = JSON.stringify(c.labels); }
  };
  editCluster.addEventListener('change', fillCluster);
  fillCluster();
  const clusterOut = resultLine('cluster-result');

  const items = h('input', { id: 'label-items', size: 40, value: labels.items.join(' ') });
  const itemsOut = resultLine('label-result');

  const reScope = h('select', { id: 'realloc-scope' }, h('option', { value: 'all' }, 'every terminal'),
    h('option', { value: 'cluster' }, 'one cluster'), h('option', { value: 'list' }, 'these terminals'));
  const reArg = h('input', { id: 'realloc-arg', size: 40, placeholder: 'cluster id, or terminal ids separated by spaces' });
  const reOut = resultLine('realloc-result');

  const pushId = h('input', { id: 'push-terminal', placeholder: 'terminal id' });
  const pushOut = resultLine('push-result');

  main.replaceChildren(h('h2', {}, 'Actions'),
    h('div', { class: 'panel' }, h('h3', {}, 'Drain or activate'),
      h('div', { class: 'row' }, stateSel, target, h('button', { class: 'danger', onclick: async () => {
        const [kind, id] = target.value.split(/:(.*)/s);
        await setState(kind, id, stateSel.value);
        route();
      } }, 'Apply…'))),
    h('div', { class: 'panel' }, h('h3', {}, 'Cluster labels and weight'),
      h('div', { class: 'row' }, editCluster, 'weight', weight, 'labels', labelsIn,
        h('button', { class: 'danger', onclick: async () => {
          let parsed;
          try { parsed = JSON.parse(labelsIn.value || '{}'); } catch (e) {
            showError('labels must be a JSON object, e.g. {"region":["GG1"]}'); return;
          }
          const body = { labels: parsed, weight: Number(weight.value) };
          if (!(await confirmDialog(`Change cluster ${editCluster.value} to weight ${body.weight}, labels ${labelText(parsed)}?`))) return;
          const r = await guarded(() => api('PUT', '/v1/admin/clusters/' + encodeURIComponent(editCluster.value), body));
          if (r) show(clusterOut, [['cluster', r.cluster_id], ['state', r.state], ['weight', r.weight], ['labels', labelText(r.labels)]]);
        } }, 'Save…')), clusterOut),
    h('div', { class: 'panel' }, h('h3', {}, 'Label configuration'),
      h('div', { class: 'row' }, items, h('span', { class: 'muted' }, 'items separated by spaces; empty: every active cluster is a candidate'),
        h('button', { class: 'danger', onclick: async () => {
          const list = items.value.split(/[\s,]+/).filter(Boolean);
          if (!(await confirmDialog(`Use the label items [${list.join(', ')}]? Terminals placed before keep their cluster until re-allocated.`))) return;
          const r = await guarded(() => api('PUT', '/v1/admin/label-config', { items: list }));
          if (r) show(itemsOut, [['items', r.items.join(', ') || '(none)']]);
        } }, 'Save…')), itemsOut),
    h('div', { class: 'panel' }, h('h3', {}, 'Re-allocate'),
      h('div', { class: 'row' }, reScope, reArg, h('button', { class: 'danger', id: 'realloc', onclick: async () => {
        const body = reScope.value === 'cluster' ? { cluster_id: reArg.value.trim() }
          : reScope.value === 'list' ? { terminal_ids: reArg.value.split(/[\s,]+/).filter(Boolean) } : {};
        if (!(await confirmDialog('Re-allocate ' + (reScope.value === 'all' ? 'every terminal' : reScope.value === 'cluster' ? 'the terminals of cluster ' + body.cluster_id : body.terminal_ids.length + ' terminals') + '? Connected devices that must move are told to reconnect, paced.'))) return;
        const r = await guarded(() => api('POST', '/v1/admin/reallocate', body));
        if (r) show(reOut, [['candidates', r.candidates], ['moving', r.moving], ['connected', r.connected], ['pending', r.pending]]);
      } }, 'Re-allocate…')), reOut),
    h('div', { class: 'panel' }, h('h3', {}, 'Push a test job'),
      h('div', { class: 'row' }, pushId, h('button', { class: 'danger', onclick: () => pushTestJob(pushId.value.trim(), (r) => {
        pushOut.replaceChildren(kv([['job', h('a', { href: '#job/' + encodeURIComponent(r.job_id) }, r.job_id)], ['status', r.status]]));
      }) }, 'Push…')), pushOut));
}

// -- the router ---------------------------------------------------------------

async function route() {
  if (state.timer) { clearInterval(state.timer); state.timer = null; }
  refreshNow = () => route();
  const main = $('main');
  const loggedIn = Boolean(state.key);
  state.listeners.clear();
  $('nav').hidden = !loggedIn;
  $('logout').hidden = !loggedIn;
  if (!loggedIn) {
    main.replaceChildren(loginSection);
    $('key').focus();
    return;
  }
  const [page, arg] = location.hash.replace(/^#/, '').split(/\/(.*)/s);
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', a.dataset.page === page
      || (page === 'terminal' && a.dataset.page === 'terminals') || (page === 'job' && a.dataset.page === 'jobs'));
  const id = arg ? decodeURIComponent(arg) : '';
  if (page === 'terminals') return terminals(main);
  if (page === 'terminal') return terminalDetail(main, id);
  if (page === 'jobs') return jobsPage(main);
  if (page === 'job') return jobDetail(main, id);
  if (page === 'actions') return actions(main);
  if (page === 'classes') return classesPage(main);
  return overview(main);
}

const loginSection = $('login');
$('login-form').addEventListener('submit', (e) => { e.preventDefault(); login($('key').value); });
$('logout').addEventListener('click', () => logout());
window.addEventListener('hashchange', () => { showError(null); route(); });
setLive(false);
startEvents();
route();
