// "/gestion/journal?du=…&au=…&type=…&membre=…" — Journal des actions (administrator): every staff action
// recorded by the audit log (GET /api/enrolment/staff/audit), filtered by dates, type and staff member,
// and exported as CSV (the same filters, ?format=csv).

import { api, apiAll, fetchFile } from '../api.js';
import { h, field, selectField, alertBox, pageTitle, busy } from '../ui.js';

const enc = encodeURIComponent;

export async function render({ query, navigate, account }) {
  if (account.role !== 'admin') {
    return h('div', {}, pageTitle('Journal des actions'), alertBox('error', null, 'Seul un administrateur consulte le journal des actions.'));
  }
  const params = new URLSearchParams();
  if (query.get('du')) params.set('from', query.get('du'));
  if (query.get('au')) params.set('to', query.get('au'));
  if (query.get('type')) params.set('action', query.get('type'));
  if (query.get('membre')) params.set('actor_id', query.get('membre'));
  let data;
  let staff = [];
  let error = null;
  try {
    [data, staff] = await Promise.all([
      apiAll(`/api/enrolment/staff/audit?${params}`),
      apiAll('/api/accounts/staff').then((d) => d.items || []).catch(() => []),
    ]);
  } catch (err) {
    error = err;
  }
  const form = h('form', { class: 'journal-filters', novalidate: true },
    field({ name: 'du', label: 'Du', type: 'date', idPrefix: 'journal', value: query.get('du') || (data ? data.from : '') }),
    field({ name: 'au', label: 'Au', type: 'date', idPrefix: 'journal', value: query.get('au') || (data ? data.to : '') }),
    selectField({ name: 'type', label: 'Type d\'action', idPrefix: 'journal', value: query.get('type') || '', placeholder: 'Toutes les actions', options: Object.entries((data && data.actions) || {}).map(([value, label]) => ({ value, label })) }),
    selectField({ name: 'membre', label: 'Membre de l\'équipe', idPrefix: 'journal', value: query.get('membre') || '', placeholder: 'Toute l\'équipe', options: staff.map((s) => ({ value: s.account_id, label: `${s.first_name} ${s.last_name}` })) }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Filtrer')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of ['du', 'au', 'type', 'membre']) {
      const value = form.elements.namedItem(name).value;
      if (value) next.set(name, value);
    }
    navigate(`/gestion/journal?${next}`);
  });
  const exportButton = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Exporter en CSV');
  exportButton.addEventListener('click', () => busy(exportButton, async () => {
    const { blob, filename } = await fetchFile(`/api/enrolment/staff/audit?${params}&format=csv`);
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: filename || 'journal.csv' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }));
  const items = (data && data.items) || [];
  return h('div', { class: 'staff-journal' },
    h('p', {}, h('a', { href: '/gestion' }, '← Espace professionnel')),
    pageTitle('Journal des actions'),
    form,
    error ? alertBox('error', null, error.message) : [
      h('div', { class: 'form-actions' }, exportButton),
      items.length
        ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'journal-caption' },
          h('table', { class: 'queue journal-table' },
            h('caption', { id: 'journal-caption' }, `Actions (${items.length})`),
            h('thead', {}, h('tr', {}, ['Date', 'Membre de l\'équipe', 'Action', 'Décision', 'Concerne'].map((l) => h('th', { scope: 'col' }, l)))),
            h('tbody', {}, items.map((e) => h('tr', {},
              h('td', {}, new Date(e.at).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' })),
              h('td', {}, e.actor_name),
              h('td', {}, e.label),
              h('td', {}, e.outcome),
              h('td', {}, e.family_id ? h('a', { href: `/gestion/familles/${enc(e.family_id)}` }, 'Dossier de la famille') : e.subject))))))
        : h('p', {}, 'Aucune action sur cette période.'),
    ]);
}
