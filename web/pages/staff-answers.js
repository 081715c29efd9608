// "/gestion/reponses" — Réponses aux demandes: the reservation requests of one structure
// (GET /api/planning/staff/requests?structure_id=&status=&period_id=&q=), filtered by status, period
// and child or number; each row opens the decision form ("/gestion/reponses/{family}/{request}").

import { apiAll } from '../api.js';
import { h, selectField, field, alertBox } from '../ui.js';
import { PLANNING, frenchDate } from '../planning.js';
import { csvButton } from '../csv.js';
import {
  answersScreen, noStructure, answerBadge, freshCatalogue, structureOptions, periodsOf, periodOptions,
  tableRegion, requestPath, outcomeCountText,
} from '../answers.js';

export const STATUS_FILTERS = [
  { value: 'pending', label: 'En attente de réponse' },
  { value: 'waitlisted', label: "Sur liste d'attente" },
  { value: 'offered', label: 'Place proposée (réponse de la famille attendue)' },
  { value: 'accepted', label: 'Acceptées' },
  { value: 'refused', label: 'Refusées' },
  { value: 'cancel_requested', label: 'Annulations demandées' },
  { value: 'all', label: 'Toutes les demandes' },
];

function results(data, status) {
  const items = (data && data.items) || [];
  const filter = STATUS_FILTERS.find((f) => f.value === status);
  const caption = `${filter.label} : ${items.length} demande${items.length > 1 ? 's' : ''}`;
  if (!items.length) return h('p', { class: 'empty' }, `${caption}.`);
  const exportCsv = csvButton('Exporter en CSV', () => ({
    filename: `demandes-${status}.csv`,
    headers: ['N° demande', 'Enfant', 'Famille', 'Structure', 'Période', 'Date de la demande', 'Présences', 'Réponse'],
    rows: items.map((i) => [i.number, i.child_name || i.child_first_name || '', i.family_name || '', i.structure_name || '',
      i.period_name || '', frenchDate(i.created_at), outcomeCountText(i.counts) || String(i.line_count ?? ''), i.answer_label || '']),
  }));
  return h('div', {}, h('div', { class: 'form-actions' }, exportCsv), tableRegion('answers-caption', caption,
    ['N° demande', 'Enfant', 'Période', 'Date', 'Présences', 'Réponse'],
    items.map((item) => h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: requestPath(item) }, `N° ${item.number}`,
        h('span', { class: 'sr-only' }, item.child_first_name ? ` – ${item.child_name || item.child_first_name}` : ''))),
      h('td', {}, item.child_name || item.child_first_name || ''),
      h('td', {}, item.period_name || ''),
      h('td', {}, frenchDate(item.created_at)),
      h('td', {}, outcomeCountText(item.counts) || String(item.line_count ?? '')),
      h('td', {}, answerBadge(item))))));
}

export async function render({ account, query, navigate }) {
  const catalogue = await freshCatalogue();
  const structures = structureOptions(account, catalogue);
  const structure = structures.some((s) => s.value === query.get('structure'))
    ? query.get('structure') : (structures[0] || {}).value || '';
  const status = STATUS_FILTERS.some((f) => f.value === query.get('statut')) ? query.get('statut') : 'pending';
  const periods = periodsOf(account, catalogue, structure);
  const period = periods.some((p) => p.period_id === query.get('periode')) ? query.get('periode') : '';
  const search = (query.get('q') || '').trim();

  const form = h('form', { class: 'filters', 'aria-label': 'Filtrer les demandes de réservation' },
    selectField({ name: 'structure', label: 'Structure', value: structure, idPrefix: 'answers', options: structures, placeholder: '— Structure —' }),
    selectField({ name: 'statut', label: 'Statut', value: status, idPrefix: 'answers', options: STATUS_FILTERS }),
    selectField({ name: 'periode', label: 'Période', value: period, idPrefix: 'answers', options: periodOptions(periods), placeholder: 'Toutes les périodes' }),
    field({ name: 'q', label: 'Enfant ou N° de demande', type: 'text', value: search, idPrefix: 'answers', autocomplete: 'off' }),
    h('div', { class: 'filters-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Filtrer')));
  form.querySelector('select[name="statut"] option[value=""]').remove();
  const structureSelect = form.elements.namedItem('structure');
  const periodSelect = form.elements.namedItem('periode');
  structureSelect.addEventListener('change', () => {
    // The periods offered follow the structure chosen.
    const options = periodOptions(periodsOf(account, catalogue, structureSelect.value));
    periodSelect.replaceChildren(h('option', { value: '' }, 'Toutes les périodes'),
      ...options.map((o) => h('option', { value: o.value }, o.label)));
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (structureSelect.value) params.set('structure', structureSelect.value);
    params.set('statut', form.elements.namedItem('statut').value || 'pending');
    if (periodSelect.value) params.set('periode', periodSelect.value);
    const q = form.elements.namedItem('q').value.trim();
    if (q) params.set('q', q);
    navigate(`/gestion/reponses?${params}`);
  });

  const page = answersScreen('staff-answers', '/gestion/reponses',
    'Les demandes de réservation de vos structures. Ouvrez une demande pour l\'accepter, la mettre sur liste d\'attente ou la refuser, jour par jour et plage par plage ou date par date.',
    form);
  if (!structure) {
    page.append(noStructure());
    return page;
  }
  const region = h('div', { class: 'results', 'aria-live': 'polite' });
  try {
    const params = new URLSearchParams({ structure_id: structure, status });
    if (period) params.set('period_id', period);
    if (search) params.set('q', search);
    region.append(results(await apiAll(`${PLANNING}/staff/requests?${params}`), status));
  } catch (error) {
    region.append(alertBox('error', null, error.message));
  }
  page.append(region);
  return page;
}
