// engagement.js - the network's engagement on the ladder of involvement:
// activities per financial year at each rung (stacked bars and a table),
// the co-production record of service changes (who was involved at which
// stage of the commissioning cycle, and whether patients were involved from
// the start), the engagement log, and a form to record an activity for the
// roles that write (a ppg_member for its own group).

import { api, qs } from '../api.js';
import { bars, colours, drawCharts } from '../charts.js';
import { card, h, panel, table, warning } from '../dom.js';
import { dateText, figure } from '../format.js';
import { apiForm, groupLabel, kinds, labelOf, redrawable, rungs, writesEngagement } from '../ppg_common.js';

const rungColours = [colours.grey, colours.lightBlue, colours.blue, colours.purple, colours.green];

function ladderPanel(ladder) {
  const rows = ladder.rows;
  if (!rows.length) return panel('The ladder of involvement', warning('No activities recorded yet.'));
  return panel('The ladder of involvement',
    h('p', { class: 'nhsuk-body-s pcn-muted' },
      'Each activity at its rung, per financial year (April to March): inform and consult at the bottom, co-produce at the top.'),
    bars(rows.map((r) => r.year), rungs.map((x, i) => ({
      label: x.label, data: rows.map((r) => r[x.value]), colour: rungColours[i],
    })), `Activities per year by rung: ${rows.map((r) => `${r.year}: ${rungs.map((x) => `${x.label} ${r[x.value]}`).join(', ')}`).join('; ')}`,
    { stacked: true, valueTitle: 'Activities' }),
    table({
      caption: 'Activities per year at each rung', id: 'ppg-ladder', compact: true,
      columns: [{ label: 'Year', rowHeader: true, key: 'year' },
        ...rungs.map((x) => ({ label: x.label, num: true, render: (r) => String(r[x.value]) })),
        { label: 'People', num: true, render: (r) => figure(r.people) },
        { label: 'Involve or above', num: true, render: (r) => figure(r.involve_or_above, 'pct') }],
      rows,
    }));
}

function coproductionPanel(cop) {
  const rows = cop.rows;
  const fromStart = rows.filter((r) => r.from_start).length;
  const cell = (v) => (v ? labelOf(rungs, v) : h('span', { class: 'pcn-muted' }, 'Nobody'));
  return panel('Co-production record',
    h('p', { class: 'nhsuk-body', id: 'ppg-from-start' },
      `${fromStart} of ${rows.length} service changes involved patients or the public from the start (the needs stage).`),
    table({
      caption: 'Who was involved at each stage of the commissioning cycle (the highest rung)', id: 'ppg-coproduction', compact: true,
      columns: [
        { label: 'Service change', rowHeader: true, render: (r) => r.title },
        { label: 'Needs', render: (r) => cell(r.needs) },
        { label: 'Design', render: (r) => cell(r.design) },
        { label: 'Procurement', render: (r) => cell(r.procurement) },
        { label: 'Monitoring', render: (r) => cell(r.monitoring) },
        { label: 'Evaluation', render: (r) => cell(r.evaluation) },
        { label: 'From the start', render: (r) => (r.from_start ? 'Yes' : 'No') },
      ],
      rows,
    }));
}

function activitiesPanel(acts) {
  return panel('Engagement log',
    table({
      caption: `The ${acts.rows.length} most recent of ${acts.total} activities`, id: 'ppg-activities', compact: true,
      columns: [
        { label: 'Date', rowHeader: true, render: (a) => dateText(a.held) },
        { label: 'Activity', render: (a) => h('span', {}, a.title, h('br'), h('span', { class: 'pcn-muted' }, labelOf(kinds, a.kind))) },
        { label: 'Rung', render: (a) => labelOf(rungs, a.rung) },
        { label: 'Groups', render: (a) => a.group_names || '' },
        { label: 'People', num: true, render: (a) => (a.people ?? '') },
        { label: 'What was heard', render: (a) => a.heard || '' },
      ],
      rows: acts.rows.slice().reverse(),
    }));
}

function activityForm(groups, refresh) {
  // a ppg_member records activities of its own group only
  const mine = groups.rows.filter((g) => !groups.own_group || g.id === groups.own_group);
  return apiForm({
    path: '/ppg/activities', id: 'ppg-activity-form', submit: 'Record the activity',
    fields: [
      { name: 'title', label: 'Title', required: true },
      { name: 'kind', label: 'Kind', type: 'select', options: kinds, value: 'meeting' },
      { name: 'rung', label: 'Rung of the ladder', type: 'select', options: rungs, value: 'consult' },
      { name: 'held', label: 'Date', type: 'date', required: true },
      { name: 'people', label: 'How many people took part', type: 'number' },
      { name: 'groups', label: 'Groups that took part', type: 'checkboxes',
        options: mine.map((g) => ({ value: g.id, label: groupLabel(g) })),
        value: groups.own_group ? [groups.own_group] : [] },
      { name: 'questions', label: 'The questions asked', type: 'textarea' },
      { name: 'heard', label: 'What was heard', type: 'textarea' },
    ],
    done: refresh,
  });
}

async function build(ctx, refresh) {
  const [groups, ladder, cop, acts] = await Promise.all([
    api(`/ppg/groups${qs({ limit: 500 })}`), api('/ppg/ladder'), api('/ppg/coproduction'),
    api(`/ppg/activities${qs({ limit: 500 })}`)]);
  const last = ladder.rows[ladder.rows.length - 1];
  return h('div', { id: 'page-engagement' },
    h('span', { class: 'nhsuk-caption-l' }, `Patient partnership · ${ladder.network}`),
    h('h1', {}, 'Engagement'),
    h('div', { class: 'pcn-cards' },
      card('Activities this year', last ? String(last.activities) : '0', last ? last.year : null),
      card('Involve or above', last && typeof last.involve_or_above === 'number' ? `${last.involve_or_above}%` : 'None', 'of this year\u2019s activities'),
      card('Service changes', String(cop.rows.length), `${cop.rows.filter((r) => r.from_start).length} with patients from the start`)),
    ladderPanel(ladder),
    coproductionPanel(cop),
    activitiesPanel(acts),
    writesEngagement(ctx.me) ? panel('Record an activity', activityForm(groups, refresh)) : null);
}

export async function render(ctx) {
  return redrawable((refresh) => build(ctx, refresh), drawCharts);
}
