// dom.js - small helpers to build the page without innerHTML (so no value
// from the API is ever parsed as markup).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v); // CSSOM: allowed by the CSP
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let uid = 0;
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A table: columns [{label, num, render(row) -> Node|string}], rows.
export function table({ caption, columns, rows, compact = false, id }) {
  const thead = h('thead', { class: 'nhsuk-table__head' },
    h('tr', { class: 'nhsuk-table__row' }, columns.map((c) =>
      h('th', { scope: 'col', class: 'nhsuk-table__header' + (c.num ? ' pcn-num' : '') },
        c.header || c.label))));
  const tbody = h('tbody', { class: 'nhsuk-table__body' }, rows.map((r) =>
    h('tr', { class: 'nhsuk-table__row' }, columns.map((c, i) => {
      const v = c.render ? c.render(r) : r[c.key];
      const tag = i === 0 && c.rowHeader ? 'th' : 'td';
      return h(tag, { class: 'nhsuk-table__cell' + (c.num ? ' pcn-num' : ''),
        scope: tag === 'th' ? 'row' : null }, v);
    }))));
  const t = h('table', { class: 'nhsuk-table' + (compact ? ' pcn-table-compact' : ''), id },
    caption ? h('caption', { class: 'nhsuk-table__caption nhsuk-u-font-size-19' }, caption) : null,
    thead, tbody);
  // A scrollable region must be reachable by keyboard.
  return h('div', { class: 'pcn-table-wrap', tabindex: '0', role: 'region',
    'aria-label': caption || 'Data table' }, t);
}

export function panel(title, ...children) {
  const id = newId('panel');
  return h('section', { class: 'pcn-panel', 'aria-labelledby': id },
    h('h2', { id, class: 'nhsuk-heading-m' }, title), children);
}

export function card(label, value, note) {
  return h('div', { class: 'pcn-card' },
    h('p', { class: 'pcn-card__label' }, label),
    h('p', { class: 'pcn-card__value' + (typeof value === 'string' && value.length > 8 ? ' pcn-card__value--text' : '') }, value),
    note ? h('p', { class: 'pcn-card__note' }, note) : null);
}

export function warning(text) {
  return h('div', { class: 'nhsuk-inset-text' },
    h('span', { class: 'nhsuk-u-visually-hidden' }, 'Information: '),
    h('p', {}, text));
}

export function errorSummary(title, message) {
  return h('div', { class: 'nhsuk-error-summary', role: 'alert', tabindex: '-1' },
    h('h2', { class: 'nhsuk-error-summary__title' }, title),
    h('div', { class: 'nhsuk-error-summary__body' }, h('p', {}, message)));
}

export function select(label, options, value, onChange) {
  const id = newId('sel');
  const s = h('select', { class: 'nhsuk-select', id, name: id, onchange: (e) => onChange(e.target.value) },
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  return h('div', { class: 'nhsuk-form-group' },
    h('label', { class: 'nhsuk-label', for: id }, label), s);
}
