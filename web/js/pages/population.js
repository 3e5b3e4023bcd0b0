// population.js - population health: every register's prevalence per
// practice against England (QOF 2024-25), frailty and multimorbidity
// bands, Bridges to Health segments, and a register's prevalence by
// deprivation quintile and ethnic group to show inequalities.

import { bars, colours, drawCharts } from '../charts.js';
import { byKey, england, ethnicityOrder, imdLabels, imdOrder, network, practiceName, practicesOf, report, results,
  settle, titleCase, total, Unavailable } from '../data.js';
import { h, panel, select, table, warning } from '../dom.js';
import { figure, num, pctText } from '../format.js';

function unavailable(title, res) {
  return panel(title, warning(res.error instanceof Unavailable ? res.error.message
    : `Could not load: ${res.error.message}`));
}

function registersPanel(regs, net, eng) {
  const practices = practicesOf(net).map((p) => p.code);
  const engPct = (r) => (eng && eng.registers[r.name] ? eng.registers[r.name].percent_all_ages : null);
  const chartBox = h('div', {});
  const practiceTable = h('div', {});
  const draw = (name) => {
    const r = regs.find((x) => x.name === name) || regs[0];
    const groups = byKey(r, 'practice');
    const labels = practices.map((c) => titleCase(practiceName(net, c)));
    const data = practices.map((c) => num((groups.get(c) || {}).percent));
    const e = engPct(r);
    const t = total(r);
    chartBox.replaceChildren(bars(labels, [
      { label: `${r.title || r.name}: prevalence`, data },
      { label: 'Network', data: labels.map(() => num(t && t.percent)), type: 'line', colour: colours.grey, dash: [6, 4] },
      ...(e !== null ? [{ label: 'England', data: labels.map(() => e), type: 'line', colour: colours.red }] : []),
    ], `Prevalence of ${r.title || r.name} by practice; network ${pctText(t && t.percent, 2)}${e !== null ? `, England ${pctText(e, 2)}` : ''}`,
    { percent: true, valueTitle: 'Prevalence (% of registered patients)' }));
    practiceTable.replaceChildren(table({
      caption: `${r.title || r.name}: patients on the register by practice`, compact: true,
      columns: [
        { label: 'Practice', rowHeader: true, render: (c) => titleCase(practiceName(net, c)) },
        { label: 'On register', num: true, render: (c) => figure((groups.get(c) || {}).count) },
        { label: 'Population', num: true, render: (c) => figure((groups.get(c) || {}).population) },
        { label: 'Prevalence', num: true, render: (c) => figure((groups.get(c) || {}).percent, 'pct') },
      ],
      rows: practices,
    }));
    drawCharts();
  };
  const first = regs.find((r) => r.name === 'hyp') ? 'hyp' : regs[0].name;
  draw(first);
  const cols = [
    { label: 'Register', rowHeader: true, render: (r) => r.title || r.name },
    { label: 'Patients', num: true, render: (r) => figure((total(r) || {}).count) },
    { label: 'Network', num: true, render: (r) => figure((total(r) || {}).percent, 'pct') },
    { label: 'England', num: true, render: (r) => (engPct(r) !== null ? pctText(engPct(r)) : 'n/a') },
    ...practices.map((c) => ({ label: c, header: h('abbr', { title: titleCase(practiceName(net, c)) }, c), num: true,
      render: (r) => figure((byKey(r, 'practice').get(c) || {}).percent, 'pct') })),
  ];
  return panel('Disease registers',
    h('p', { class: 'nhsuk-body' }, `Prevalence is the share of all registered patients on each register. The England figure is computed the same way (register count over the whole list) from ${eng ? eng.source : 'QOF (not available)'}; QOF itself publishes age-limited registers over their age group, which gives higher figures.`),
    table({ caption: 'Register prevalence: network, England and each practice', id: 'registers-table', compact: true, columns: cols, rows: regs }),
    h('div', { class: 'pcn-controls' }, select('Register to chart by practice',
      regs.map((r) => ({ value: r.name, label: r.title || r.name })), first, draw)),
    chartBox, practiceTable);
}

// Band counts (score) or segment counts by practice, as % stacked bars.
function bandsPanel(title, intro, res, net, id) {
  if (!res.ok) return unavailable(title, res);
  const r = results(res.value).find((x) => x.kind === 'score' || x.kind === 'segment');
  if (!r) return panel(title, warning('No results.'));
  const labels = (r.bands || r.segments || []).slice();
  const groups = byKey(r, 'practice');
  const practices = practicesOf(net).map((p) => p.code).filter((c) => groups.has(c));
  const t = total(r);
  const hasNone = (t && t.counts && t.counts['(none)'] !== undefined);
  if (hasNone) labels.push('(none)');
  const share = (g, b) => (g && typeof g.counts[b] === 'number' && typeof g.population === 'number' && g.population > 0
    ? (g.counts[b] / g.population) * 100 : null);
  const rows = [{ code: null, g: t }, ...practices.map((c) => ({ code: c, g: groups.get(c) }))];
  const name = (row) => (row.code ? titleCase(practiceName(net, row.code)) : 'Network');
  return panel(title,
    h('p', { class: 'nhsuk-body' }, intro),
    bars(rows.map(name), labels.map((b) => ({ label: b, data: rows.map((row) => share(row.g, b)) })),
      `${r.title || r.name}: share of patients in each group for the network and each practice`,
      { stacked: true, percent: true, horizontal: true, valueTitle: '% of the population' }),
    table({
      caption: `${r.title || r.name}: patients in each group`, id, compact: true,
      columns: [
        { label: 'Practice', rowHeader: true, render: name },
        { label: 'Population', num: true, render: (row) => figure(row.g.population) },
        ...(r.kind === 'score' ? [{ label: 'Mean', num: true,
          render: (row) => (typeof row.g.mean === 'number' ? row.g.mean.toFixed(2) : figure(null)) }] : []),
        ...labels.map((b) => ({ label: b, num: true, render: (row) => figure(row.g.counts[b]) })),
      ],
      rows,
    }));
}

function inequalityPanel(imdRes, ethRes) {
  if (!imdRes.ok) return unavailable('Inequalities', imdRes);
  const regs = results(imdRes.value, 'register');
  const eth = ethRes.ok ? results(ethRes.value, 'register') : [];
  if (!regs.length) return panel('Inequalities', warning('No register results.'));
  const out = h('div', {});
  const draw = (name) => {
    const r = regs.find((x) => x.name === name) || regs[0];
    const ri = byKey(r, 'imd');
    const re = eth.find((x) => x.name === r.name);
    const ge = re ? byKey(re, 'ethnicity') : new Map();
    const ik = imdOrder.filter((k) => ri.has(k));
    const ek = ethnicityOrder.filter((k) => ge.has(k));
    const t = total(r);
    const avg = num(t && t.percent);
    out.replaceChildren(h('div', { class: 'pcn-grid-2' },
      h('div', {},
        h('h3', { class: 'nhsuk-heading-s' }, 'By deprivation quintile'),
        bars(ik.map((k) => imdLabels[k]), [
          { label: 'Prevalence', data: ik.map((k) => num(ri.get(k).percent)) },
          { label: 'Network', data: ik.map(() => avg), type: 'line', colour: colours.grey, dash: [6, 4] }],
        `${r.title || r.name} prevalence by deprivation quintile`, { percent: true, catTitle: 'IMD quintile' }),
        table({ caption: `${r.title || r.name} by deprivation quintile`, id: 'imd-prevalence-table', compact: true,
          columns: [
            { label: 'Quintile', rowHeader: true, render: (k) => imdLabels[k] },
            { label: 'On register', num: true, render: (k) => figure(ri.get(k).count) },
            { label: 'Population', num: true, render: (k) => figure(ri.get(k).population) },
            { label: 'Prevalence', num: true, render: (k) => figure(ri.get(k).percent, 'pct') }],
          rows: ik })),
      h('div', {},
        h('h3', { class: 'nhsuk-heading-s' }, 'By ethnic group'),
        ek.length ? [
          bars(ek, [
            { label: 'Prevalence', data: ek.map((k) => num(ge.get(k).percent)), colour: colours.purple },
            { label: 'Network', data: ek.map(() => avg), type: 'line', colour: colours.grey, dash: [6, 4] }],
          `${r.title || r.name} prevalence by ethnic group`, { percent: true, catTitle: 'Ethnic group' }),
          table({ caption: `${r.title || r.name} by ethnic group`, id: 'ethnicity-table', compact: true,
            columns: [
              { label: 'Ethnic group', rowHeader: true, render: (k) => k },
              { label: 'On register', num: true, render: (k) => figure(ge.get(k).count) },
              { label: 'Population', num: true, render: (k) => figure(ge.get(k).population) },
              { label: 'Prevalence', num: true, render: (k) => figure(ge.get(k).percent, 'pct') }],
            rows: ek })]
          : warning('No breakdown by ethnic group is available.'))));
    drawCharts();
  };
  const first = regs.find((r) => r.name === 'dm') ? 'dm' : regs[0].name;
  draw(first);
  return panel('Inequalities',
    h('p', { class: 'nhsuk-body' }, 'Prevalence differs between more and less deprived neighbourhoods and between ethnic groups; the dashed line is the network figure.'),
    h('div', { class: 'pcn-controls' }, select('Register', regs.map((r) => ({ value: r.name, label: r.title || r.name })), first, draw)),
    out);
}

export async function render() {
  const [net, eng, regs, imd, eth, scores, segments] = await Promise.all([
    network(), england(),
    settle(report('registers', 'practice')), settle(report('registers', 'imd')),
    settle(report('registers', 'ethnicity')), settle(report('scores', 'practice')),
    settle(report('segments', 'practice')),
  ]);
  // frailty and multimorbidity are two of the scores; b2h one of the segments
  const pick = (res, name) => (res.ok ? { ok: true, value: { ...res.value,
    results: results(res.value).filter((r) => r.name === name) } } : res);
  const frailty = pick(scores, 'frailty');
  const mm = pick(scores, 'multimorbidity');
  const b2h = pick(segments, 'b2h');
  const registers = regs.ok ? results(regs.value, 'register') : [];
  return h('div', { id: 'page-population' },
    h('span', { class: 'nhsuk-caption-l' }, `Population health · ${titleCase(net.name)}`),
    h('h1', {}, 'Population health'),
    regs.ok && registers.length ? registersPanel(registers, net, eng)
      : regs.ok ? panel('Disease registers', warning('No registers.')) : unavailable('Disease registers', regs),
    bandsPanel('Frailty', 'Electronic frailty index bands among patients aged 65 and over.', frailty, net, 'frailty-table'),
    bandsPanel('Multimorbidity', 'Number of long-term conditions per patient.', mm, net, 'multimorbidity-table'),
    bandsPanel('Bridges to Health segments', 'Each patient in the first segment whose rule holds, from healthy to the end of life.', b2h, net, 'b2h-table'),
    inequalityPanel(imd, eth));
}
