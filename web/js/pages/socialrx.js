// socialrx.js - social prescribing for the clinical director: activity by
// month (referrals by source, contacts, outcomes of referrals), wellbeing
// outcomes (change between first and last questionnaire, with the number
// of paired measurements, overall and by asset category), caseloads, and
// the gaps: referral rates against the population by practice, age, sex,
// deprivation and ethnicity; the categories most asked for and least
// available; neighbourhoods people are referred from that have few
// assets. Aggregate-only roles get the same page with small numbers
// withheld by the server.

import { api } from '../api.js';
import { bars } from '../charts.js';
import { rows, settle } from '../data.js';
import { h, panel, table, warning } from '../dom.js';
import { figure, num } from '../format.js';
import { categoriesText, categoryLabels, measureLabels, numberText } from '../sp.js';

const count = (key) => (r) => figure(r[key]);
// "2025-07" as "Jul 2025"
const monthText = (m) => new Date(`${m}-01T00:00:00Z`).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const dec = (key, d = 2) => (r) => numberText(r[key], d);

function activityPanel(t) {
  const list = rows(t);
  const chart = bars(list.map((r) => monthText(r.month)), [
    { label: 'Referrals received', data: list.map((r) => num(r.received)) },
    { label: 'Contacted', data: list.map((r) => num(r.contacted)) },
  ], 'Referrals received and people contacted each month', { valueTitle: 'People' });
  return panel('Activity', chart, table({ caption: 'Referrals and contacts by month', id: 'activity-table', compact: true,
    rows: list, columns: [
      { label: 'Month', rowHeader: true, render: (r) => monthText(r.month) },
      { label: 'Received', num: true, render: count('received') },
      { label: 'From clinicians', num: true, render: count('from_clinician') },
      { label: 'From practices', num: true, render: count('from_practice') },
      { label: 'Self-referred', num: true, render: count('self_referred') },
      { label: 'From community groups', num: true, render: count('from_community_group') },
      { label: 'Contacted', num: true, render: count('contacted') },
      { label: 'Declined', num: true, render: count('declined') },
      { label: 'Closed', num: true, render: count('closed') },
      { label: 'Contacts', num: true, render: count('contacts') },
      { label: 'Contact hours', num: true, render: (r) => (typeof r.contact_minutes === 'number' ? (r.contact_minutes / 60).toFixed(0) : figure(null)) },
    ] }));
}

function outcomesPanel(t) {
  const list = rows(t);
  const label = (r) => measureLabels[r.measure] || r.measure;
  const ci = (r) => (typeof r.ci_low === 'number' ? `${numberText(r.ci_low)} to ${numberText(r.ci_high)}` : '');
  const columns = [
    { label: 'Measure', rowHeader: true, render: label },
    { label: 'Pairs', num: true, render: count('pairs') },
    { label: 'First', num: true, render: dec('mean_first') },
    { label: 'Last', num: true, render: dec('mean_last') },
    { label: 'Change', num: true, render: dec('mean_change') },
    { label: '95% CI of the change', render: ci },
    { label: 'Better', num: true, render: count('improved') },
    { label: 'Worse', num: true, render: count('worse') },
  ];
  const all = list.filter((r) => r.group === 'all');
  const byCat = list.filter((r) => r.group !== 'all' && r.measure === 'swemwbs_metric');
  return panel('Wellbeing outcomes',
    h('p', { class: 'nhsuk-body' }, 'Change from each person\'s first questionnaire to their last, averaged over the people with both ' +
      '("pairs"). Higher is better, except ONS4 anxiety, where a fall is an improvement.'),
    table({ caption: 'Everyone', id: 'outcomes-table', compact: true, rows: all,
      columns: [...columns, { label: 'Baseline only', num: true, render: count('baseline_only') }] }),
    byCat.length ? table({ caption: 'SWEMWBS by the category of asset people were connected to', id: 'outcomes-category-table',
      compact: true, rows: byCat, columns: [{ label: 'Category', rowHeader: true, render: (r) => categoryLabels[r.group] || r.group },
        ...columns.slice(1)] }) : null);
}

function caseloadPanel(t) {
  return panel('Caseloads', table({ caption: 'Each link worker\'s open cases', id: 'caseloads-table', compact: true,
    rows: rows(t), columns: [
      { label: 'Link worker', key: 'link_worker', rowHeader: true },
      { label: 'Open', num: true, render: count('open') },
      { label: 'Waiting for a first contact', num: true, render: count('waiting_first_contact') },
      { label: 'No contact for 28 days', num: true, render: count('no_contact_28_days') },
      { label: 'Days since contact (mean)', num: true, render: dec('mean_days_since_contact', 1) },
      { label: 'New in 12 months', num: true, render: count('new_12_months') },
    ] }));
}

const dimensionLabels = { all: 'Everyone', practice: 'Practice', age: 'Age', sex: 'Sex', imd_quintile: 'Deprivation (IMD quintile)', ethnicity: 'Ethnic group' };

function gapsPanel(rates, cats, cover) {
  const r = rows(rates);
  const c = rows(cats);
  const unmet = rows(cover).filter((x) => x.unmet).sort((a, b) => (b.referrals ?? 0) - (a.referrals ?? 0)).slice(0, 15);
  return panel('Gaps',
    table({ caption: 'People referred in the last 12 months per 1,000 registered', id: 'rates-table', compact: true, rows: r,
      columns: [
        { label: 'Group', rowHeader: true, render: (x) => (x.dimension === 'all' ? 'Everyone' : `${dimensionLabels[x.dimension] || x.dimension}: ${x.group}`) },
        { label: 'Registered', num: true, render: count('population') },
        { label: 'Referred', num: true, render: count('referred') },
        { label: 'Per 1,000', num: true, render: dec('per_1000') },
        { label: '95% CI', render: (x) => (typeof x.ci_low === 'number' ? `${numberText(x.ci_low)} to ${numberText(x.ci_high)}` : '') },
        { label: 'Against everyone', num: true, render: dec('ratio') },
      ] }),
    table({ caption: 'What people ask for against what the directory has (least available first)', id: 'categories-table',
      compact: true, rows: c, columns: [
        { label: 'Category', rowHeader: true, render: (x) => categoryLabels[x.category] || x.label },
        { label: 'Asked for', num: true, render: count('asked') },
        { label: 'Connected', num: true, render: count('connected') },
        { label: 'Assets', num: true, key: 'assets' },
        { label: 'To re-check', num: true, key: 'stale_assets' },
        { label: 'Asked per asset', num: true, render: dec('asked_per_asset') },
      ] }),
    unmet.length ? table({ caption: 'Neighbourhoods (LSOAs) people are referred from, with what they ask for and no asset there offers',
      id: 'coverage-table', compact: true, rows: unmet, columns: [
        { label: 'LSOA', key: 'lsoa', rowHeader: true },
        { label: 'IMD decile', num: true, key: 'imd_decile' },
        { label: 'Referrals', num: true, render: count('referrals') },
        { label: 'Assets there', num: true, key: 'assets' },
        { label: 'Asked for, not offered there', render: (x) => categoriesText(x.unmet) },
      ] }) : h('p', { class: 'nhsuk-body' }, 'Every neighbourhood people are referred from has assets for what they ask for.'));
}

export async function render() {
  const [activity, outcomes, caseloads, rates, cats, cover] = await Promise.all(
    ['/sp/reports/activity', '/sp/outcomes', '/sp/reports/caseloads', '/sp/reports/rates', '/sp/reports/categories',
      '/sp/reports/coverage'].map((p) => settle(api(p))));
  const part = (r, f) => (r.ok ? f(r.value) : warning(`This part could not be loaded: ${r.error.message}`));
  return h('div', { id: 'page-socialrx' },
    h('span', { class: 'nhsuk-caption-l' }, 'Social prescribing'),
    h('h1', {}, 'Social prescribing'),
    part(activity, activityPanel), part(outcomes, outcomesPanel), part(caseloads, caseloadPanel),
    rates.ok && cats.ok && cover.ok ? gapsPanel(rates.value, cats.value, cover.value)
      : warning(`The gaps could not be loaded: ${[rates, cats, cover].find((x) => !x.ok).error.message}`));
}
