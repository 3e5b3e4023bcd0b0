// finance.js - the network's money for a contract year (practice managers
// and clinical directors): the ARRS budget against claims month by month,
// headroom and when it runs out, every DES income line, what each practice
// gets under the network agreement, the claim by post with the CSV the
// ICB takes, and "what if" we hire. Money arrives as exact text
// ("1234.56", docs/api.md) and is shown as it is; charts use numbers.

import { api, qs } from '../api.js';
import { bars, colours } from '../charts.js';
import { rows, titleCase } from '../data.js';
import { card, errorSummary, h, newId, panel, select, table, warning } from '../dom.js';
import { amount, dateText, moneyText } from '../format.js';

const monthLabel = (m) => {
  const [y, mo] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
};
const yes = (b) => (b ? 'Yes' : '');

function findingsPanel(findings) {
  const warn = (findings || []).filter((f) => f.severity === 'warning');
  if (!warn.length) return null;
  return h('div', { class: 'nhsuk-inset-text', id: 'finance-findings' },
    h('span', { class: 'nhsuk-u-visually-hidden' }, 'Information: '),
    h('p', {}, 'These figures depend on the following:'),
    h('ul', { class: 'nhsuk-list nhsuk-list--bullet' }, warn.map((f) => h('li', {}, `${f.where}: ${f.message}`))));
}

function budgetPanel(fin) {
  const arrs = rows(fin.budget).find((b) => b.budget === 'arrs') || {};
  const months = rows(fin.months).filter((m) => m.budget === 'arrs');
  const labels = months.map((m) => monthLabel(m.month));
  return panel('ARRS budget used, month by month',
    h('p', { class: 'nhsuk-body', id: 'budget-status' },
      arrs.known
        ? `Claims of ${moneyText(arrs.total)} for the year against a budget of ${moneyText(arrs.amount)}${arrs.estimate ? ' (an estimate: see above)' : ''}: `
          + `${amount(arrs.headroom) < 0 ? `${moneyText(String(arrs.headroom).replace('-', ''))} over` : `${moneyText(arrs.headroom)} left`}`
          + `${arrs.runs_out ? `; cumulative claims pass it in ${monthLabel(arrs.runs_out)}` : ''}.`
        : 'The budget is not known for this year: give the allocation (finance inputs).'),
    bars(labels, [
      { label: 'Claimed in the month', data: months.map((m) => amount(m.claimed)), colour: colours.blue },
      { label: 'Claimed so far', data: months.map((m) => amount(m.cumulative)), colour: colours.pink, type: 'line' },
      { label: 'Budget for the year', data: months.map((m) => amount(m.amount)), colour: colours.red, type: 'line', dash: [6, 4] },
    ], `Chart of ARRS claims by month, the running total and the budget line: ${months.map((m) => `${monthLabel(m.month)} ${moneyText(m.claimed)}, ${moneyText(m.cumulative)} so far`).join('; ')}; budget ${moneyText(arrs.amount)}`,
    { valueTitle: 'Pounds' }),
    table({
      caption: 'ARRS claims by month', id: 'months-table', compact: true,
      columns: [
        { label: 'Month', rowHeader: true, render: (m) => monthLabel(m.month) },
        { label: 'Claimed', num: true, render: (m) => moneyText(m.claimed) },
        { label: 'So far', num: true, render: (m) => moneyText(m.cumulative) },
        { label: 'Past', render: (m) => (m.to_date ? 'Yes' : 'To come') },
      ],
      rows: months,
    }));
}

function incomePanel(fin) {
  const lines = rows(fin.income).filter((l) => !l.line.startsWith('total'));
  const known = lines.filter((l) => l.known && l.amount !== null && l.line !== 'arrs');
  return panel('Income by line',
    bars(known.map((l) => l.name), [{ label: 'Pounds a year', data: known.map((l) => amount(l.amount)) }],
      `Bar chart of DES income by line: ${known.map((l) => `${l.name} ${moneyText(l.amount)}`).join('; ')}`,
      { horizontal: true, valueTitle: 'Pounds a year' }),
    table({
      caption: `Network Contract DES income ${fin.year}`, id: 'income-table', compact: true,
      columns: [
        { label: 'Line', rowHeader: true, render: (l) => l.name || l.line },
        { label: 'Paid', render: (l) => l.paid || '' },
        { label: 'Amount', num: true, render: (l) => (l.known || l.line.startsWith('total') ? moneyText(l.amount) : 'Not known') },
        { label: 'Estimate', render: (l) => yes(l.estimate) },
        { label: 'Assumed achieved', render: (l) => yes(l.assumed) },
        { label: 'How', render: (l) => l.basis || (l.part_of ? `included in ${l.part_of}` : '') },
      ],
      rows: rows(fin.income),
    }));
}

function distributionPanel(dist, fin) {
  const lineName = (l) => (rows(fin.income).find((x) => x.line === l) || {}).name || l;
  if (!dist.ok) return panel('Distribution to practices', warning(`The distribution could not be computed: ${dist.error.message}`));
  const rs = rows(dist.value);
  const practices = [...new Map(rs.map((r) => [r.practice, r.name])).entries()];
  const lines = [...new Set(rs.filter((r) => r.line !== 'total').map((r) => r.line))];
  const get = (p, l) => {
    const r = rs.find((x) => x.practice === p && x.line === l);
    return r ? r.amount : null;
  };
  return panel('Distribution to practices',
    h('p', { class: 'nhsuk-body' }, 'What each practice gets under the network agreement (top-slices first, then each line by its method).'),
    bars(practices.map(([, n]) => titleCase(n)), lines.map((l) => ({ label: lineName(l), data: practices.map(([p]) => amount(get(p, l))) })),
      `Stacked bar chart of income by practice and line: ${practices.map(([p, n]) => `${titleCase(n)} ${moneyText(get(p, 'total'))}`).join('; ')}`,
      { horizontal: true, stacked: true, valueTitle: 'Pounds a year' }),
    table({
      caption: 'Income by practice', id: 'distribution-table', compact: true,
      columns: [
        { label: 'Practice', rowHeader: true, render: ([p, n]) => `${titleCase(n)} (${p})` },
        ...lines.map((l) => ({ label: lineName(l), num: true, render: ([p]) => moneyText(get(p, l)) })),
        { label: 'Total', num: true, render: ([p]) => moneyText(get(p, 'total')) },
      ],
      rows: practices,
    }));
}

function claimsPanel(claims, year) {
  const rs = rows(claims);
  const status = h('div', {});
  const download = async () => {
    try {
      const res = await api('/finance/claims/export' + qs({ year }), { raw: true });
      const blob = await res.blob();
      const a = h('a', { href: URL.createObjectURL(blob), download: `arrs-claim-${year}.csv` });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) {
      status.replaceChildren(errorSummary('The claim could not be downloaded', e.message));
    }
  };
  return panel('ARRS claims by post',
    table({
      caption: `Claims for ${year}: the lesser of the cost and the role's maximum, month by month`, id: 'claims-table', compact: true,
      columns: [
        { label: 'Person', rowHeader: true, render: (c) => c.person },
        { label: 'Role', render: (c) => c.role },
        { label: 'Band', render: (c) => c.band || '' },
        { label: 'WTE', num: true, render: (c) => c.wte },
        { label: 'Months', num: true, render: (c) => String(c.months) },
        { label: 'Cost', num: true, render: (c) => moneyText(c.cost) },
        { label: 'Maximum', num: true, render: (c) => moneyText(c.maximum) },
        { label: 'Claim', num: true, render: (c) => moneyText(c.claim) },
        { label: 'Not reimbursed', num: true, render: (c) => moneyText(c.unreimbursed) },
        { label: 'Notes', render: (c) => (c.flags || '').replace(/_/g, ' ') },
      ],
      rows: rs,
    }),
    status,
    h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', id: 'download-claim', onclick: download },
      'Download the claim (CSV for the ICB)'));
}

function whatIfPanel(roles, year) {
  const out = h('div', { id: 'what-if-result', 'aria-live': 'polite' });
  const id = (n) => newId(n);
  const role = h('select', { class: 'nhsuk-select', id: id('wi-role'), name: 'role' },
    roles.map((r) => h('option', { value: r.key }, r.name)));
  const band = h('input', { class: 'nhsuk-input nhsuk-input--width-4', id: id('wi-band'), name: 'band', type: 'text' });
  const wte = h('input', { class: 'nhsuk-input nhsuk-input--width-4', id: id('wi-wte'), name: 'wte', type: 'text', inputmode: 'decimal', value: '1' });
  const start = h('input', { class: 'nhsuk-input', id: id('wi-start'), name: 'start', type: 'date' });
  const cost = h('input', { class: 'nhsuk-input nhsuk-input--width-10', id: id('wi-cost'), name: 'cost', type: 'text', inputmode: 'decimal' });
  const label = (el, text, hint) => h('div', { class: 'nhsuk-form-group' },
    h('label', { class: 'nhsuk-label', for: el.id }, text), hint ? h('div', { class: 'nhsuk-hint' }, hint) : null, el);
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('/finance/what-if' + qs({ year, role: role.value, band: band.value, wte: wte.value, start: start.value, cost: cost.value }));
      const w = rows(r)[0];
      out.replaceChildren(
        h('p', { class: 'nhsuk-body', id: 'what-if-summary' },
          `${moneyText(w.added)} more claimed this year; headroom ${moneyText(w.headroom_before)} becomes ${moneyText(w.headroom_after)}`
          + `${w.runs_out_after ? `, and the budget runs out in ${monthLabel(w.runs_out_after)}` : ''}. `,
          h('strong', {}, w.fits ? 'It fits the budget.' : 'It does not fit the budget.')));
    } catch (e) {
      out.replaceChildren(errorSummary('That hire cannot be priced', e.message));
    }
  } },
  h('div', { class: 'pcn-controls' }, label(role, 'Role'), label(band, 'Band', 'Optional'), label(wte, 'WTE'),
    label(start, 'From'), label(cost, 'Cost a year (£)', 'Empty: up to the maximum')),
  h('button', { class: 'nhsuk-button', type: 'submit', id: 'what-if-go' }, 'Work it out'));
  return panel('What if we hire', form, out);
}

export async function render(ctx, args) {
  const year = args && args[0] ? args[0] : undefined;
  const fin = await api('/finance' + qs({ year }));
  const y = fin.year;
  const [claims, dist, staff] = await Promise.all([
    api('/finance/claims' + qs({ year: y })),
    api('/finance/distribution' + qs({ year: y })).then((value) => ({ ok: true, value }), (error) => ({ ok: false, error })),
    api('/workforce')]);
  const arrs = rows(fin.budget).find((b) => b.budget === 'arrs') || {};
  const income = rows(fin.income).find((l) => l.line === 'total') || {};
  const arrsRoles = (staff.roles || []).filter((r) => r.group !== 'admin');
  return h('div', { id: 'page-finance' },
    h('span', { class: 'nhsuk-caption-l' }, `Finance · ${fin.network} · ${titleCase(fin.name || '')}`),
    h('h1', {}, `Finance ${y}`),
    h('div', { class: 'pcn-controls' },
      select('Contract year', (fin.years || [y]).map((v) => ({ value: v, label: v })), y, (v) => ctx.go(`#/finance/${v}`))),
    h('p', { class: 'nhsuk-body' }, `As of ${dateText(fin.as_of)}; ${new Intl.NumberFormat('en-GB').format(fin.registered)} registered patients`
      + `${fin.list_date ? ` (list of ${dateText(fin.list_date)})` : ''}.`),
    h('div', { class: 'pcn-cards' },
      card('ARRS budget', arrs.known ? moneyText(arrs.amount) : 'Not known', arrs.estimate ? 'Estimate' : null),
      card('Claimed', moneyText(arrs.total), `${moneyText(arrs.to_date)} to date`),
      card('Headroom', arrs.known ? moneyText(arrs.headroom) : 'Not known',
        arrs.months_left ? `${arrs.months_left} months left: ${moneyText(arrs.headroom_a_month)} a month` : null),
      card('DES income (not ARRS)', moneyText(income.amount), 'Known lines for the year')),
    findingsPanel(fin.findings),
    budgetPanel(fin),
    incomePanel(fin),
    distributionPanel(dist, fin),
    claimsPanel(claims, y),
    whatIfPanel(arrsRoles, y));
}
