// worklists.js - patient lists from the standard library (DES cohorts,
// medication review, CVD prevention, anticipatory care): choose a list,
// filter by practice or patient ID, sort by any column, page through it,
// download the filtered list as CSV, and open a patient (clinical roles;
// practice managers for their own practice). The server owns the rows:
// each view is one request for the filtered, sorted page
// (GET /worklists/{name} with practice, patient, sort, order, limit and
// offset) and the download is the server's CSV of the same query, so the
// page and the API can never disagree on what matches or in what order.

import { api, ApiError, qs } from '../api.js';
import { network, practiceName, practicesOf, rows as tableRows, settle, titleCase } from '../data.js';
import { h, newId, panel, select, warning } from '../dom.js';
import { dateText } from '../format.js';

const PAGE_MAX = 500; // the server's default max_page: CSV pages fetched per request
const TYPE_DELAY = 250; // ms after the last keystroke before the search is sent

// The worklists to offer: GET /worklists (the "worklists" table of the
// server's definitions), each probed (one row) for its size.
async function listWorklists() {
  const lists = tableRows(await api('/worklists'));
  const probes = await Promise.all(lists.map((l) =>
    settle(api(`/worklists/${encodeURIComponent(l.name)}${qs({ limit: 1 })}`))));
  const failed = probes.find((p) => !p.ok && !(p.error instanceof ApiError && p.error.status === 404));
  if (failed) throw failed.error;
  return lists.map((l, i) => (probes[i].ok ? {
    name: l.name, title: l.title || l.name, total: probes[i].value.total,
  } : null)).filter(Boolean);
}

function cellText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return dateText(v);
  return String(v);
}

export async function render(ctx, args) {
  const [net, lists] = await Promise.all([network(), listWorklists()]);
  if (!lists.length) return h('div', {}, h('h1', {}, 'Worklists'), warning('No worklists are defined.'));
  const me = ctx.me;
  const st = {
    name: lists.some((l) => l.name === args[0]) ? args[0] : lists[0].name,
    practice: me.role === 'practice_manager' && me.practice ? me.practice : '',
    text: '', sort: null, desc: false, page: 0, size: 25, data: null, seq: 0, typing: null,
  };
  const mayOpen = (r) => ctx.can('patient_level') && (me.role !== 'practice_manager' || r.practice === me.practice);
  const listTotal = () => (lists.find((l) => l.name === st.name) || {}).total;
  const path = () => `/worklists/${encodeURIComponent(st.name)}`;
  // the filters and the order, as the server takes them
  const query = (extra) => qs({
    practice: st.practice,
    patient: st.text.trim().slice(0, 64),
    sort: st.sort || undefined,
    order: st.sort && st.desc ? 'desc' : undefined,
    ...extra,
  });

  const body = h('div', { id: 'worklist-body', 'aria-busy': 'false' });
  const status = h('p', { class: 'nhsuk-body', role: 'status', 'aria-live': 'polite', id: 'worklist-status' });

  const showStatus = () => {
    const total = st.data ? st.data.total : 0;
    const from = total ? st.page * st.size + 1 : 0;
    const all = listTotal();
    status.textContent = `Showing ${from} to ${Math.min(total, (st.page + 1) * st.size)} of ${total} patients` +
      (typeof all === 'number' && all !== total ? ` (filtered from ${all})` : '') + '.';
  };

  // One page from the server; a later request supersedes an earlier one.
  const fetchPage = async () => {
    const seq = ++st.seq;
    body.setAttribute('aria-busy', 'true');
    try {
      const data = await api(path() + query({ limit: st.size, offset: st.page * st.size }));
      if (seq !== st.seq) return;
      const pages = Math.max(1, Math.ceil(data.total / st.size));
      if (st.page >= pages) { // the filter left fewer pages: show the last
        st.page = pages - 1;
        fetchPage();
        return;
      }
      st.data = data;
      drawTable();
      body.setAttribute('aria-busy', 'false');
    } catch (e) {
      if (seq !== st.seq) return;
      st.data = null;
      status.textContent = '';
      body.replaceChildren(warning(`The worklist could not be loaded: ${e.message}`));
      body.setAttribute('aria-busy', 'false');
    }
  };

  // A new filter: back to the first page.
  const refilter = () => {
    st.page = 0;
    fetchPage();
  };

  // The filtered, sorted list as the server's CSV, fetched a page of
  // PAGE_MAX rows at a time and joined (each page after the first without
  // its header line).
  const downloadCsv = async () => {
    const total = st.data ? st.data.total : 0;
    const offsets = [];
    for (let off = 0; off < Math.max(total, 1); off += PAGE_MAX) offsets.push(off);
    const texts = await Promise.all(offsets.map(async (offset) =>
      (await api(path() + query({ format: 'csv', limit: PAGE_MAX, offset }), { raw: true })).text()));
    const csv = texts.map((t, i) => (i === 0 ? t : t.slice(t.indexOf('\r\n') + 2))).join('');
    const blob = new Blob([csv], { type: 'text/csv' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `${st.name}${st.practice ? '-' + st.practice : ''}.csv` });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  };

  // Sort by key (patient_id, practice or a column title); again to reverse.
  const sortButton = (label, key) => {
    const active = st.sort === key;
    return h('button', { type: 'button', class: 'pcn-sort', onclick: () => {
      st.desc = active ? !st.desc : false;
      st.sort = key;
      drawTable(true); // the new order shows at once; the rows follow
      refilter();
    } }, label, active ? (st.desc ? ' ▼' : ' ▲') : '');
  };

  const drawTable = (focusSort) => {
    const rows = st.data.rows || [];
    const pages = Math.max(1, Math.ceil(st.data.total / st.size));
    const cols = st.data.columns || [];
    const th = (label, key) => h('th', { scope: 'col', class: 'nhsuk-table__header',
      'aria-sort': st.sort === key ? (st.desc ? 'descending' : 'ascending') : 'none' }, sortButton(label, key));
    const tableEl = h('table', { class: 'nhsuk-table pcn-table-compact', id: 'worklist-table' },
      h('caption', { class: 'nhsuk-table__caption nhsuk-u-font-size-19' }, st.data.title || st.name),
      h('thead', { class: 'nhsuk-table__head' }, h('tr', { class: 'nhsuk-table__row' },
        th('Patient', 'patient_id'), th('Practice', 'practice'), cols.map((c) => th(c, c)))),
      h('tbody', { class: 'nhsuk-table__body' }, rows.map((r) => h('tr', { class: 'nhsuk-table__row' },
        h('th', { scope: 'row', class: 'nhsuk-table__cell' }, mayOpen(r) && r.key !== undefined && r.key !== null
          ? h('a', { href: `#/patient/${encodeURIComponent(r.key)}` }, r.patient_id) : r.patient_id),
        h('td', { class: 'nhsuk-table__cell' }, r.practice || ''),
        (r.values || []).map((v) => h('td', { class: 'nhsuk-table__cell' + (typeof v === 'number' ? ' pcn-num' : '') }, cellText(v)))))));
    showStatus();
    const turn = (step) => () => {
      st.page += step;
      showStatus(); // the page asked for shows at once; its rows follow
      fetchPage();
    };
    const prev = h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'page-prev',
      disabled: st.page === 0, onclick: turn(-1) }, 'Previous page');
    const next = h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'page-next',
      disabled: st.page >= pages - 1, onclick: turn(1) }, 'Next page');
    body.replaceChildren(
      h('div', { class: 'pcn-table-wrap', tabindex: '0', role: 'region', 'aria-label': st.data.title || st.name }, tableEl),
      h('div', { class: 'pcn-pager' }, prev, h('span', {}, `Page ${st.page + 1} of ${pages}`), next));
    if (focusSort) {
      const b = body.querySelector('th[aria-sort="ascending"] button, th[aria-sort="descending"] button');
      if (b) b.focus();
    }
  };

  const load = async () => {
    body.replaceChildren(h('p', { class: 'nhsuk-body' }, 'Loading…'));
    st.data = null;
    st.sort = null;
    st.desc = false;
    st.page = 0;
    await fetchPage();
  };

  const searchId = newId('search');
  const controls = h('div', { class: 'pcn-controls' },
    select('Worklist', lists.map((l) => ({ value: l.name,
      label: `${l.title}${typeof l.total === 'number' ? ` (${l.total})` : ''}` })), st.name, (v) => {
      st.name = v;
      history.replaceState(null, '', `#/worklists/${encodeURIComponent(v)}`);
      load();
    }),
    select('Practice', [{ value: '', label: 'All practices' },
      ...practicesOf(net).map((p) => ({ value: p.code, label: `${titleCase(practiceName(net, p.code))} (${p.code})` }))],
    st.practice, (v) => { st.practice = v; refilter(); }),
    h('div', { class: 'nhsuk-form-group' },
      h('label', { class: 'nhsuk-label', for: searchId }, 'Search patient ID'),
      h('input', { class: 'nhsuk-input', id: searchId, type: 'search', autocomplete: 'off', maxlength: '64',
        oninput: (e) => {
          st.text = e.target.value;
          clearTimeout(st.typing);
          body.setAttribute('aria-busy', 'true');
          st.typing = setTimeout(refilter, TYPE_DELAY);
        } })),
    select('Rows per page', [25, 50, 100].map((n) => ({ value: String(n), label: String(n) })), '25',
      (v) => { st.size = Number(v); if (st.data) refilter(); }),
    h('div', { class: 'nhsuk-form-group' }, h('button', { type: 'button', class: 'nhsuk-button', id: 'download-csv',
      onclick: () => { if (st.data) downloadCsv().catch((e) => { status.textContent = `The download failed: ${e.message}`; }); } },
    'Download CSV')));

  await load();
  return h('div', { id: 'page-worklists' },
    h('span', { class: 'nhsuk-caption-l' }, `Worklists · ${titleCase(net.name)}`),
    h('h1', {}, 'Worklists'),
    panel('Patients to act on', controls, status, body));
}
