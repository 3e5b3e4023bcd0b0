// feedback.js - "You said, we did": every piece of feedback or
// recommendation on a board by where it stands (awaiting a response, in
// progress, done, not possible and why), with its dates and whether the
// network publishes it; forms to record feedback and to respond (the
// clinical director and practice managers also publish), and the address of
// the public page a practice can link to from its website.

import { api, qs } from '../api.js';
import { card, h, panel, warning } from '../dom.js';
import { dateText } from '../format.js';
import { apiForm, groupLabel, isStaff, outcomes, redrawable, writesEngagement } from '../ppg_common.js';

function itemCard(me, f, refresh) {
  const respond = writesEngagement(me) ? h('details', { class: 'nhsuk-details' },
    h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' },
      f.response ? 'Update the response' : 'Respond')),
    h('div', { class: 'nhsuk-details__text' }, apiForm({
      path: `/ppg/feedback/${f.id}`, submit: 'Save the response', extra: { version: f.version },
      fields: [
        { name: 'response', label: 'What we did (or will do)', type: 'textarea', value: f.response },
        { name: 'outcome', label: 'Outcome', type: 'select', options: outcomes, value: f.outcome },
        { name: 'reason', label: 'Why it is not possible (for that outcome)', type: 'textarea', value: f.reason },
        ...(isStaff(me) ? [{ name: 'published', label: 'Publish on the public page', type: 'checkbox', value: f.published }] : []),
      ],
      done: refresh,
    }))) : null;
  return h('li', { class: 'pcn-ppg-item', 'data-id': String(f.id) },
    h('p', { class: 'nhsuk-body' }, h('strong', {}, 'You said: '), f.said),
    f.response ? h('p', { class: 'nhsuk-body' }, h('strong', {}, 'We did: '), f.response) : null,
    f.reason ? h('p', { class: 'nhsuk-body' }, h('strong', {}, 'Why not: '), f.reason) : null,
    h('p', { class: 'nhsuk-body-s pcn-muted' },
      [f.group ? f.group : 'From the public', `received ${dateText(f.received)}`,
        f.responded ? `answered ${dateText(f.responded)} (${f.days_to_response} days)` : 'not answered yet']
        .join(' · '),
      ' ', f.published ? h('strong', { class: 'nhsuk-tag nhsuk-tag--green' }, 'Published') : null),
    respond);
}

function column(me, outcome, items, refresh) {
  return h('section', { class: 'pcn-panel pcn-ppg-column', 'aria-labelledby': `col-${outcome.value}` },
    h('h2', { class: 'nhsuk-heading-s', id: `col-${outcome.value}` }, `${outcome.label} (${items.length})`),
    items.length ? h('ul', { class: 'nhsuk-list' }, items.map((f) => itemCard(me, f, refresh)))
      : h('p', { class: 'nhsuk-body-s pcn-muted' }, 'None.'));
}

async function build(ctx, refresh) {
  const [fb, groups] = await Promise.all([api(`/ppg/feedback${qs({ limit: 500 })}`),
    api(`/ppg/groups${qs({ limit: 500 })}`)]);
  const rows = fb.rows.slice().reverse(); // newest first
  const publicUrl = `${location.origin}/public.html?network=${encodeURIComponent(fb.network)}`;
  const answered = rows.filter((f) => f.response);
  const days = answered.map((f) => f.days_to_response).sort((a, b) => a - b);
  const mine = groups.rows.filter((g) => !groups.own_group || g.id === groups.own_group);
  return h('div', { id: 'page-you-said-we-did' },
    h('span', { class: 'nhsuk-caption-l' }, `Patient partnership · ${fb.network}`),
    h('h1', {}, 'You said, we did'),
    h('div', { class: 'pcn-cards' },
      card('Items', String(rows.length)),
      card('Answered', String(answered.length), days.length ? `typically in ${days[Math.floor(days.length / 2)]} days` : null),
      card('Published', String(rows.filter((f) => f.published).length), 'on the public page')),
    panel('The public page',
      h('p', { class: 'nhsuk-body' }, 'Published items are on a page anyone can read, without signing in. A practice can link to it from its website: ',
        h('a', { href: publicUrl, id: 'ppg-public-link' }, publicUrl)),
      h('p', { class: 'nhsuk-body-s pcn-muted' }, 'Only items with a response that the clinical director or a practice manager publishes appear there, and never anything about a person.')),
    rows.length ? null : warning('No feedback recorded yet.'),
    h('div', { class: 'pcn-ppg-board' }, outcomes.map((o) => column(ctx.me, o, rows.filter((f) => f.outcome === o.value), refresh))),
    writesEngagement(ctx.me) ? panel('Record feedback', apiForm({
      path: '/ppg/feedback', submit: 'Record the feedback', id: 'ppg-feedback-form',
      fields: [
        { name: 'said', label: 'What was said or recommended', type: 'textarea', required: true },
        { name: 'group', label: 'From', type: 'select', numeric: true, value: mine.length ? String(mine[0].id) : '',
          options: [...(groups.own_group ? [] : [{ value: '', label: 'The public (no group)' }]),
            ...mine.map((g) => ({ value: String(g.id), label: groupLabel(g) }))] },
        { name: 'received', label: 'Received', type: 'date' },
      ],
      done: refresh,
    })) : null);
}

export async function render(ctx) {
  return redrawable((refresh) => build(ctx, refresh));
}
