// patient.js - one patient (GET /patients/{key}): demographics, registers
// (when the server lists them), latest measurements, medications and the
// event timeline, newest first, a page at a time. Each coded entry shows
// the server's term first and its code beside it, secondary. Only clinical
// roles reach it; the server also refuses (and audits) anyone else.

import { api, ApiError, qs } from '../api.js';
import { h, panel, table, warning } from '../dom.js';
import { dateText, nhsNumberText } from '../format.js';

const TIMELINE_PAGE = 25;

const ethnicGroups = [['ABC', 'White'], ['DEFG', 'Mixed'], ['HJKL', 'Asian'], ['MNP', 'Black'], ['RS', 'Other']];
function ethnicityText(e) {
  if (!e) return 'Not recorded';
  if (e.length > 1) return e;
  const g = ethnicGroups.find(([letters]) => letters.includes(e.toUpperCase()));
  return g ? `${g[1]} (${e})` : e === 'Z' ? 'Not stated' : e;
}
const sexText = { F: 'Female', M: 'Male', I: 'Indeterminate', U: 'Unknown' };

const systemNames = { snomed: 'SNOMED CT', dmd: 'dm+d', 'openpcn-drug': 'drug' };
const codeText = (e) => `${e.system ? (systemNames[e.system] || e.system) + ' ' : ''}${e.code}`;
// The term (the server's, null when its term table has none) with the code
// beside it in smaller, muted text; the code alone when there is no term.
const what = (e) => (e.term
  ? h('span', {}, e.term, ' ', h('span', { class: 'pcn-code' }, codeText(e)))
  : h('span', {}, codeText(e)));
const valueText = (e) => (typeof e.value === 'number'
  ? `${Number.isInteger(e.value) ? e.value : e.value.toFixed(1)}${e.unit ? ' ' + e.unit : ''}` : '');

function summaryList(items) {
  return h('dl', { class: 'nhsuk-summary-list', id: 'patient-summary' }, items.filter(Boolean).map(([k, v]) =>
    h('div', { class: 'nhsuk-summary-list__row' },
      h('dt', { class: 'nhsuk-summary-list__key' }, k),
      h('dd', { class: 'nhsuk-summary-list__value' }, v))));
}

function timelinePanel(key, first) {
  const box = h('div', {});
  const draw = (view) => {
    const pages = Math.max(1, Math.ceil(view.timeline_total / TIMELINE_PAGE));
    const page = Math.floor(view.offset / TIMELINE_PAGE);
    const go = async (p) => {
      try {
        draw(await api(`/patients/${encodeURIComponent(key)}${qs({ limit: TIMELINE_PAGE, offset: p * TIMELINE_PAGE })}`));
      } catch (e) {
        box.replaceChildren(warning(`The timeline could not be loaded: ${e.message}`));
      }
    };
    box.replaceChildren(
      table({
        caption: `Timeline: ${view.timeline_total} events, newest first`, id: 'timeline-table', compact: true,
        columns: [
          { label: 'Date', render: (e) => dateText(e.date) },
          { label: 'Type', render: (e) => e.kind },
          { label: 'What', render: what },
          { label: 'Value', num: true, render: valueText },
        ],
        rows: view.timeline,
      }),
      h('div', { class: 'pcn-pager' },
        h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', disabled: page === 0,
          onclick: () => go(page - 1) }, 'Newer events'),
        h('span', {}, `Page ${page + 1} of ${pages}`),
        h('button', { type: 'button', class: 'nhsuk-button nhsuk-button--secondary', disabled: page >= pages - 1,
          onclick: () => go(page + 1) }, 'Older events')));
  };
  draw(first);
  return panel('Timeline', box);
}

export async function render(ctx, args) {
  const key = args[0];
  if (!key) {
    return h('div', {}, h('h1', {}, 'Patient'),
      warning('Open a patient from a worklist.'), h('p', {}, h('a', { href: '#/worklists' }, 'Go to worklists')));
  }
  let view;
  try {
    view = await api(`/patients/${encodeURIComponent(key)}${qs({ limit: TIMELINE_PAGE, include: 'registers' })}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
      return h('div', { id: 'page-patient' }, h('h1', {}, e.status === 403 ? 'You cannot see this patient' : 'Patient not found'),
        warning(e.message), h('p', {}, h('a', { href: '#/worklists' }, 'Back to worklists')));
    }
    throw e;
  }
  const p = view.patient;
  const name = [p.given_name, p.family_name].filter(Boolean).join(' ') || p.patient_id;
  const registers = view.registers || p.registers || null;
  return h('div', { id: 'page-patient' },
    h('p', {}, h('a', { href: '#/worklists', class: 'nhsuk-back-link__link',
      onclick: (e) => { e.preventDefault(); history.back(); } }, 'Back')),
    h('span', { class: 'nhsuk-caption-l' }, `Patient · ${p.practice || 'no practice'}`),
    h('h1', {}, name),
    panel('Demographics', summaryList([
      ['NHS number', nhsNumberText(p.nhs_number) || 'Not recorded'],
      ['Patient ID', p.patient_id],
      ['Date of birth', `${dateText(p.date_of_birth)}${typeof p.age === 'number' ? ` (${p.age} years)` : ''}`],
      ['Sex', sexText[p.sex] || p.sex],
      ['Ethnicity', ethnicityText(p.ethnicity)],
      ['Practice', p.practice || 'None'],
      ['Postcode', p.postcode || 'Not recorded'],
      ['Neighbourhood (LSOA)', p.lsoa || 'Not recorded'],
      ['Registered', `${p.registered_from ? 'from ' + dateText(p.registered_from) : ''}${p.registered_to ? ' to ' + dateText(p.registered_to) : ''}` || 'Unknown'],
      p.date_of_death ? ['Date of death', dateText(p.date_of_death)] : null,
    ])),
    panel('Registers', registers && registers.length
      ? h('ul', { class: 'nhsuk-list nhsuk-list--bullet', id: 'patient-registers' },
        registers.map((r) => h('li', {}, typeof r === 'string' ? r : r.title || r.name)))
      : registers ? h('p', { class: 'nhsuk-body' }, 'On no disease register.')
        : warning('This server does not list the patient\'s registers yet.')),
    panel('Latest measurements', view.latest_measurements.length ? table({
      caption: 'The most recent value of each measurement', id: 'measurements-table', compact: true,
      columns: [
        { label: 'Measurement', rowHeader: true, render: what },
        { label: 'Value', num: true, render: valueText },
        { label: 'Date', render: (e) => dateText(e.date) },
      ],
      rows: view.latest_measurements,
    }) : h('p', { class: 'nhsuk-body' }, 'No measurements recorded.')),
    panel('Medications', (view.medications || []).length ? table({
      caption: 'Medication courses, newest first', id: 'medications-table', compact: true,
      columns: [
        { label: 'Medicine', rowHeader: true, render: what },
        { label: 'Started', render: (m) => dateText(m.start_date) },
        { label: 'Ended', render: (m) => (m.end_date ? dateText(m.end_date) : 'Current') },
        { label: 'Quantity', num: true, render: (m) => (typeof m.quantity === 'number' ? String(m.quantity) : '') },
      ],
      rows: view.medications,
    }) : h('p', { class: 'nhsuk-body' }, 'No medications recorded.')),
    timelinePanel(key, view));
}
