// "/gestion/dossiers" — Validation des dossiers: the queue of pre-enrolment
// requests of the person's structures (GET /api/enrolment/staff/requests),
// filtered by status and structure; each row opens the family file.

import { apiAll } from '../api.js';
import { h, pageTitle, selectField, alertBox } from '../ui.js';
import {
  ENROLMENT, loadCatalogue, frenchDate, requestPlaces, staffStatusBadge, staffCrumbs, staffTabs,
  STAFF_STATUS, KINDS,
} from '../family-file.js';

const FILTERS = ['submitted', 'validated', 'returned', 'revoked'];

function dateOf(request) {
  if (request.status === 'validated' && request.validated_at) return request.validated_at;
  return request.submitted_at || request.created_at;
}

function structuresOf(account, catalogue) {
  const all = catalogue.structures || [];
  const mine = account.role === 'admin' ? all : all.filter((s) => (account.structures || []).includes(s.structure_id));
  return mine.map((s) => ({ value: s.structure_id, label: s.name }));
}

export async function render({ account, query, navigate }) {
  const status = FILTERS.includes(query.get('statut')) ? query.get('statut') : 'submitted';
  const catalogue = await loadCatalogue().catch(() => ({ structures: [], sejours: [] }));
  const structures = structuresOf(account, catalogue);
  const structure = structures.some((s) => s.value === query.get('structure')) ? query.get('structure') : '';

  const form = h('form', { class: 'filters', 'aria-label': 'Filtrer les dossiers' },
    selectField({
      name: 'statut', label: 'Statut', value: status, idPrefix: 'queue', placeholder: '— Statut —',
      options: FILTERS.map((value) => ({ value, label: STAFF_STATUS[value].filter })),
    }),
    selectField({
      name: 'structure', label: 'Structure', value: structure, idPrefix: 'queue', placeholder: 'Toutes mes structures',
      options: structures,
    }),
    h('div', { class: 'filters-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Filtrer')));
  form.querySelector('select[name="statut"] option[value=""]').remove();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    params.set('statut', form.elements.namedItem('statut').value || 'submitted');
    if (form.elements.namedItem('structure').value) params.set('structure', form.elements.namedItem('structure').value);
    navigate(`/gestion/dossiers?${params}`);
  });

  let result;
  try {
    const params = new URLSearchParams({ status });
    if (structure) params.set('structure_id', structure);
    const data = await apiAll(`${ENROLMENT}/staff/requests?${params}`);
    const items = (data && data.items) || [];
    const caption = `${STAFF_STATUS[status].filter} : ${items.length} dossier${items.length > 1 ? 's' : ''}`;
    result = items.length
      ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'queue-caption' },
        h('table', { class: 'queue' },
          h('caption', { id: 'queue-caption' }, caption),
          h('thead', {}, h('tr', {}, ['Famille', 'Enfant', 'Demande', 'Structures', 'Statut', 'Date']
            .map((label) => h('th', { scope: 'col' }, label)))),
          h('tbody', {}, items.map((r) => h('tr', {},
            h('th', { scope: 'row' }, h('a', {
              href: `/gestion/familles/${encodeURIComponent(r.family_id)}?demande=${encodeURIComponent(r.request_id)}`,
            }, [r.family_name, r.family_first_name].filter(Boolean).join(' ') || 'Famille')),
            h('td', {}, r.child_first_name || ''),
            h('td', {}, (KINDS[r.kind] || { label: r.kind }).label),
            h('td', {}, requestPlaces(r, catalogue).map((name, i) => [i ? h('br') : null, name])),
            h('td', {}, staffStatusBadge(r.status)),
            h('td', {}, frenchDate(dateOf(r))))))))
      : h('p', { class: 'empty' }, `${caption}.`);
  } catch (error) {
    result = alertBox('error', null, error.message);
  }

  return h('div', { class: 'staff-queue' },
    staffCrumbs({ label: 'Validation des dossiers' }),
    pageTitle('Validation des dossiers'),
    staffTabs('/gestion/dossiers'),
    h('p', { class: 'lead' }, 'Les demandes de pré-inscription de vos structures. Ouvrez un dossier pour vérifier les informations et les documents, puis validez-le ou renvoyez-le à la famille.'),
    form, result);
}
