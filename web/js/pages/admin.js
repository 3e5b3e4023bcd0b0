// admin.js - for administrators: the users of the server and a check of
// the audit log's hash chain (GET /users, GET /audit/verify).

import { api } from '../api.js';
import { rows, settle } from '../data.js';
import { h, panel, table, warning } from '../dom.js';

export async function render() {
  const [users, verify] = await Promise.all([settle(api('/users')), settle(api('/audit/verify'))]);
  const list = users.ok ? rows(users.value) : [];
  return h('div', { id: 'page-admin' },
    h('h1', {}, 'Administration'),
    panel('Users', users.ok ? table({
      caption: `${list.length} users`, id: 'users-table', compact: true,
      columns: [
        { label: 'Name', rowHeader: true, render: (u) => u.name },
        { label: 'Role', render: (u) => u.role },
        { label: 'Practice', render: (u) => u.practice || '' },
        { label: 'Status', render: (u) => (u.disabled ? 'Disabled' : 'Active') },
      ],
      rows: list,
    }) : warning(`Users could not be loaded: ${users.error.message}`),
    h('p', { class: 'nhsuk-body' }, 'Add users with ', h('code', {}, 'pcn user add --db FILE NAME --role ROLE'), '.')),
    panel('Audit log', verify.ok
      ? h('p', { class: 'nhsuk-body', id: 'audit-status' }, verify.value.intact === false
        ? `The audit chain is broken${verify.value.bad_id ? ` at row ${verify.value.bad_id}` : ''}${verify.value.reason ? `: ${verify.value.reason}` : ''}.`
        : `The audit chain verifies${verify.value.rows !== undefined ? ` (${verify.value.rows} rows)` : ''}.`)
      : warning(`The audit log could not be verified: ${verify.error.message}`)));
}
