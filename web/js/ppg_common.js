// ppg_common.js - shared by the patient partnership pages (groups,
// engagement, "you said, we did"): the vocabularies' labels, who may write,
// and a small form builder whose submit posts to the API and shows the
// server's refusal (a field error, a 403, or a 409 with the record as it now
// is) in an NHS.UK error summary.

import { api, ApiError } from './api.js';
import { h, errorSummary, newId } from './dom.js';

export const rungs = [
  { value: 'inform', label: 'Inform' },
  { value: 'consult', label: 'Consult' },
  { value: 'involve', label: 'Involve' },
  { value: 'collaborate', label: 'Collaborate' },
  { value: 'co_produce', label: 'Co-produce / devolve' },
];
export const kinds = [
  { value: 'survey', label: 'Survey' },
  { value: 'meeting', label: 'Meeting' },
  { value: 'focus_group', label: 'Focus group' },
  { value: 'co_design', label: 'Co-design workshop' },
  { value: 'consultation', label: 'Consultation on a service change' },
  { value: 'ppg_project', label: 'PPG-led project' },
];
export const outcomes = [
  { value: 'open', label: 'Awaiting a response' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'done', label: 'Done' },
  { value: 'not_possible', label: 'Not possible' },
];
export const stages = [
  { value: 'needs', label: 'Needs' },
  { value: 'design', label: 'Design' },
  { value: 'procurement', label: 'Procurement' },
  { value: 'monitoring', label: 'Monitoring' },
  { value: 'evaluation', label: 'Evaluation' },
];

export const labelOf = (list, value) => (list.find((x) => x.value === value) || {}).label || value || '';

// Who writes what (the server decides; the pages only offer what it allows).
export const isStaff = (me) => me && (me.role === 'clinical_director' || me.role === 'practice_manager');
export const writesEngagement = (me) => isStaff(me) || (me && me.role === 'ppg_member');

// A group's display name with its practice.
export function groupLabel(g) {
  return g.practice ? `${g.name} (${g.practice})` : `${g.name} (network)`;
}

function field(f) {
  const id = newId('f');
  const hint = f.hint ? h('div', { class: 'nhsuk-hint', id: `${id}-hint` }, f.hint) : null;
  const described = f.hint ? `${id}-hint` : null;
  let control;
  if (f.type === 'textarea') {
    control = h('textarea', { class: 'nhsuk-textarea', id, name: f.name, rows: 3,
      'aria-describedby': described, required: f.required }, f.value || '');
  } else if (f.type === 'select') {
    control = h('select', { class: 'nhsuk-select', id, name: f.name, 'aria-describedby': described },
      f.options.map((o) => h('option', { value: o.value, selected: o.value === f.value }, o.label)));
  } else if (f.type === 'checkbox') {
    return h('div', { class: 'nhsuk-checkboxes__item' },
      h('input', { class: 'nhsuk-checkboxes__input', id, name: f.name, type: 'checkbox', checked: !!f.value }),
      h('label', { class: 'nhsuk-label nhsuk-checkboxes__label', for: id }, f.label));
  } else if (f.type === 'checkboxes') {
    return h('fieldset', { class: 'nhsuk-fieldset' },
      h('legend', { class: 'nhsuk-fieldset__legend nhsuk-fieldset__legend--s' }, f.label),
      h('div', { class: 'nhsuk-checkboxes' }, f.options.map((o) => {
        const oid = newId('c');
        return h('div', { class: 'nhsuk-checkboxes__item' },
          h('input', { class: 'nhsuk-checkboxes__input', id: oid, name: f.name, type: 'checkbox',
            value: o.value, checked: (f.value || []).includes(o.value) }),
          h('label', { class: 'nhsuk-label nhsuk-checkboxes__label', for: oid }, o.label));
      })));
  } else {
    control = h('input', { class: 'nhsuk-input' + (f.type === 'number' || f.type === 'date' ? ' nhsuk-input--width-10' : ''),
      id, name: f.name, type: f.type || 'text', value: f.value || '', required: f.required,
      'aria-describedby': described, min: f.type === 'number' ? 0 : null });
  }
  return h('div', { class: 'nhsuk-form-group' }, h('label', { class: 'nhsuk-label', for: id }, f.label), hint, control);
}

// The body of a form: text and dates as strings (blank: left out), numbers
// as numbers, checkboxes as booleans, checkbox lists as arrays of numbers.
function values(form, fields) {
  const body = {};
  for (const f of fields) {
    if (f.type === 'checkboxes') {
      body[f.name] = [...form.querySelectorAll(`input[name="${f.name}"]:checked`)].map((x) => Number(x.value));
    } else if (f.type === 'checkbox') {
      body[f.name] = form.elements[f.name].checked;
    } else {
      const v = form.elements[f.name].value.trim();
      if (v !== '') body[f.name] = f.type === 'number' || f.numeric ? Number(v) : v;
    }
  }
  return body;
}

// A form that posts to path: fields, a submit label, extra members of the
// body (a version), and done(result) once the server has accepted it; after
// a conflict (409), done(null, notice) redraws the page with the notice.
export function apiForm({ title, path, fields, submit, extra = {}, done, id }) {
  const status = h('div', { role: 'alert', 'aria-live': 'assertive' });
  const form = h('form', { class: 'pcn-ppg-form', id, novalidate: true },
    title ? h('h3', { class: 'nhsuk-heading-s' }, title) : null,
    status, fields.map(field),
    h('button', { class: 'nhsuk-button', type: 'submit' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    try {
      const result = await api(path, { method: 'POST', body: { ...values(form, fields), ...extra } });
      await done(result);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const again = e.status === 409
        ? ' Someone else changed this record after you opened it: the page now shows it as it is; make your change again.'
        : '';
      const summary = errorSummary(e.status === 403 ? 'You cannot do this' : 'There is a problem',
        e.message + again);
      if (e.status === 409) {
        await done(null, summary); // the page shows the record as it now is, and why
        return;
      }
      status.replaceChildren(summary);
      summary.focus();
    }
  });
  return form;
}

// The root of a page that redraws itself after a write: build(refresh)
// returns its content; refresh(result, notice) draws it again, with a notice
// (an error summary) first when there is one.
export async function redrawable(build, after) {
  const root = h('div', {});
  const refresh = async (result, notice) => {
    const content = await build(refresh);
    root.replaceChildren(...(notice ? [notice, content] : [content]));
    if (after) after();
    if (notice) notice.focus();
  };
  root.appendChild(await build(refresh));
  return root;
}
