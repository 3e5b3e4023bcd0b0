// overview.js - the network at a glance: key figures, size against the
// 30,000-50,000 range, member practices with list sizes, the age/sex
// pyramid and the deprivation profile (registered population by IMD
// quintile, from the engine's breakdown by imd).

import { bars, pyramid } from '../charts.js';
import { byKey, imdLabels, imdOrder, network, practicesOf, report, results, settle, titleCase, total, Unavailable } from '../data.js';
import { card, h, panel, table, warning } from '../dom.js';
import { countText, figure, num, pctText } from '../format.js';

const intFmt = new Intl.NumberFormat('en-GB');

function sizeStatus(n, range) {
  if (typeof n !== 'number') return 'Size withheld';
  if (n < range.min) return `${intFmt.format(range.min - n)} below the range`;
  if (n > range.max) return `${intFmt.format(n - range.max)} above the range`;
  return 'Within the expected range';
}

function rangeMeter(n, range) {
  const top = Math.max(60000, (typeof n === 'number' ? n : 0) * 1.15);
  const pct = (v) => `${((v / top) * 100).toFixed(2)}%`;
  return h('div', {},
    h('p', { class: 'nhsuk-body', id: 'size-status' },
      `${countText(n)} registered patients. Networks usually serve ${intFmt.format(range.min)} to ${intFmt.format(range.max)}: `,
      h('strong', {}, sizeStatus(n, range)), '.'),
    h('div', { class: 'pcn-range', 'aria-hidden': 'true' },
      h('div', { class: 'pcn-range__band', style: { left: pct(range.min), width: pct(range.max - range.min) } }),
      typeof n === 'number' ? h('div', { class: 'pcn-range__mark', style: { left: pct(n) } }) : null),
    h('div', { class: 'pcn-range__labels', 'aria-hidden': 'true' },
      h('span', {}, '0'), h('span', {}, `${intFmt.format(range.min)}-${intFmt.format(range.max)} (shaded)`),
      h('span', {}, intFmt.format(Math.round(top)))));
}

function practicesPanel(net) {
  const ps = practicesOf(net);
  const sum = typeof net.patients === 'number' ? net.patients : null;
  return panel('Member practices',
    table({
      caption: `${ps.length} member practices and their registered list sizes`,
      id: 'practices-table',
      columns: [
        { label: 'Practice', rowHeader: true, render: (p) => titleCase(p.name) },
        { label: 'ODS code', key: 'code' },
        { label: 'Postcode', render: (p) => p.postcode || '' },
        { label: 'Registered patients', num: true, render: (p) => figure(p.patients) },
        { label: 'Share of network', num: true,
          render: (p) => (sum && typeof p.patients === 'number' ? pctText((p.patients / sum) * 100) : '') },
      ],
      rows: ps,
    }),
    bars(ps.map((p) => titleCase(p.name)), [{ label: 'Registered patients', data: ps.map((p) => num(p.patients)) }],
      `Bar chart of registered patients per practice: ${ps.map((p) => `${p.name} ${countText(p.patients)}`).join('; ')}`,
      { horizontal: true, valueTitle: 'Registered patients' }));
}

function pyramidPanel(net) {
  const bands = net.pyramid || [];
  const ages = [...new Set(bands.map((b) => b.age_from))].sort((a, b) => a - b);
  const get = (sex, a) => (bands.find((b) => b.sex === sex && b.age_from === a) || {}).patients;
  const f = bands.filter((b) => b.sex === 'F').reduce((s, b) => s + (num(b.patients) || 0), 0);
  const m = bands.filter((b) => b.sex === 'M').reduce((s, b) => s + (num(b.patients) || 0), 0);
  return panel('Population pyramid',
    h('p', { class: 'nhsuk-body' }, `${intFmt.format(f)} female and ${intFmt.format(m)} male registered patients, by five-year age band.`),
    pyramid(bands, `Population pyramid: ${intFmt.format(f)} female and ${intFmt.format(m)} male patients by five-year age band`),
    h('details', { class: 'nhsuk-details' },
      h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, 'Show the figures')),
      h('div', { class: 'nhsuk-details__text' }, table({
        caption: 'Registered patients by age band and sex', compact: true,
        columns: [
          { label: 'Age band', rowHeader: true, render: (a) => (a >= 95 ? '95+' : `${a}-${a + 4}`) },
          { label: 'Female', num: true, render: (a) => figure(get('F', a)) },
          { label: 'Male', num: true, render: (a) => figure(get('M', a)) },
        ],
        rows: ages,
      }))));
}

function deprivationPanel(res) {
  if (!res.ok) {
    return panel('Deprivation profile', warning(res.error instanceof Unavailable ? res.error.message
      : `The deprivation profile could not be loaded: ${res.error.message}`));
  }
  const reg = results(res.value, 'register')[0];
  if (!reg) return panel('Deprivation profile', warning('No register results to draw the profile from.'));
  const groups = byKey(reg, 'imd');
  const all = total(reg);
  const keys = imdOrder.filter((k) => groups.has(k));
  const pop = (k) => groups.get(k).population;
  return panel('Deprivation profile',
    h('p', { class: 'nhsuk-body' }, 'Registered patients by national deprivation quintile of their neighbourhood (IMD 2019, quintile 1 is the most deprived fifth of England).'),
    bars(keys.map((k) => imdLabels[k]), [{ label: 'Patients', data: keys.map((k) => num(pop(k))) }],
      `Bar chart of patients by deprivation quintile: ${keys.map((k) => `${imdLabels[k]} ${countText(pop(k))}`).join('; ')}`,
      { valueTitle: 'Patients', catTitle: 'IMD quintile' }),
    table({
      caption: 'Patients by deprivation quintile', id: 'imd-table', compact: true,
      columns: [
        { label: 'IMD quintile', rowHeader: true, render: (k) => imdLabels[k] },
        { label: 'Patients', num: true, render: (k) => figure(pop(k)) },
        { label: 'Share', num: true, render: (k) => (all && typeof pop(k) === 'number' && typeof all.population === 'number'
          ? pctText((pop(k) / all.population) * 100) : '') },
      ],
      rows: keys,
    }));
}

export async function render() {
  const [net, imd] = await Promise.all([network(), settle(report('registers', 'imd'))]);
  const range = net.size_range || { min: 30000, max: 50000 };
  return h('div', { id: 'page-overview' },
    h('span', { class: 'nhsuk-caption-l' }, `Network overview · ${net.code}`),
    h('h1', {}, titleCase(net.name)),
    h('div', { class: 'pcn-cards' },
      card('Registered patients', figure(net.patients), net.as_of ? `On ${net.as_of}` : null),
      card('Member practices', String(practicesOf(net).length)),
      card('Network size', sizeStatus(net.patients, range), `${intFmt.format(range.min)}-${intFmt.format(range.max)} expected`),
      card('Integrated care board', titleCase(net.icb_name || net.icb_code || 'Unknown')),
      card('Clinical director', net.clinical_director || 'Not recorded')),
    panel('Network size', rangeMeter(net.patients, range)),
    practicesPanel(net),
    h('div', { class: 'pcn-grid-2' }, pyramidPanel(net), deprivationPanel(imd)));
}
