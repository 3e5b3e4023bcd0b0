// indicators.js - every indicator with the network's achievement and the
// spread between practices, and for the chosen indicator a funnel plot
// (achievement against denominator with 95% and 99.8% control limits
// around the network average) and the practice figures.

import { drawCharts, funnel } from '../charts.js';
import { byKey, network, practiceName, practicesOf, report, results, settle, titleCase, total, Unavailable } from '../data.js';
import { h, panel, select, table, warning } from '../dom.js';
import { figure, num, pctFigure, pctText } from '../format.js';

// Where a practice lies against the funnel's limits.
function position(pct, n, meanPct) {
  if (typeof pct !== 'number' || typeof n !== 'number' || n <= 0 || typeof meanPct !== 'number') return 'Not assessed';
  const p = meanPct / 100;
  const se = Math.sqrt((p * (1 - p)) / n) * 100;
  const z = se > 0 ? (pct - meanPct) / se : 0;
  if (z > 3.09) return 'Above 99.8% limit';
  if (z > 1.96) return 'Above 95% limit';
  if (z < -3.09) return 'Below 99.8% limit';
  if (z < -1.96) return 'Below 95% limit';
  return 'Within limits';
}

function spread(ind, practices) {
  const g = byKey(ind, 'practice');
  const v = practices.map((c) => num((g.get(c) || {}).percent)).filter((x) => x !== null);
  return v.length ? `${pctText(Math.min(...v))} to ${pctText(Math.max(...v))}` : 'n/a';
}

function detail(ind, net) {
  const practices = practicesOf(net).map((p) => p.code);
  const g = byKey(ind, 'practice');
  const t = total(ind) || {};
  const rows = practices.filter((c) => g.has(c)).map((c) => ({ code: c, ...g.get(c) }));
  const pts = rows.filter((r) => typeof r.percent === 'number' && typeof r.denominator === 'number')
    .map((r) => ({ label: titleCase(practiceName(net, r.code)), n: r.denominator, pct: r.percent }));
  const mean = num(t.percent);
  return h('div', {},
    h('h3', { class: 'nhsuk-heading-s', id: 'indicator-title' }, ind.title || ind.name),
    h('p', { class: 'nhsuk-body' }, 'Network: ', h('strong', {}, figure(t.percent, 'pct')),
      ' (', figure(t.numerator), ' of ', figure(t.denominator), ' patients; ', figure(t.excluded), ' excluded).'),
    mean !== null && pts.length
      ? funnel(pts, mean, `Funnel plot of ${ind.title || ind.name}: each practice's achievement against its denominator, with control limits around the network average of ${pctText(mean)}`)
      : warning('Too few figures to draw the funnel plot (small numbers are withheld).'),
    table({
      caption: `${ind.title || ind.name} by practice`, id: 'indicator-practice-table', compact: true,
      columns: [
        { label: 'Practice', rowHeader: true, render: (r) => titleCase(practiceName(net, r.code)) },
        { label: 'Numerator', num: true, render: (r) => figure(r.numerator) },
        { label: 'Denominator', num: true, render: (r) => figure(r.denominator) },
        { label: 'Excluded', num: true, render: (r) => figure(r.excluded) },
        { label: 'Achievement', num: true, render: (r) => pctFigure(r) },
        { label: 'Against the network', render: (r) => position(r.percent, r.denominator, mean) },
      ],
      rows,
    }));
}

export async function render() {
  const [net, res] = await Promise.all([network(), settle(report('indicators', 'practice'))]);
  if (!res.ok) {
    if (!(res.error instanceof Unavailable)) throw res.error;
    return h('div', { id: 'page-indicators' }, h('h1', {}, 'Indicators'), warning(res.error.message));
  }
  const rep = res.value;
  const inds = results(rep, 'indicator');
  if (!inds.length) return h('div', {}, h('h1', {}, 'Indicators'), warning('No indicators are defined.'));
  const practices = practicesOf(net).map((p) => p.code);
  const box = h('div', {});
  const show = (name) => {
    box.replaceChildren(detail(inds.find((i) => i.name === name) || inds[0], net));
    drawCharts();
  };
  show(inds[0].name);
  return h('div', { id: 'page-indicators' },
    h('span', { class: 'nhsuk-caption-l' }, `Indicators · ${titleCase(net.name)}${rep.as_of ? ` · as of ${rep.as_of}` : ''}`),
    h('h1', {}, 'Indicators'),
    panel('Variation between practices',
      h('div', { class: 'pcn-controls' }, select('Indicator', inds.map((i) => ({ value: i.name, label: i.title || i.name })), inds[0].name, show)),
      box),
    panel('All indicators',
      table({
        caption: `${inds.length} indicators: network achievement and the range across practices`, id: 'indicators-table', compact: true,
        columns: [
          { label: 'Indicator', rowHeader: true, render: (i) => i.title || i.name },
          { label: 'Numerator', num: true, render: (i) => figure((total(i) || {}).numerator) },
          { label: 'Denominator', num: true, render: (i) => figure((total(i) || {}).denominator) },
          { label: 'Excluded', num: true, render: (i) => figure((total(i) || {}).excluded) },
          { label: 'Achievement', num: true, render: (i) => pctFigure(total(i)) },
          { label: 'Practice range', num: true, render: (i) => spread(i, practices) },
        ],
        rows: inds,
      })));
}
