// caseload.js - a link worker's open social prescribing referrals (GET
// /sp/caseload): who is waiting for a first contact, how long since each
// person was last in touch, and a link to each referral's timeline. Link
// workers see their own; clinical directors and practice managers choose a
// link worker (#/caseload/NAME) from the caseloads report.

import { api, qs } from '../api.js';
import { rows } from '../data.js';
import { card, h, panel, select, table, warning } from '../dom.js';
import { countText, nhsNumberText } from '../format.js';
import { categoriesText, instantText, stateLabels } from '../sp.js';

export async function render(ctx, args) {
  const me = ctx.me;
  const own = me.role === 'link_worker';
  let who = own ? me.name : args[0] || '';
  let workers = [];
  if (!own) {
    workers = rows(await api('/sp/reports/caseloads')).map((r) => r.link_worker).filter(Boolean);
    if (!who) who = workers[0] || '';
  }
  const header = [h('span', { class: 'nhsuk-caption-l' }, 'Social prescribing'),
    h('h1', {}, own ? 'My caseload' : 'Caseloads')];
  const chooser = own ? null : h('div', { class: 'pcn-controls' },
    select('Link worker', workers.map((w) => ({ value: w, label: w })), who,
      (v) => ctx.go(`#/caseload/${encodeURIComponent(v)}`)));
  if (!who) return h('div', { id: 'page-caseload' }, header, warning('No link worker has a caseload yet.'));

  const data = await api(`/sp/caseload${qs({ link_worker: own ? '' : who })}`);
  const sum = rows(data.summary)[0] || {};
  const list = rows(data);
  const waiting = list.filter((r) => r.waiting_first_contact);
  const cards = h('div', { class: 'pcn-cards', id: 'caseload-cards' },
    card('Open cases', countText(sum.open ?? list.length)),
    card('Waiting for a first contact', countText(sum.waiting_first_contact ?? waiting.length)),
    card('No contact for 28 days', countText(sum.no_contact_28_days)),
    card('Days since contact (mean)', typeof sum.mean_days_since_contact === 'number'
      ? sum.mean_days_since_contact.toFixed(1) : ''));
  const columns = [
    { label: 'Person', rowHeader: true,
      render: (r) => h('a', { href: `#/referral/${r.id}` }, r.name || r.patient_id) },
    { label: 'NHS number', num: true, render: (r) => nhsNumberText(r.nhs_number) },
    { label: 'Age', num: true, key: 'age' },
    { label: 'Practice', key: 'practice' },
    { label: 'State', render: (r) => stateLabels[r.state] || r.state },
    { label: 'Received', render: (r) => instantText(r.received) },
    { label: 'Last contact', render: (r) => (r.last_contact ? instantText(r.last_contact) : 'None yet') },
    { label: 'Days since contact', num: true, key: 'days_since_contact' },
    { label: 'Asked for', render: (r) => categoriesText(r.needs) },
  ];
  const status = h('p', { class: 'nhsuk-body', role: 'status', id: 'caseload-status' },
    `${list.length} open ${list.length === 1 ? 'case' : 'cases'}, ${waiting.length} waiting for a first contact` +
    (data.total > list.length ? ` (the first ${list.length} of ${data.total} are shown)` : '') + '.');
  return h('div', { id: 'page-caseload' }, header, chooser, cards,
    panel('Waiting for a first contact', waiting.length
      ? table({ caption: 'Referrals not yet contacted, oldest first', columns,
        rows: waiting.slice().sort((a, b) => (a.received < b.received ? -1 : 1)), id: 'waiting-table', compact: true })
      : h('p', { class: 'nhsuk-body' }, 'Everyone on the caseload has been contacted.')),
    panel('Open cases', status, table({ caption: own ? 'My open referrals' : `Open referrals of ${who}`,
      columns, rows: list, id: 'caseload-table', compact: true })));
}
