/* global document, window, location, history, sessionStorage, fetch, crypto, btoa, Node, TextEncoder, URLSearchParams, FormData -- a browser script */
// The visibility page (docs/visibility.md): plain DOM, no framework, no third-party code. It reads the visibility
// API next to it (`api/...`, same origin) and refreshes on its own. Every value from the API is written as text,
// never as HTML. When the API answers 401 it signs in with the Cognito hosted UI (authorization code with PKCE)
// described by config.json; in the sandbox the API does not ask.
// One file on purpose (~480 lines): the visibility function embeds exactly index.html, app.js and app.css in its
// bundle and serves them itself (lambdas/visibility/assets.ts), with no bundler for the browser side.

const VIEWS = ['trouble', 'unbilled', 'cases', 'timeline'];
const TOKEN_KEY = 'lsync.visibility.token';
const PKCE_KEY = 'lsync.visibility.pkce';

const state = {
  config: { refreshSeconds: 30, auth: null },
  view: 'trouble',
  filters: { trouble: {}, unbilled: {}, cases: {} },
  timelineId: '',
  lastRefresh: null,
  timer: null,
  loading: false,
  again: false,
};

// ---------------------------------------------------------------------------------------------- DOM helpers

/** An element with attributes and children (strings become text nodes). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function replace(host, ...children) {
  host.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

// ---------------------------------------------------------------------------------------------- formatting

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Math.round(rest)} ms`;
  if (rest < 60_000) return `${sign}${(rest / 1000).toFixed(1)} s`;
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  const minutes = Math.floor((rest - hours * 3_600_000) / 60_000);
  return sign + [days ? `${days} d` : '', hours ? `${hours} h` : '', `${minutes} min`].filter(Boolean).join(' ');
}

function amount(value, currency) {
  if (value === null || value === undefined) return '—';
  const number = Number(value);
  if (!currency) return `${value}`;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(number);
  } catch {
    return `${value} ${currency}`;
  }
}

function badge(text, kind = text) {
  return el('span', { class: `badge badge-${String(kind).replace(/[^a-z0-9-]/gi, '')}` }, text);
}

function timelineLink(id, label = id) {
  return el('a', { href: `#timeline/${encodeURIComponent(id)}`, 'data-timeline': id }, label);
}

// ---------------------------------------------------------------------------------------------- sign-in

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function pageUrl() {
  return `${location.origin}${location.pathname}`;
}

function token() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null');
    return stored && stored.expiresAt > Date.now() ? stored.token : null;
  } catch {
    return null;
  }
}

async function signIn() {
  const auth = state.config.auth;
  if (!auth) throw new Error('the API asks for a sign-in, but config.json names no sign-in');
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, nonce, hash: location.hash }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: pageUrl(),
    scope: auth.scopes.join(' '),
    state: nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${auth.domainUrl}/oauth2/authorize?${query}`);
  // The page is leaving; nothing after this runs.
  return new Promise(() => {});
}

/** Back from the hosted UI with `?code=…&state=…`: exchange the code for tokens, then drop them from the address. */
async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code || !state.config.auth) return;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null');
  sessionStorage.removeItem(PKCE_KEY);
  if (!pending || pending.nonce !== params.get('state')) throw new Error('the sign-in answer does not match the sign-in this page started');
  const response = await fetch(`${state.config.auth.domainUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: state.config.auth.clientId, code, redirect_uri: pageUrl(), code_verifier: pending.verifier }),
  });
  if (!response.ok) throw new Error(`sign-in failed (${response.status})`);
  const tokens = await response.json();
  // API Gateway's Cognito authorizer takes the ID token; keep it for this tab only, a minute short of its expiry.
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token: tokens.id_token, expiresAt: Date.now() + (tokens.expires_in - 60) * 1000 }));
  history.replaceState(null, '', `${location.pathname}${pending.hash ?? ''}`);
}

async function api(path) {
  const bearer = token();
  const response = await fetch(path, { headers: bearer ? { authorization: bearer } : {} });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    return signIn();
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 404 && path.includes('/timeline')) return null;
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

// ---------------------------------------------------------------------------------------------- summary tiles

function queryOf(filters) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== undefined && value !== '' && value !== 'any') query.set(name, value);
  return query;
}

async function renderSummary() {
  const summary = await api(`api/summary?${queryOf(state.filters.trouble)}`);
  const host = document.getElementById('summary');
  const money =
    summary.revenueAtRisk.length === 0
      ? [el('div', { class: 'tile', 'data-testid': 'revenue-at-risk' }, el('span', { class: 'tile-label' }, 'Revenue at risk'), el('strong', {}, '—'), el('span', { class: 'tile-note' }, 'no order value recorded for the deliveries in trouble'))]
      : summary.revenueAtRisk.map((r) =>
          el(
            'div',
            { class: 'tile tile-money', 'data-testid': 'revenue-at-risk', 'data-currency': r.currency ?? '' },
            el('span', { class: 'tile-label' }, `Revenue at risk (${r.currency ?? 'no currency'})`),
            el('strong', {}, amount(r.atRisk, r.currency)),
            el('span', { class: 'tile-note' }, `order value ${amount(r.orderValue, r.currency)} + contract penalties ${amount(r.penalty, r.currency)}, ${r.orders} order${r.orders === 1 ? '' : 's'}`),
          ),
        );
  const severities = ['critical', 'major', 'minor', 'unknown'].map((s) =>
    el('div', { class: `tile tile-severity`, 'data-severity': s }, el('span', { class: 'tile-label' }, s), el('strong', {}, String(summary.bySeverity[s] ?? 0))),
  );
  replace(
    host,
    ...money,
    el('div', { class: 'tile', 'data-testid': 'in-trouble-count' }, el('span', { class: 'tile-label' }, 'Deliveries in trouble'), el('strong', {}, String(summary.shipmentsInTrouble))),
    ...severities,
    summary.withoutOrderValue > 0 ? el('p', { class: 'tile-warning' }, `${summary.withoutOrderValue} in trouble without a recorded order value (not summed).`) : null,
    summary.truncated ? el('p', { class: 'tile-warning' }, 'More deliveries are in trouble than the summary reads; narrow the filters.') : null,
  );
}

// ---------------------------------------------------------------------------------------------- tables

function table(columns, rows, rowAttributes = () => ({})) {
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c.title)))),
    el(
      'tbody',
      {},
      rows.map((row) => el('tr', rowAttributes(row), columns.map((c) => el('td', { 'data-column': c.key }, c.cell(row))))),
    ),
  );
}

function exceptionsCell(row) {
  return row.exceptions.map((e) =>
    el('div', { class: `line ${e.active ? '' : 'muted'}` }, badge(e.severity), ' ', e.kind.replaceAll('-', ' '), ' · ', e.status, e.resolvedBy ? ` (${e.resolvedBy === 'delivery' ? 'by delivery' : 'case solved'})` : ''),
  );
}

function casesCell(row) {
  return row.cases.length === 0
    ? '—'
    : row.cases.map((c) => el('div', { class: 'line', 'data-case': c.caseId }, `#${c.caseId} `, badge(c.status), c.priority ? ` ${c.priority}` : '', c.source === 'workflow' ? ' · opened by the workflow' : ''));
}

function holdsCell(row) {
  return row.holds.length === 0 ? '—' : row.holds.map((h) => el('div', { class: 'line', 'data-hold': h.holdId }, `${h.holdId} `, badge(h.status), h.disposition ? ` ${h.disposition}` : ''));
}

function billingCell(row) {
  if (row.invoice) return el('span', {}, `invoiced ${row.invoice.invoiceId}`, row.invoice.grossAmount ? ` · ${amount(row.invoice.grossAmount, row.invoice.currency)}` : '');
  if (row.billingReadyAt) return `billing-ready ${when(row.billingReadyAt)}`;
  if (row.deliveredAt) return `delivered ${when(row.deliveredAt)}, not billing-ready`;
  return 'not delivered';
}

function moneyCell(row) {
  if (!row.money) return el('span', { class: 'muted' }, 'not recorded');
  if (row.money.atRisk === null) return el('span', { title: 'order value' }, amount(row.money.orderValue, row.money.currency));
  return el(
    'span',
    { title: `order value ${row.money.orderValue ?? '?'} + penalty ${row.money.penalty ?? '?'} (${row.money.basis.join(', ')})`, 'data-testid': 'row-at-risk' },
    el('strong', {}, amount(row.money.atRisk, row.money.currency)),
    el('br'),
    el('small', {}, `value ${amount(row.money.orderValue, row.money.currency)} + penalty ${amount(row.money.penalty, row.money.currency)}`),
  );
}

const ids = (row) => [timelineLink(row.shipmentId), row.orderId ? el('div', { class: 'sub' }, 'order ', timelineLink(row.orderId)) : null, row.routeId ? el('div', { class: 'sub' }, `route ${row.routeId}`) : null];

const TROUBLE_COLUMNS = [
  { key: 'severity', title: 'Severity', cell: (r) => badge(r.severity) },
  { key: 'shipment', title: 'Shipment', cell: ids },
  { key: 'customer', title: 'Customer', cell: (r) => r.customerId ?? '—' },
  { key: 'since', title: 'In trouble for', cell: (r) => [duration(r.ageMinutes * 60_000), el('div', { class: 'sub' }, `since ${when(r.since)}`)] },
  { key: 'milestone', title: 'Shipment status', cell: (r) => r.milestone ?? '—' },
  { key: 'exceptions', title: 'Exceptions', cell: exceptionsCell },
  { key: 'cases', title: 'Cases', cell: casesCell },
  { key: 'holds', title: 'Quality holds', cell: holdsCell },
  { key: 'billing', title: 'Billing', cell: billingCell },
  { key: 'money', title: 'Revenue at risk', cell: moneyCell },
];

const UNBILLED_COLUMNS = [
  { key: 'shipment', title: 'Shipment', cell: ids },
  { key: 'customer', title: 'Customer', cell: (r) => r.customerId ?? '—' },
  { key: 'delivered', title: 'Delivered', cell: (r) => [when(r.deliveredAt), el('div', { class: 'sub' }, `${duration(Date.now() - Date.parse(r.deliveredAt))} ago`)] },
  {
    key: 'billing',
    title: 'Billing',
    cell: (r) => [
      r.billingReadyAt ? `billing-ready ${when(r.billingReadyAt)}, invoice not posted` : 'not billing-ready',
      ...(r.cancelledInvoices ?? []).map((c) => el('div', { class: 'sub', 'data-cancelled-invoice': c.invoiceId }, `invoice ${c.invoiceId} cancelled by credit memo ${c.creditMemoIds.join(', ')}`)),
    ],
  },
  { key: 'trouble', title: 'In trouble', cell: (r) => (r.inTrouble ? badge(r.severity) : '—') },
  { key: 'money', title: 'Order value', cell: (r) => (r.money ? amount(r.money.orderValue, r.money.currency) : el('span', { class: 'muted' }, 'not recorded')) },
];

const CASE_COLUMNS = [
  { key: 'case', title: 'Case', cell: (c) => el('span', { 'data-case': c.caseId }, `#${c.caseId}`) },
  { key: 'status', title: 'Status', cell: (c) => [badge(c.status), c.priority ? ` ${c.priority}` : ''] },
  { key: 'source', title: 'Opened by', cell: (c) => (c.source === 'workflow' ? `the ${c.trigger ?? ''} workflow` : c.source === 'cs' ? 'customer service' : c.source) },
  { key: 'opened', title: 'Opened / resolved', cell: (c) => [when(c.openedAt), el('div', { class: 'sub' }, c.resolvedAt ? `resolved ${when(c.resolvedAt)}` : 'not resolved')] },
  { key: 'disruption', title: 'Route disruption', cell: (c) => [badge(c.disruption.severity), ` ${c.disruption.kinds.join(', ').replaceAll('-', ' ')}`, el('div', { class: 'sub' }, c.disruption.active ? 'still active' : 'over')] },
  { key: 'shipment', title: 'Shipment', cell: ids },
  { key: 'customer', title: 'Customer', cell: (c) => c.customerId ?? '—' },
];

/** The pages read so far of each list, so "Load more" appends and a refresh re-reads as many. */
const lists = {
  trouble: { path: 'api/deliveries/trouble', columns: TROUBLE_COLUMNS, key: (r) => ({ 'data-shipment': r.shipmentId, 'data-severity': r.severity }), empty: 'No delivery matches: nothing in trouble for these filters.' },
  unbilled: { path: 'api/deliveries/unbilled', columns: UNBILLED_COLUMNS, key: (r) => ({ 'data-shipment': r.shipmentId }), empty: 'Every delivery is invoiced.' },
  cases: { path: 'api/cases', columns: CASE_COLUMNS, key: (c) => ({ 'data-case': c.caseId, 'data-shipment': c.shipmentId }), empty: 'No case is linked to a disruption in this period.' },
};

async function renderList(name) {
  const list = lists[name];
  const host = document.getElementById(`${name}-table`);
  const rows = [];
  let cursor;
  // Re-read as many pages as were shown, so an automatic refresh does not collapse a list the reader expanded.
  const pages = Math.max(1, list.pagesShown ?? 1);
  for (let page = 0; page < pages; page++) {
    const query = queryOf(state.filters[name]);
    if (cursor) query.set('cursor', cursor);
    const body = await api(`${list.path}?${query}`);
    rows.push(...body.items);
    cursor = body.cursor;
    if (!cursor) break;
  }
  list.pagesShown = pages;
  const more = cursor
    ? el('button', { type: 'button', class: 'more', onclick: () => ((list.pagesShown = pages + 1), guarded(() => renderList(name))) }, 'Load more')
    : null;
  replace(host, rows.length === 0 ? el('p', { class: 'empty', 'data-testid': 'empty' }, list.empty) : table(list.columns, rows, list.key), more);
}

// ---------------------------------------------------------------------------------------------- timeline

const SYSTEM_LABEL = { erp: 'ERP', fleet: 'fleet', cs: 'customer service', orchestrator: 'workflow' };

function factsText(facts) {
  return Object.entries(facts ?? {})
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
}

async function renderTimeline() {
  const host = document.getElementById('timeline-body');
  document.querySelector('#timeline-form input[name=id]').value = state.timelineId;
  if (!state.timelineId) {
    replace(host, el('p', { class: 'empty' }, 'Choose a shipment in a list, or enter an id.'));
    return;
  }
  const trace = await api(`api/shipments/${encodeURIComponent(state.timelineId)}/timeline`);
  if (!trace) {
    replace(host, el('p', { class: 'empty', 'data-testid': 'empty' }, `Nothing is known about ${state.timelineId}.`));
    return;
  }
  const s = trace.summary;
  const systems = [...new Set(trace.timeline.map((h) => h.system))];
  replace(
    host,
    el(
      'dl',
      { class: 'facts', 'data-testid': 'timeline-summary' },
      el('dt', {}, 'Matched as'),
      el('dd', {}, trace.matchedAs.map((m) => `${m.kind} ${m.id}`).join(', ')),
      el('dt', {}, 'Systems'),
      el('dd', { 'data-testid': 'timeline-systems' }, systems.map((x) => SYSTEM_LABEL[x] ?? x).join(', ')),
      el('dt', {}, 'Events'),
      el('dd', {}, `${s.events} over ${duration(s.spanMs)}${s.lateEvents ? `, ${s.lateEvents} late` : ''}`),
      el('dt', {}, 'Dispatch confirmed after'),
      el('dd', {}, duration(s.dispatchConfirmationMs)),
      el('dt', {}, 'POD → billing-ready → invoice'),
      el('dd', {}, `${duration(s.podToBillingReadyMs)} → ${duration(s.podToInvoiceMs)}`),
      el('dt', {}, 'Shipments'),
      el('dd', {}, trace.shipments.map((x) => `${x.shipmentId} ${x.milestone}`).join(', ') || '—'),
    ),
    trace.failed.length > 0 ? el('div', { class: 'alert' }, el('h3', {}, 'Failed hops'), trace.failed.map((f) => el('div', { class: 'line' }, `${f.target} ${f.operation}: ${f.errorCode}${f.reason ? ` — ${f.reason}` : ''}`))) : null,
    trace.pending.length > 0 ? el('div', { class: 'pending' }, el('h3', {}, 'Waiting for'), trace.pending.map((p) => el('div', { class: 'line' }, `${p.description} (${p.target}) · ${p.status} for ${duration(p.waitingMs)}`))) : null,
    el(
      'ol',
      { class: 'timeline', 'data-testid': 'timeline' },
      trace.timeline.map((h) =>
        el(
          'li',
          { class: `hop hop-${h.system}${h.late ? ' hop-late' : ''}`, 'data-system': h.system, 'data-event-type': h.eventType },
          el('span', { class: 'hop-time' }, when(h.occurredAt)),
          el('span', { class: 'hop-delta', title: 'since the previous hop' }, `+${duration(h.sincePreviousMs)}`),
          badge(SYSTEM_LABEL[h.system] ?? h.system, h.system),
          el('strong', { class: 'hop-type' }, h.eventType),
          h.late ? badge('late') : null,
          el('span', { class: 'hop-facts' }, factsText(h.facts)),
          el('span', { class: 'hop-ingest', title: 'from the source to us' }, `received after ${duration(h.ingestLatencyMs)}`),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------- navigation & refresh

function readHash() {
  const [view, rest = ''] = location.hash.replace(/^#/, '').split('/');
  state.view = VIEWS.includes(view) ? view : 'trouble';
  if (state.view === 'timeline' && rest) state.timelineId = decodeURIComponent(rest);
  for (const link of document.querySelectorAll('nav.tabs a')) link.setAttribute('aria-current', link.dataset.view === state.view ? 'page' : 'false');
  for (const name of VIEWS) document.getElementById(`view-${name}`).hidden = name !== state.view;
}

let failure = null;

/** Runs a render, showing its failure in the status line instead of throwing. */
async function guarded(render) {
  try {
    await render();
    failure = null;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  showStatus();
}

async function refresh() {
  // A refresh asked for while one runs (a filter changed during the automatic one) runs right after it.
  if (state.loading) {
    state.again = true;
    return;
  }
  state.loading = true;
  document.body.dataset.loaded = 'false';
  try {
    do {
      state.again = false;
      await guarded(async () => {
        await Promise.all([renderSummary(), state.view === 'timeline' ? renderTimeline() : renderList(state.view)]);
        state.lastRefresh = new Date();
      });
    } while (state.again);
  } finally {
    state.loading = false;
    document.body.dataset.loaded = 'true';
  }
}

function showStatus() {
  const status = document.getElementById('refresh-status');
  const updated = state.lastRefresh ? `Updated ${state.lastRefresh.toLocaleTimeString()}, refreshes every ${state.config.refreshSeconds} s` : 'Loading…';
  status.textContent = failure ? `Could not refresh: ${failure}` : updated;
  status.classList.toggle('error', failure !== null);
}

function schedule() {
  clearInterval(state.timer);
  // Hidden tabs do not poll: the API is not read for nobody.
  state.timer = setInterval(() => document.visibilityState === 'visible' && refresh(), state.config.refreshSeconds * 1000);
}

function bindForms() {
  for (const name of ['trouble', 'unbilled', 'cases']) {
    const form = document.getElementById(`${name}-filters`);
    const read = () => {
      state.filters[name] = Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v).trim()]));
      lists[name].pagesShown = 1;
    };
    read();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      read();
      refresh();
    });
    form.addEventListener('change', () => {
      read();
      refresh();
    });
  }
  document.getElementById('timeline-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = new FormData(event.target).get('id').toString().trim();
    location.hash = `#timeline/${encodeURIComponent(id)}`;
  });
  document.getElementById('refresh-now').addEventListener('click', () => refresh());
}

async function start() {
  try {
    state.config = await (await fetch('config.json')).json();
    // `?refresh=<seconds>` (at least 5) for a wall screen that should refresh faster or slower than the default.
    const refresh = Number(new URLSearchParams(location.search).get('refresh'));
    if (Number.isFinite(refresh) && refresh >= 5) state.config.refreshSeconds = refresh;
    await completeSignIn();
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  bindForms();
  readHash();
  window.addEventListener('hashchange', () => {
    readHash();
    refresh();
  });
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && refresh());
  await refresh();
  schedule();
}

start();
