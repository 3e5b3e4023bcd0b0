// workforce.js - the network's pooled staff: WTE by role and by practice,
// WTE per 10,000 patients against the other networks and England (the
// workforce census), and for practice managers and clinical directors the
// staff register itself with forms to add a post and to end one (the
// version read is sent back; a change made meanwhile is shown, not
// overwritten). Figures are the API's result tables (docs/api.md).

import { api, ApiError, qs } from '../api.js';
import { bars, colours, drawCharts } from '../charts.js';
import { network, practiceName, rows, settle, titleCase } from '../data.js';
import { card, errorSummary, h, newId, panel, table, warning } from '../dom.js';
import { amount, dateText, figure, moneyText } from '../format.js';

const groupLabels = {
  gp: 'GPs', nurse: 'Nurses', dpc: 'Direct patient care', admin: 'Admin and non-clinical',
  director: 'Clinical director', total: 'All staff',
};

const totalOf = (t) => rows(t).find((r) => r.key === 'total') || {};
const notTotal = (t) => rows(t).filter((r) => r.key !== 'total');

function rolePanel(byRole) {
  const rs = notTotal(byRole);
  return panel('Whole-time equivalents by role',
    bars(rs.map((r) => r.name || r.key), [{ label: 'WTE', data: rs.map((r) => amount(r.wte)) }],
      `Bar chart of WTE by role: ${rs.map((r) => `${r.name || r.key} ${r.wte}`).join('; ')}`,
      { horizontal: true, valueTitle: 'Whole-time equivalent', tall: rs.length > 10 }),
    table({
      caption: 'Staff in post by role', id: 'wte-role-table', compact: true,
      columns: [
        { label: 'Role', rowHeader: true, render: (r) => (r.key === 'total' ? 'All roles' : r.name || r.key) },
        { label: 'People', num: true, render: (r) => figure(r.people) },
        { label: 'WTE', num: true, render: (r) => r.wte },
        { label: 'WTE per 10,000 patients', num: true, render: (r) => r.wte_per_10k ?? '' },
      ],
      rows: rows(byRole),
    }));
}

function practicePanel(byPractice, net) {
  const rs = notTotal(byPractice);
  const label = (r) => (r.key === '(no site)' ? 'No site recorded' : titleCase(practiceName(net, r.key)));
  return panel('Where staff work, by practice',
    h('p', { class: 'nhsuk-body' }, 'A post working at several sites is shared among them by its sessions.'),
    table({
      caption: 'WTE by practice (sites mapped to their practice)', id: 'wte-practice-table', compact: true,
      columns: [
        { label: 'Practice', rowHeader: true, render: (r) => (r.key === 'total' ? 'All practices' : label(r)) },
        { label: 'Posts', num: true, render: (r) => figure(r.posts) },
        { label: 'WTE', num: true, render: (r) => r.wte },
      ],
      rows: rows(byPractice),
    }),
    bars(rs.map(label), [{ label: 'WTE', data: rs.map((r) => amount(r.wte)) }],
      `Bar chart of WTE by practice: ${rs.map((r) => `${label(r)} ${r.wte}`).join('; ')}`,
      { horizontal: true, valueTitle: 'Whole-time equivalent' }));
}

function comparePanel(res) {
  if (!res.ok) return panel('Against other networks', warning(`The comparison could not be loaded: ${res.error.message}`));
  const cmp = res.value;
  const rs = rows(cmp);
  const groups = rs.filter((r) => r.key !== 'total');
  return panel('Against other networks',
    h('p', { class: 'nhsuk-body' },
      `WTE per 10,000 registered patients: this network's register and its row in the NHS England workforce census, `
      + `against the ${rows(cmp)[0] ? rows(cmp)[0].networks : 0} networks with a census and a list (median and quartiles) and England.`),
    bars(groups.map((r) => groupLabels[r.key] || r.key), [
      { label: 'This network (register)', data: groups.map((r) => amount(r.wte_per_10k)), colour: colours.blue },
      { label: 'Networks (median)', data: groups.map((r) => amount(r.median)), colour: colours.grey },
      { label: 'England', data: groups.map((r) => amount(r.england_per_10k)), colour: colours.green },
    ], `Bar chart of WTE per 10,000 patients by staff group for this network, the median network and England: ${groups.map((r) => `${groupLabels[r.key] || r.key} ${r.wte_per_10k}, ${r.median}, ${r.england_per_10k}`).join('; ')}`,
    { valueTitle: 'WTE per 10,000 patients' }),
    table({
      caption: 'WTE per 10,000 patients by staff group', id: 'compare-table', compact: true,
      columns: [
        { label: 'Staff group', rowHeader: true, render: (r) => groupLabels[r.key] || r.key },
        { label: 'Register', num: true, render: (r) => r.wte_per_10k ?? '' },
        { label: 'Census', num: true, render: (r) => r.census_per_10k ?? '' },
        { label: 'Lower quartile', num: true, render: (r) => r.p25 ?? '' },
        { label: 'Median', num: true, render: (r) => r.median ?? '' },
        { label: 'Upper quartile', num: true, render: (r) => r.p75 ?? '' },
        { label: 'England', num: true, render: (r) => r.england_per_10k ?? '' },
        { label: 'Rank', num: true, render: (r) => `${r.rank} of ${r.networks}` },
      ],
      rows: rs,
    }));
}

function field(label, input, hint) {
  const id = input.id;
  return h('div', { class: 'nhsuk-form-group' },
    h('label', { class: 'nhsuk-label', for: id }, label),
    hint ? h('div', { class: 'nhsuk-hint' }, hint) : null, input);
}

const input = (name, attrs = {}) => h('input', { class: 'nhsuk-input', id: newId(name), name, type: 'text', ...attrs });

// The form to add a post: POST /workforce; the server checks the whole register.
function addForm(ctx, roles, onDone) {
  const msg = h('div', { id: 'add-post-message' });
  const f = {
    person: input('person', { autocomplete: 'off' }),
    name: input('name', { autocomplete: 'off' }),
    role: h('select', { class: 'nhsuk-select', id: newId('role'), name: 'role' },
      roles.map((r) => h('option', { value: r.key }, r.name))),
    band: input('band', { class: 'nhsuk-input nhsuk-input--width-4' }),
    wte: input('wte', { class: 'nhsuk-input nhsuk-input--width-4', inputmode: 'decimal' }),
    employer: h('select', { class: 'nhsuk-select', id: newId('employer'), name: 'employer' },
      ['lead_practice', 'practice', 'network', 'subcontractor'].map((e) => h('option', { value: e }, e.replace('_', ' ')))),
    employer_code: input('employer_code'),
    start: input('start', { type: 'date' }),
    cost: input('cost', { class: 'nhsuk-input nhsuk-input--width-10', inputmode: 'decimal' }),
    funding: h('select', { class: 'nhsuk-select', id: newId('funding'), name: 'funding' },
      ['arrs', 'practice', 'other'].map((e) => h('option', { value: e }, e))),
  };
  const button = h('button', { class: 'nhsuk-button', type: 'submit', id: 'add-post' }, 'Add the post');
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const body = {};
    for (const [k, el] of Object.entries(f)) if (el.value) body[k] = el.value;
    button.disabled = true;
    try {
      const r = await api('/workforce', { method: 'POST', body });
      await onDone(`Post ${r.id} added for ${body.person}.`);
    } catch (e) {
      const found = (e.detail && e.detail.findings) || [];
      msg.replaceChildren(errorSummary('The post was not added', found.length
        ? found.filter((x) => x.severity === 'error').map((x) => x.message).join('; ') : e.message));
      msg.firstChild.focus();
    } finally {
      button.disabled = false;
    }
  } },
  h('div', { class: 'pcn-controls' },
    field('Person (staff number)', f.person), field('Name (optional)', f.name), field('Role', f.role),
    field('Band', f.band, 'For example 7 or 8a'), field('WTE', f.wte, '0.01 to 1.0')),
  h('div', { class: 'pcn-controls' },
    field('Employer', f.employer), field('Employer code', f.employer_code, 'Practice ODS code, or the provider'),
    field('Start', f.start), field('Cost a year (£)', f.cost), field('Funding', f.funding)),
  button);
  return h('details', { class: 'nhsuk-details' },
    h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, 'Add a post')),
    h('div', { class: 'nhsuk-details__text' }, msg, form));
}

// Ending a post sends the version shown; a 409 shows what changed meanwhile.
function endForm(posts, onDone) {
  const msg = h('div', { id: 'end-post-message' });
  const open = posts.filter((p) => !p.end);
  const which = h('select', { class: 'nhsuk-select', id: newId('post'), name: 'post' },
    open.map((p) => h('option', { value: String(p.id) }, `${p.id}: ${p.person} ${p.role_name || p.role} (${p.wte})`)));
  const date = input('end', { type: 'date' });
  const button = h('button', { class: 'nhsuk-button nhsuk-button--secondary', type: 'submit', id: 'end-post' }, 'End the post');
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const p = open.find((x) => String(x.id) === which.value);
    if (!p) return;
    button.disabled = true;
    try {
      await api(`/workforce/${p.id}/end`, { method: 'POST', body: { end: date.value, version: p.version } });
      await onDone(`Post ${p.id} ends on ${dateText(date.value)}.`);
    } catch (e) {
      const now = e instanceof ApiError && e.status === 409 && e.detail && e.detail.current;
      msg.replaceChildren(errorSummary('The post was not ended', now
        ? `${e.message}. It now ends ${now.end ? dateText(now.end) : 'never'} (version ${now.version}); reload to see it.`
        : e.message));
      msg.firstChild.focus();
    } finally {
      button.disabled = false;
    }
  } }, h('div', { class: 'pcn-controls' }, field('Post', which), field('Last day', date)), button);
  return h('details', { class: 'nhsuk-details' },
    h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, 'End a post')),
    h('div', { class: 'nhsuk-details__text' }, msg, form));
}

function registerPanel(ctx, staff, roles, reload, note) {
  const posts = rows(staff);
  return panel('Staff register',
    note ? h('div', { class: 'nhsuk-inset-text', role: 'status', id: 'register-note' }, h('p', {}, note)) : null,
    h('p', { class: 'nhsuk-body' }, `${posts.length} posts in post on ${dateText(staff.as_of)}. A post is never rewritten: it is ended and a new one begins.`),
    table({
      caption: 'Posts in post', id: 'staff-table', compact: true,
      columns: [
        { label: 'Post', rowHeader: true, render: (p) => String(p.id) },
        { label: 'Person', render: (p) => p.name ? `${p.name} (${p.person})` : p.person },
        { label: 'Role', render: (p) => p.role_name || p.role },
        { label: 'Band', render: (p) => p.band || '' },
        { label: 'WTE', num: true, render: (p) => p.wte },
        { label: 'Employer', render: (p) => `${p.employer.replace('_', ' ')}${p.employer_code ? ` (${p.employer_code})` : ''}` },
        { label: 'Start', render: (p) => dateText(p.start) },
        { label: 'End', render: (p) => dateText(p.end) },
        { label: 'Cost', num: true, render: (p) => (p.cost ? `${moneyText(p.cost)} a ${p.cost_per}` : '') },
        { label: 'Funding', render: (p) => p.funding },
      ],
      rows: posts,
    }),
    addForm(ctx, roles, reload), endForm(posts, reload));
}

export async function render(ctx, args, note) {
  const finance = ctx.can('finance');
  const [net, byRole, byPractice, cmp, staff] = await Promise.all([
    network(), api('/workforce/summary' + qs({ by: 'role' })), api('/workforce/summary' + qs({ by: 'practice' })),
    settle(api('/workforce/compare' + qs({ by: 'group' }))), finance ? api('/workforce') : null]);
  const all = totalOf(byRole);
  const england = cmp.ok ? rows(cmp.value).find((r) => r.key === 'total') : null;
  const holder = h('div', { id: 'page-workforce' });
  // After a write: the page again with the new figures (the server's cache follows the data).
  const reload = async (done) => {
    const node = await render(ctx, args, done);
    holder.replaceWith(node);
    drawCharts();
  };
  holder.append(
    h('span', { class: 'nhsuk-caption-l' }, `Workforce · ${net.code}`),
    h('h1', {}, 'Workforce'),
    h('div', { class: 'pcn-cards' },
      card('Whole-time equivalent', all.wte || '0', `On ${dateText(byRole.as_of)}`),
      card('People', figure(all.people)),
      card('WTE per 10,000 patients', all.wte_per_10k ?? 'No list'),
      card('England', england && england.england_per_10k ? england.england_per_10k : 'Not known', 'WTE per 10,000 (census)')),
    rolePanel(byRole),
    practicePanel(byPractice, net),
    comparePanel(cmp),
    finance ? registerPanel(ctx, staff, staff.roles || [], reload, note) : null);
  return holder;
}
