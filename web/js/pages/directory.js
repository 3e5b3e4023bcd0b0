// directory.js - the community asset directory (GET /sp/assets): search by
// category, words and distance from a postcode, nearest first, with each
// asset's sessions, cost, age range, referral route and when it was last
// checked (entries not verified in 12 months are flagged). From a
// referral, #/directory/patient/KEY measures from that person's home
// (GET /sp/patients/KEY/assets, audited) without showing where it is.

import { api, ApiError, qs } from '../api.js';
import { rows } from '../data.js';
import { h, newId, panel, select, table, warning } from '../dom.js';
import { dateText } from '../format.js';
import { categoriesText, categoryLabels } from '../sp.js';

const PAGE = 50;

export async function render(ctx, args) {
  const patient = args[0] === 'patient' && args[1] ? args[1] : null;
  const st = { category: '', text: '', postcode: '', km: '', stale: false, offset: 0 };
  const results = h('div', {});
  const status = h('p', { class: 'nhsuk-body', role: 'status', 'aria-live': 'polite', id: 'directory-status' });

  const search = async () => {
    const params = { category: st.category, text: st.text.trim(), km: st.km, stale: st.stale ? 1 : '',
      limit: PAGE, offset: st.offset };
    if (!patient) params.postcode = st.postcode.trim();
    const path = patient ? `/sp/patients/${encodeURIComponent(patient)}/assets` : '/sp/assets';
    let data;
    try {
      data = await api(path + qs(params));
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500) throw e;
      status.textContent = '';
      results.replaceChildren(warning(e.message));
      return;
    }
    const list = rows(data);
    const from = data.origin && data.origin.from === null ? data.origin.reason : null;
    const measured = data.origin && (data.origin.postcode || data.origin.from);
    status.textContent = `${data.total} ${data.total === 1 ? 'asset' : 'assets'}` +
      (measured ? ', nearest first' : '') + (data.total > list.length ? `; ${st.offset + 1} to ${st.offset + list.length} shown` : '') + '.';
    const pager = data.total > PAGE ? h('div', { class: 'pcn-pager' },
      h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'directory-prev',
        disabled: st.offset === 0, onclick: () => { st.offset = Math.max(0, st.offset - PAGE); search(); } }, 'Previous page'),
      h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'directory-next',
        disabled: st.offset + PAGE >= data.total, onclick: () => { st.offset += PAGE; search(); } }, 'Next page')) : null;
    results.replaceChildren(
      from ? warning(`Distances cannot be measured: ${from}.`) : null,
      table({ caption: 'Community assets', id: 'directory-table', compact: true, rows: list, columns: [
        { label: 'Asset', rowHeader: true, render: (a) => [a.name, a.organisation ? h('span', { class: 'pcn-muted' }, ` (${a.organisation})`) : null] },
        { label: 'Distance', num: true, render: (a) => (typeof a.km === 'number' ? `${a.km.toFixed(1)} km` : '') },
        { label: 'What it offers', render: (a) => categoriesText(a.categories) },
        { label: 'When', render: (a) => [a.sessions || '', a.sessions_note ? ` (${a.sessions_note})` : ''] },
        { label: 'Cost', render: (a) => a.cost || 'Not known' },
        { label: 'Ages', render: (a) => (a.max_age >= 120 ? `${a.min_age}+` : `${a.min_age}-${a.max_age}`) },
        { label: 'How to join', render: (a) => (a.referral_route || '').replace(/_/g, ' ') },
        { label: 'Contact', render: (a) => [a.phone, a.email].filter(Boolean).join(', ') },
        { label: 'Last checked', render: (a) => [dateText(a.last_verified) || 'Never',
          a.stale ? h('strong', { class: 'nhsuk-tag nhsuk-tag--orange pcn-stale' }, 'check') : null] },
      ] }), pager);
  };

  const textId = newId('text');
  const pcId = newId('postcode');
  const kmId = newId('km');
  const staleId = newId('stale');
  const go = (e) => { if (e) e.preventDefault(); st.offset = 0; search(); };
  const controls = h('form', { class: 'pcn-controls', id: 'directory-search', onsubmit: go },
    select('Category', [{ value: '', label: 'Every category' },
      ...Object.entries(categoryLabels).map(([value, label]) => ({ value, label }))], '', (v) => { st.category = v; }),
    h('div', { class: 'nhsuk-form-group' }, h('label', { class: 'nhsuk-label', for: textId }, 'Words'),
      h('input', { class: 'nhsuk-input', id: textId, type: 'search', autocomplete: 'off',
        oninput: (e) => { st.text = e.target.value; } })),
    patient ? null : h('div', { class: 'nhsuk-form-group' }, h('label', { class: 'nhsuk-label', for: pcId }, 'Near postcode'),
      h('input', { class: 'nhsuk-input nhsuk-input--width-10', id: pcId, type: 'text', autocomplete: 'postal-code',
        oninput: (e) => { st.postcode = e.target.value; } })),
    h('div', { class: 'nhsuk-form-group' }, h('label', { class: 'nhsuk-label', for: kmId }, 'Within (km)'),
      h('input', { class: 'nhsuk-input nhsuk-input--width-4', id: kmId, type: 'number', min: '0', max: '1000', step: '0.5',
        inputmode: 'decimal', oninput: (e) => { st.km = e.target.value; } })),
    h('div', { class: 'nhsuk-form-group nhsuk-checkboxes__item' },
      h('input', { class: 'nhsuk-checkboxes__input', type: 'checkbox', id: staleId, onchange: (e) => { st.stale = e.target.checked; } }),
      h('label', { class: 'nhsuk-label nhsuk-checkboxes__label', for: staleId }, 'Only entries to re-check')),
    h('div', { class: 'nhsuk-form-group' }, h('button', { type: 'submit', class: 'nhsuk-button', id: 'directory-go' }, 'Search')));
  await search();
  return h('div', { id: 'page-directory' },
    h('span', { class: 'nhsuk-caption-l' }, 'Social prescribing'),
    h('h1', {}, patient ? 'Community assets near the person' : 'Community asset directory'),
    panel('Search', controls, status, results),
    ctx.can('caseload') ? h('p', { class: 'nhsuk-body' }, 'The directory is kept by link workers: ',
      h('a', { href: '/api/v1/sp/assets/export', download: 'assets.csv' }, 'download it as CSV'),
      ' (the import format is in docs/formats.md).') : null);
}
