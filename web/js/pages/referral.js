// referral.js - one social prescribing referral (#/referral/ID): who
// referred the person and why, "what matters to me", and its timeline
// (GET /sp/referrals/ID); for those who work referrals, the forms that move
// it on, record contacts and questionnaires, set goals and connect the
// person to community assets. Every change sends the version the page
// read: when someone else changed the referral first the server answers
// 409, and the page reloads it and says so.

import { api, ApiError, qs } from '../api.js';
import { rows } from '../data.js';
import { errorSummary, h, newId, panel, table, warning } from '../dom.js';
import { categoriesText, closeReasons, contactTypes, instantText, instruments, stateLabels } from '../sp.js';

let flash = null; // a message for the next render of this page (after a write reloads it)

function reload() {
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function field(label, control, hint) {
  const id = control.id || newId('f');
  control.id = id;
  return h('div', { class: 'nhsuk-form-group' },
    h('label', { class: 'nhsuk-label', for: id }, label),
    hint ? h('div', { class: 'nhsuk-hint' }, hint) : null, control);
}

const input = (attrs) => h('input', { class: 'nhsuk-input', autocomplete: 'off', ...attrs });
const choice = (options, attrs = {}) => h('select', { class: 'nhsuk-select', ...attrs },
  Object.entries(options).map(([value, label]) => h('option', { value }, label)));

// A form that posts to the API; 409 reloads the referral, other refusals are shown in place.
function form(id, title, fields, submit, send) {
  const errors = h('div', {});
  const f = h('form', { id, class: 'pcn-sp-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    try {
      await send();
      flash = { ok: true, text: `${title}: saved.` };
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        flash = { ok: false, text: `${err.message}. The referral has been reloaded as it is now.` };
        reload();
      } else {
        errors.replaceChildren(errorSummary('There is a problem', err.message || String(err)));
        errors.querySelector('.nhsuk-error-summary').focus();
      }
    }
  } }, errors, fields, h('button', { type: 'submit', class: 'nhsuk-button nhsuk-button--secondary' }, submit));
  return h('details', { class: 'nhsuk-details' },
    h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, title)),
    h('div', { class: 'nhsuk-details__text' }, f));
}

function actions(ref, timeline, id, assets) {
  const post = (path, body) => api(`/sp/referrals/${id}${path}`, { method: 'POST', body });
  const forms = [];
  const next = ref.next_states || [];
  if (next.length) {
    const to = choice(Object.fromEntries(next.map((s) => [s, stateLabels[s] || s])), { name: 'to' });
    const reason = choice({ '': 'Choose a reason', ...closeReasons }, { name: 'reason' });
    const note = input({ name: 'note', type: 'text' });
    forms.push(form('move-form', 'Move the referral on', [field('New state', to),
      field('Reason for closing', reason, 'Only when closing'), field('Note', note)], 'Save the new state',
    () => post('/move', { version: ref.version, to: to.value, ...(reason.value ? { reason: reason.value } : {}),
      ...(note.value ? { note: note.value } : {}) })));
  }
  if (next.length) {
    const type = choice(contactTypes, { name: 'type' });
    const minutes = input({ name: 'minutes', type: 'number', min: '0', max: '480', value: '20', inputmode: 'numeric' });
    const reached = h('input', { class: 'nhsuk-checkboxes__input', type: 'checkbox', id: newId('reached'), checked: true });
    const notes = h('textarea', { class: 'nhsuk-textarea', name: 'notes', rows: '2' });
    forms.push(form('contact-form', 'Record a contact', [field('Type', type), field('Minutes', minutes),
      h('div', { class: 'nhsuk-checkboxes__item' }, reached,
        h('label', { class: 'nhsuk-label nhsuk-checkboxes__label', for: reached.id }, 'The person was reached')),
      field('Notes', notes)], 'Save the contact',
    () => post('/contacts', { type: type.value, minutes: Number(minutes.value), reached: reached.checked,
      ...(notes.value ? { notes: notes.value } : {}) })));
    const what = h('textarea', { class: 'nhsuk-textarea', name: 'what_matters', rows: '2' });
    what.value = ref.what_matters || '';
    forms.push(form('plan-form', 'What matters to me', [field('In the person\'s words', what)], 'Save the plan',
      () => post('/plan', { version: ref.version, what_matters: what.value })));
    const goal = input({ name: 'goal', type: 'text' });
    const target = input({ name: 'target', type: 'date' });
    forms.push(form('goal-form', 'Add a goal', [field('Goal', goal), field('Target date', target, 'Optional')],
      'Add the goal', () => post('/goals', { text: goal.value, ...(target.value ? { target_date: target.value } : {}) })));
    const inst = choice(Object.fromEntries(Object.entries(instruments).map(([k, v]) => [k, v.label])), { name: 'instrument' });
    const itemsBox = h('div', {});
    const itemInputs = [];
    const drawItems = () => {
      const d = instruments[inst.value];
      itemInputs.length = 0;
      itemsBox.replaceChildren(...d.items.map((label) => {
        const x = input({ type: 'number', min: String(d.min), max: String(d.max), inputmode: 'numeric', class: 'nhsuk-input nhsuk-input--width-2' });
        itemInputs.push(x);
        return field(`${label} (${d.min}-${d.max})`, x);
      }));
    };
    inst.addEventListener('change', drawItems);
    drawItems();
    forms.push(form('outcome-form', 'Record a wellbeing questionnaire', [field('Questionnaire', inst), itemsBox],
      'Save the answers', () => post('/outcomes', { instrument: inst.value,
        items: itemInputs.map((x) => (x.value === '' ? null : Number(x.value))) })));
    if (assets.length) {
      const asset = choice(Object.fromEntries(assets.map((a) => [String(a.id),
        `${a.name}${typeof a.km === 'number' ? ` (${a.km.toFixed(1)} km)` : ''}`])), { name: 'asset' });
      forms.push(form('connect-form', 'Connect to a community asset', [field('Asset', asset,
        'Nearest first, from the directory')], 'Connect', () => post('/connections', { asset_id: Number(asset.value) })));
    }
  }
  const conns = timeline.filter((r) => r.kind === 'connection');
  if (conns.length) {
    const which = choice(Object.fromEntries(conns.map((c) => [`${c.id}:${c.version}`, c.detail])), { name: 'connection' });
    const att = choice({ attended: 'Attended', did_not_attend: 'Did not attend', unknown: 'Not known yet' }, { name: 'attendance' });
    forms.push(form('attendance-form', 'Record attendance', [field('Connection', which), field('Attendance', att)],
      'Save attendance', () => {
        const [cid, version] = which.value.split(':').map(Number);
        return post(`/connections/${cid}`, { version, attendance: att.value });
      }));
  }
  const goals = timeline.filter((r) => r.kind === 'goal');
  if (goals.length) {
    const which = choice(Object.fromEntries(goals.map((g) => [`${g.id}:${g.version}`, g.detail])), { name: 'goal' });
    const st = choice({ achieved: 'Achieved', partly_achieved: 'Partly achieved', not_achieved: 'Not achieved',
      dropped: 'No longer wanted', open: 'Open' }, { name: 'status' });
    forms.push(form('goal-status-form', 'Update a goal', [field('Goal', which), field('Status', st)], 'Save the goal', () => {
      const [gid, version] = which.value.split(':').map(Number);
      const g = goals.find((x) => x.id === gid);
      return post(`/goals/${gid}`, { version, text: g.detail, status: st.value });
    }));
  }
  return forms.length ? panel('Record what happened', forms) : null;
}

export async function render(ctx, args) {
  const id = Number(args[0]);
  const shown = flash;
  flash = null;
  let data;
  try {
    data = await api(`/sp/referrals/${encodeURIComponent(args[0] || '')}`);
  } catch (e) {
    if (e instanceof ApiError && [400, 403, 404].includes(e.status)) {
      return h('div', { id: 'page-referral' }, h('h1', {}, e.status === 403 ? 'You cannot see this referral' : 'Referral not found'),
        warning(e.message));
    }
    throw e;
  }
  const ref = data.referral;
  const timeline = rows(data);
  const canWork = ctx.can('caseload');
  let assets = [];
  if (canWork && ref.patient_key && (ref.next_states || []).length) {
    try {
      assets = rows(await api(`/sp/patients/${ref.patient_key}/assets${qs({ limit: 50,
        category: ref.needs ? ref.needs.split(';').join(',') : '' })}`));
    } catch { assets = []; }
  }
  const facts = [
    ['State', stateLabels[ref.state] || ref.state],
    ['Received', instantText(ref.received)],
    ['Referred by', [ref.source, ref.referrer].filter(Boolean).join(': ')],
    ['Reason', ref.reason],
    ['Asked for', categoriesText(ref.needs)],
    ['What matters to me', ref.what_matters || 'Not recorded yet'],
    ['Link worker', ref.link_worker || 'Not assigned'],
    ['Practice', ref.practice || ''],
  ];
  const summary = h('dl', { class: 'nhsuk-summary-list', id: 'referral-summary' }, facts.map(([k, v]) =>
    h('div', { class: 'nhsuk-summary-list__row' }, h('dt', { class: 'nhsuk-summary-list__key' }, k),
      h('dd', { class: 'nhsuk-summary-list__value' }, v || ''))));
  const notice = shown ? (shown.ok ? h('div', { class: 'nhsuk-inset-text', role: 'status', id: 'referral-flash' }, h('p', {}, shown.text))
    : h('div', { id: 'referral-flash' }, errorSummary('The change was not saved', shown.text))) : null;
  const patientLink = ref.patient_key && (ctx.can('patient_level') || ctx.can('caseload'))
    ? h('p', { class: 'nhsuk-body' }, h('a', { href: `#/patient/${ref.patient_key}` }, 'Open the patient\'s record'),
      ' · ', h('a', { href: `#/directory/patient/${ref.patient_key}` }, 'Community assets near them')) : null;
  return h('div', { id: 'page-referral', dataset: { version: String(ref.version), state: ref.state } },
    h('span', { class: 'nhsuk-caption-l' }, `Social prescribing referral ${id} · version ${ref.version}`),
    h('h1', {}, `Referral of ${ref.patient_id}`), notice, patientLink, summary,
    panel('Timeline', table({ caption: 'Everything recorded, oldest first', id: 'timeline-table', compact: true,
      columns: [
        { label: 'When', rowHeader: true, render: (r) => instantText(r.at) },
        { label: 'What', render: (r) => `${r.kind}: ${(r.kind === 'transition' ? stateLabels[r.what] : contactTypes[r.what]) || r.what}` },
        { label: 'Detail', key: 'detail' },
        { label: 'By', key: 'by' },
      ], rows: timeline })),
    canWork ? actions(ref, timeline, id, assets) : null,
    ref.patient_key ? null : warning('This person is not in the population the server holds (the record cannot be opened).'),
    h('p', { class: 'nhsuk-body' }, h('a', { href: '#/caseload' }, 'Back to the caseload')));
}
