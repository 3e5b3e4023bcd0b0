// ppg.js - a patient participation group against the population it serves:
// the representativeness index, the gaps in plain words, each dimension
// (age, sex, ethnic group, deprivation) as members' shares beside the
// registered adults' shares (chart and table), the index over time as
// members joined and left, and the members (for the roles that may see
// them; a ppg_member sees who, role and when of their own group only).
// #/ppg shows the first group, #/ppg/ID another.

import { api, ApiError, qs } from '../api.js';
import { bars, colours, drawCharts } from '../charts.js';
import { card, h, panel, select, table, warning } from '../dom.js';
import { countText, dateText, figure, num } from '../format.js';
import { apiForm, groupLabel, isStaff, redrawable } from '../ppg_common.js';

const sourceText = {
  list_sizes: 'registered adults from the published list sizes by age and sex',
  patient_records: 'registered adults in the patient records',
  none: 'not known',
};

function indexText(v) {
  return typeof v === 'number' ? `${v} of 100` : 'Not known';
}

function dimensionPanel(d) {
  const cats = d.categories;
  const summary = `${d.title}: members' shares against the list's. ` +
    cats.map((c) => `${c.label}: members ${c.member_pct ?? 'withheld'}%, list ${c.population_pct ?? 'withheld'}%`).join('; ');
  return panel(d.title,
    h('p', { class: 'nhsuk-body-s pcn-muted' },
      `Index ${indexText(d.index)}. ${d.stated} members gave it; the list: ${sourceText[d.source]}` +
      (d.source_date ? ` on ${dateText(d.source_date)}` : '') + '.'),
    d.source === 'none' ? warning(`The population's ${d.title.toLowerCase()} is not known.`)
      : bars(cats.map((c) => c.label),
        [{ label: 'Members', data: cats.map((c) => num(c.member_pct)), colour: colours.pink },
          { label: 'Registered adults', data: cats.map((c) => num(c.population_pct)), colour: colours.blue }],
        summary, { percent: true, valueTitle: 'Share (%)', horizontal: cats.length > 5 }),
    table({
      caption: `${d.title}: the group against the list`, compact: true,
      columns: [
        { label: d.title, rowHeader: true, render: (c) => c.label },
        { label: 'Members', num: true, render: (c) => figure(c.members) },
        { label: 'Share of members', num: true, render: (c) => figure(c.member_pct, 'pct') },
        { label: 'Share of the list', num: true, render: (c) => figure(c.population_pct, 'pct') },
      ],
      rows: cats,
    }));
}

function trendPanel(g) {
  const t = g.trend || [];
  if (t.length < 2) return panel('Over time', h('p', { class: 'nhsuk-body' }, 'Not enough history yet.'));
  return panel('Over time',
    h('p', { class: 'nhsuk-body-s pcn-muted' }, 'The index each time a member joined or left, against the list as it is now.'),
    bars(t.map((p) => dateText(p.date)),
      [{ label: 'Index (of 100)', data: t.map((p) => num(p.index)), type: 'line', colour: colours.darkBlue },
        { label: 'Members', data: t.map((p) => num(p.members)), colour: colours.aqua }],
      `Index over time: ${t.map((p) => `${p.date} ${p.index ?? 'not known'}`).join('; ')}`,
      { valueTitle: 'Index / members' }),
    h('details', { class: 'nhsuk-details' },
      h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, 'Show the figures')),
      h('div', { class: 'nhsuk-details__text' }, table({
        caption: 'Members and index over time', compact: true,
        columns: [{ label: 'Date', rowHeader: true, render: (p) => dateText(p.date) },
          { label: 'Members', num: true, render: (p) => figure(p.members) },
          { label: 'Index', num: true, render: (p) => (p.index ?? 'not known') }],
        rows: t,
      }))));
}

const memberFields = [
  { name: 'name', label: 'Name', required: true },
  { name: 'email', label: 'E-mail (with their consent to be contacted)', type: 'email' },
  { name: 'role', label: 'Role', type: 'select', value: 'member',
    options: [{ value: 'member', label: 'Member' }, { value: 'chair', label: 'Chair' }, { value: 'virtual', label: 'Virtual member' }] },
  { name: 'age_band', label: 'Age band', type: 'select', value: 'not_stated',
    options: ['not_stated', '0-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75-84', '85+']
      .map((v) => ({ value: v, label: v === 'not_stated' ? 'Not stated' : v })) },
  { name: 'sex', label: 'Sex', type: 'select', value: 'not_stated',
    options: [['not_stated', 'Not stated'], ['female', 'Female'], ['male', 'Male'], ['other', 'Describes it another way']]
      .map(([value, label]) => ({ value, label })) },
  { name: 'ethnic_group', label: 'Ethnic group', type: 'select', value: 'not_stated',
    options: [['not_stated', 'Not stated'], ['white', 'White'], ['mixed', 'Mixed or multiple'], ['asian', 'Asian or Asian British'],
      ['black', 'Black, Black British, Caribbean or African'], ['other', 'Another ethnic group']].map(([value, label]) => ({ value, label })) },
  { name: 'postcode_district', label: 'Postcode district', hint: 'For example TS18. A full postcode is cut to its district.' },
  { name: 'joined', label: 'Joined', type: 'date' },
];

async function membersPanel(ctx, g, refresh) {
  let list;
  try {
    list = await api(`/ppg/groups/${g.id}/members${qs({ limit: 500 })}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      return panel('Members', h('p', { class: 'nhsuk-body' }, "Your role does not see this group's members."));
    }
    throw e;
  }
  const current = list.rows.filter((m) => !m.left);
  return panel('Members',
    list.brief ? h('p', { class: 'nhsuk-body-s pcn-muted' }, 'Names, roles and dates only: contact details and personal facts are kept by the practice.') : null,
    table({
      caption: `${current.length} current members of ${g.name}`, id: 'ppg-members', compact: true,
      columns: [
        { label: 'Name', rowHeader: true, render: (m) => m.name || h('span', { class: 'pcn-muted' }, 'Consent withdrawn') },
        { label: 'Role', render: (m) => m.role },
        { label: 'Age band', render: (m) => (list.brief ? '' : m.age_band.replace('not_stated', '')) },
        { label: 'Joined', render: (m) => dateText(m.joined) },
      ],
      rows: current,
    }),
    isStaff(ctx.me) ? h('details', { class: 'nhsuk-details' },
      h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, 'Add a member')),
      h('div', { class: 'nhsuk-details__text' }, apiForm({
        path: `/ppg/groups/${g.id}/members`, fields: memberFields, submit: 'Add the member', id: 'ppg-member-form',
        done: refresh,
      }))) : null);
}

async function build(ctx, args, refresh) {
  const groups = await api(`/ppg/groups${qs({ limit: 500 })}`);
  if (!groups.rows.length) {
    return h('div', { id: 'page-ppg' }, h('h1', {}, 'Patient groups'),
      warning('This network has no patient participation groups yet.'));
  }
  const id = Number(args[0]) || groups.rows[0].id;
  const g0 = groups.rows.find((x) => x.id === id) || groups.rows[0];
  const rep = await api(`/ppg/representativeness${qs({ network: g0.network, group: g0.id })}`);
  const g = rep.groups[0];
  return h('div', { id: 'page-ppg' },
    h('span', { class: 'nhsuk-caption-l' }, `Patient partnership · ${g0.network}`),
    h('h1', {}, 'Patient groups'),
    h('div', { class: 'pcn-controls' },
      select('Group', groups.rows.map((x) => ({ value: String(x.id), label: groupLabel(x) })), String(g0.id),
        (v) => ctx.go(`#/ppg/${v}`))),
    h('div', { class: 'pcn-cards' },
      card('Current members', countText(g.members), `On ${dateText(rep.as_of)}`),
      card('Representativeness', indexText(g.index), '100: the group looks like its registered adults'),
      ...g.dimensions.map((d) => card(d.title, indexText(d.index)))),
    panel('How the group compares with the list',
      g.gaps.length ? h('ul', { class: 'nhsuk-list nhsuk-list--bullet', id: 'ppg-gaps' }, g.gaps.map((x) => h('li', {}, x.text)))
        : h('p', { class: 'nhsuk-body' }, 'No large gaps.'),
      g.notes.length ? h('ul', { class: 'nhsuk-list pcn-muted', id: 'ppg-notes' }, g.notes.map((x) => h('li', {}, x))) : null,
      h('p', { class: 'nhsuk-body-s pcn-muted' },
        'The index is 100 minus half the sum of the differences between the members\u2019 and the list\u2019s shares, ' +
        'for each dimension, then averaged. Members under 18 and facts not given are left out.')),
    h('div', { class: 'pcn-grid-2' }, g.dimensions.map(dimensionPanel)),
    trendPanel(g),
    await membersPanel(ctx, g0, refresh));
}

export async function render(ctx, args) {
  return redrawable((refresh) => build(ctx, args, refresh), drawCharts);
}
