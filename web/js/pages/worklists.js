// worklists.js - patient lists from the standard library (DES cohorts,
// medication review, CVD prevention, anticipatory care): choose a list,
// filter by practice or text, sort by any column, page through it,
// download the filtered list as CSV, and open a patient (clinical roles;
// practice managers for their own practice). The whole list is loaded
// (in pages of the server's maximum) so filtering and sorting are instant.

import { api, ApiError, qs } from '../api.js';
import { network, practiceName, practicesOf, rows as tableRows, settle, titleCase } from '../data.js';
import { h, newId, panel, select, warning } from '../dom.js';
import { dateText, nhsNumberText } from '../format.js';

const PAGE_MAX = 500;

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

// Every row of a worklist: the first page tells the total, the rest are
// fetched in parallel.
async function loadWorklist(name) {
  const path = `/worklists/${encodeURIComponent(name)}`;
  const first = await api(path + qs({ limit: PAGE_MAX }));
  const rows = (first.rows || first.items || []).slice();
  const totalRows = typeof first.total === 'number' ? first.total : rows.length;
  const offsets = [];
  for (let off = rows.length; off < totalRows && rows.length > 0; off += PAGE_MAX) offsets.push(off);
  const pages = await Promise.all(offsets.map((offset) => api(path + qs({ limit: PAGE_MAX, offset }))));
  for (const p of pages) rows.push(...(p.rows || p.items || []));
  return { ...first, rows, total: totalRows };
}

function cellText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return dateText(v);
  return String(v);
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function patientName(r) {
  if (r.name) return r.name;
  if (r.given_name || r.family_name) return [r.given_name, r.family_name].filter(Boolean).join(' ');
  return r.patient_id || String(r.key || '');
}

export async function render(ctx, args) {
  const [net, lists] = await Promise.all([network(), listWorklists()]);
  if (!lists.length) return h('div', {}, h('h1', {}, 'Worklists'), warning('No worklists are defined.'));
  const me = ctx.me;
  const st = {
    name: lists.some((l) => l.name === args[0]) ? args[0] : lists[0].name,
    practice: me.role === 'practice_manager' && me.practice ? me.practice : '',
    text: '', sortCol: null, sortDir: 1, page: 0, size: 25, data: null,
  };
  const mayOpen = (r) => ctx.can('patient_level') && (me.role !== 'practice_manager' || r.practice === me.practice);

  const body = h('div', {});
  const status = h('p', { class: 'nhsuk-body', role: 'status', 'aria-live': 'polite', id: 'worklist-status' });

  const filtered = () => {
    const t = st.text.trim().toLowerCase();
    let rows = st.data.rows.filter((r) => (!st.practice || r.practice === st.practice) &&
      (!t || [patientName(r), r.patient_id, r.nhs_number].some((x) => x && String(x).toLowerCase().includes(t))));
    if (st.sortCol !== null) {
      const key = (r) => (st.sortCol === -1 ? patientName(r) : st.sortCol === -2 ? r.practice : r.values[st.sortCol]);
      rows = rows.slice().sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * st.sortDir;
      });
    }
    return rows;
  };

  // The filtered, sorted list as CSV, in the server's column order (key,
  // patient_id, practice, the list's columns), plus NHS number and name when
  // the server sends them.
  const downloadCsv = () => {
    const cols = st.data.columns || [];
    const rows = filtered();
    const ids = [['nhs_number', (r) => r.nhs_number], ['name', (r) => r.name]].filter(([k]) => rows.some((r) => r[k]));
    const lines = [['key', 'patient_id', 'practice', ...ids.map(([k]) => k), ...cols].map(csvCell).join(',')];
    for (const r of rows) {
      lines.push([r.key, r.patient_id, r.practice, ...ids.map(([, f]) => f(r)), ...(r.values || [])].map(csvCell).join(','));
    }
    const blob = new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `${st.name}${st.practice ? '-' + st.practice : ''}.csv` });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  };

  const sortButton = (label, col) => {
    const active = st.sortCol === col;
    return h('button', { type: 'button', class: 'pcn-sort', onclick: () => {
      st.sortDir = active ? -st.sortDir : 1;
      st.sortCol = col;
      st.page = 0;
      drawTable(true);
    } }, label, active ? (st.sortDir > 0 ? ' ▲' : ' ▼') : '');
  };

  const drawTable = (focusSort) => {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / st.size));
    st.page = Math.min(st.page, pages - 1);
    const slice = rows.slice(st.page * st.size, (st.page + 1) * st.size);
    const cols = st.data.columns || [];
    const hasNhs = rows.some((r) => r.nhs_number);
    const th = (label, col) => h('th', { scope: 'col', class: 'nhsuk-table__header',
      'aria-sort': st.sortCol === col ? (st.sortDir > 0 ? 'ascending' : 'descending') : 'none' }, sortButton(label, col));
    const tableEl = h('table', { class: 'nhsuk-table pcn-table-compact', id: 'worklist-table' },
      h('caption', { class: 'nhsuk-table__caption nhsuk-u-font-size-19' }, st.data.title || st.name),
      h('thead', { class: 'nhsuk-table__head' }, h('tr', { class: 'nhsuk-table__row' },
        th('Patient', -1), hasNhs ? h('th', { scope: 'col', class: 'nhsuk-table__header' }, 'NHS number') : null,
        th('Practice', -2), cols.map((c, i) => th(c, i)))),
      h('tbody', { class: 'nhsuk-table__body' }, slice.map((r) => h('tr', { class: 'nhsuk-table__row' },
        h('th', { scope: 'row', class: 'nhsuk-table__cell' }, mayOpen(r) && r.key !== undefined
          ? h('a', { href: `#/patient/${encodeURIComponent(r.key)}` }, patientName(r)) : patientName(r)),
        hasNhs ? h('td', { class: 'nhsuk-table__cell pcn-num' }, nhsNumberText(r.nhs_number)) : null,
        h('td', { class: 'nhsuk-table__cell' }, r.practice || ''),
        (r.values || []).map((v) => h('td', { class: 'nhsuk-table__cell' + (typeof v === 'number' ? ' pcn-num' : '') }, cellText(v)))))));
    const from = rows.length ? st.page * st.size + 1 : 0;
    status.textContent = `Showing ${from} to ${Math.min(rows.length, (st.page + 1) * st.size)} of ${rows.length} patients` +
      (rows.length !== st.data.rows.length ? ` (filtered from ${st.data.rows.length})` : '') + '.';
    const prev = h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'page-prev',
      disabled: st.page === 0, onclick: () => { st.page -= 1; drawTable(); } }, 'Previous page');
    const next = h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'page-next',
      disabled: st.page >= pages - 1, onclick: () => { st.page += 1; drawTable(); } }, 'Next page');
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
    try {
      st.data = await loadWorklist(st.name);
      st.sortCol = null;
      st.page = 0;
      drawTable();
    } catch (e) {
      st.data = null;
      status.textContent = '';
      body.replaceChildren(warning(`The worklist could not be loaded: ${e.message}`));
    }
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
    st.practice, (v) => { st.practice = v; st.page = 0; if (st.data) drawTable(); }),
    h('div', { class: 'nhsuk-form-group' },
      h('label', { class: 'nhsuk-label', for: searchId }, 'Search name, ID or NHS number'),
      h('input', { class: 'nhsuk-input', id: searchId, type: 'search', autocomplete: 'off',
        oninput: (e) => { st.text = e.target.value; st.page = 0; if (st.data) drawTable(); } })),
    select('Rows per page', [25, 50, 100].map((n) => ({ value: String(n), label: String(n) })), '25',
      (v) => { st.size = Number(v); st.page = 0; if (st.data) drawTable(); }),
    h('div', { class: 'nhsuk-form-group' }, h('button', { type: 'button', class: 'nhsuk-button', id: 'download-csv',
      onclick: () => { if (st.data) downloadCsv(); } }, 'Download CSV')));

  await load();
  return h('div', { id: 'page-worklists' },
    h('span', { class: 'nhsuk-caption-l' }, `Worklists · ${titleCase(net.name)}`),
    h('h1', {}, 'Worklists'),
    panel('Patients to act on', controls, status, body));
}
