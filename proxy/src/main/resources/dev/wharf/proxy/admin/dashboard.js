'use strict';
// The Wharf dashboard: polls this admin port's JSON API and renders it. Text from Redis only ever goes into
// textContent, never into HTML.
const token = new URLSearchParams(location.search).get('token');
const headers = token ? { Authorization: 'Bearer ' + token } : {};
const PAGE = 100;
const POLL_MS = 2000;
const HISTORY = 30;
const $ = (id) => document.getElementById(id);
const seen = new Map(); // route key -> { at, counts, buckets, rates: [] }
let offset = 0;
let query = '';
let timer = null;
let matched = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(text, error) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!error);
}

async function poll() {
  clearTimeout(timer);
  try {
    const url = 'api/frontends?offset=' + offset + '&limit=' + PAGE + '&q=' + encodeURIComponent(query);
    const response = await fetch(url, { headers, cache: 'no-store' });
    if (!response.ok) throw new Error(response.status + ' ' + (await response.text()).trim());
    render(await response.json());
    await unrouted();
    setStatus('updated ' + new Date().toLocaleTimeString());
  } catch (e) {
    setStatus('cannot read routes: ' + e.message, true);
  } finally {
    timer = setTimeout(poll, POLL_MS);
  }
}

/** Requests/s, 4xx/s, 5xx/s and p99 since the previous poll, from the cumulative counters. */
function rates(row, bounds) {
  if (!row.statusClasses) return null;
  const now = performance.now();
  const before = seen.get(row.key);
  const entry = { at: now, counts: row.statusClasses, buckets: row.durationBuckets, rates: before ? before.rates : [] };
  seen.set(row.key, entry);
  if (!before) return null;
  const seconds = (now - before.at) / 1000;
  const delta = (i) => row.statusClasses[i] - before.counts[i];
  const total = row.statusClasses.reduce((a, b) => a + b, 0) - before.counts.reduce((a, b) => a + b, 0);
  let p99 = null;
  if (total > 0) {
    let cumulative = 0;
    for (let i = 0; i < row.durationBuckets.length; i++) {
      cumulative += row.durationBuckets[i] - before.buckets[i];
      if (cumulative >= total * 0.99) {
        p99 = i < bounds.length ? '≤ ' + formatMicros(bounds[i]) : '> ' + formatMicros(bounds[bounds.length - 1]);
        break;
      }
    }
  }
  const rps = total / seconds;
  entry.rates = entry.rates.concat([rps]).slice(-HISTORY);
  return { rps, e4: delta(3) / seconds, e5: delta(4) / seconds, p99, history: entry.rates };
}

function formatMicros(micros) {
  return micros >= 1000000 ? (micros / 1000000).toFixed(1) + ' s' : micros >= 1000 ? (micros / 1000).toFixed(micros >= 10000 ? 0 : 1) + ' ms' : micros + ' µs';
}

function sparkline(values) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 90 22');
  if (values.length > 1) {
    const max = Math.max(...values, 1);
    const points = values.map((v, i) => (i * 90 / (HISTORY - 1)).toFixed(1) + ',' + (21 - v / max * 20).toFixed(1));
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.appendChild(line);
  }
  return svg;
}

function render(data) {
  matched = data.matched;
  $('total').textContent = data.total + ' route' + (data.total === 1 ? '' : 's') + (data.truncated ? ' (truncated)' : '');
  $('page-info').textContent = data.matched === 0 ? 'none' : (data.offset + 1) + '–' + Math.min(data.offset + data.limit, data.matched) + ' of ' + data.matched;
  $('prev').disabled = data.offset === 0;
  $('next').disabled = data.offset + data.limit >= data.matched;
  const rows = document.createDocumentFragment();
  for (const route of data.frontends) {
    const tr = el('tr');
    tr.dataset.key = route.key;
    tr.appendChild(el('td', 'route', route.key));
    tr.appendChild(el('td', 'rule', route.rule));
    const backends = el('td');
    for (const backend of route.backends) {
      const b = el('span', 'backend ' + (backend.dead ? 'dead' : 'live'), backend.url);
      b.title = backend.dead ? 'marked dead' : 'live';
      if (backend.container) b.appendChild(el('span', 'container', backend.container));
      backends.appendChild(b);
    }
    tr.appendChild(backends);
    const options = el('td');
    for (const option of route.options) options.appendChild(el('span', 'option', option));
    tr.appendChild(options);
    const r = rates(route, data.bucketsMicros);
    tr.appendChild(el('td', 'num', r ? r.rps.toFixed(1) : '–'));
    tr.appendChild(el('td', 'num', r ? r.e4.toFixed(1) : '–'));
    tr.appendChild(el('td', 'num', r ? r.e5.toFixed(1) : '–'));
    tr.appendChild(el('td', 'num', r && r.p99 ? r.p99 : '–'));
    const spark = el('td');
    spark.appendChild(sparkline(r ? r.history : []));
    tr.appendChild(spark);
    rows.appendChild(tr);
  }
  $('rows').replaceChildren(rows);
}

/** Containers that ask for a host and get no route, with the agent's reason ("why not routed?"). */
async function unrouted() {
  const response = await fetch('api/containers', { headers, cache: 'no-store' });
  if (!response.ok) return;
  const refused = (await response.json()).containers.filter((c) => !c.routed);
  const items = refused.map((c) => {
    const li = el('li', 'container-status', c.container + ' ' + c.why);
    li.appendChild(el('span', 'hosts', (c.hosts || []).join(', ')));
    if (c.detail) li.title = c.detail;
    return li;
  });
  $('unrouted-list').replaceChildren(...items);
  $('unrouted').hidden = refused.length === 0;
}

async function lookup(event) {
  event.preventDefault();
  const target = $('lookup-input').value.trim();
  const box = $('lookup-result');
  if (!target) return;
  const path = target.split('/').map(encodeURIComponent).join('/');
  box.hidden = false;
  box.replaceChildren(el('span', null, 'resolving ' + target + '…'));
  try {
    const response = await fetch('api/routes/' + path, { headers, cache: 'no-store' });
    const answer = await response.json();
    const parts = [];
    if (answer.error) {
      parts.push(el('span', 'miss', answer.error));
    } else if (!answer.matched) {
      parts.push(el('span', 'miss', 'no route for ' + answer.host + ' ' + answer.path));
      for (const why of answer.whyNot || []) parts.push(el('div', 'miss', why));
    } else {
      parts.push(el('strong', 'matched', answer.matched));
      parts.push(document.createTextNode(' by rule '));
      parts.push(el('strong', 'matched-rule', answer.rule));
      if (answer.route && answer.route.options) {
        for (const [name, value] of Object.entries(answer.route.options)) {
          parts.push(el('span', 'option', name === 'auth' ? 'auth' : name + '=' + value));
        }
      }
    }
    parts.push(el('div', 'tried', 'tried: ' + (answer.tried || []).join(' → ')));
    box.replaceChildren(...parts);
  } catch (e) {
    box.replaceChildren(el('span', 'miss', 'lookup failed: ' + e.message));
  }
}

let searchDelay = null;
$('search').addEventListener('input', () => {
  clearTimeout(searchDelay);
  searchDelay = setTimeout(() => { query = $('search').value.trim(); offset = 0; poll(); }, 250);
});
$('prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); poll(); });
$('next').addEventListener('click', () => { if (offset + PAGE < matched) { offset += PAGE; poll(); } });
$('lookup').addEventListener('submit', lookup);
poll();
