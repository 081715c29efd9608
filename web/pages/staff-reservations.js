// "/gestion/reservations" — Demandes de réservation: for one structure and one day, the occupancy of
// each slot (GET /api/planning/staff/occupancy), then the requests waiting for an answer
// (GET /staff/requests?status=pending) and the requests with cancellations to handle
// (GET /staff/cancellations).

import { api, apiAll } from '../api.js';
import { h, selectField, field, alertBox } from '../ui.js';
import { manages } from '../family-file.js';
import { answersScreen, noStructure, requestPath } from '../answers.js';
import {
  PLANNING, enc, loadPlanningCatalogue, frenchDate, longDay, isIsoDate, plural, activityLabel,
} from '../planning.js';

const familyName = (item) => [item.family_name, item.family_first_name].filter(Boolean).join(' ')
  || (item.family && [item.family.last_name, item.family.first_name].filter(Boolean).join(' ')) || '';
const childName = (item) => item.child_name || item.child_first_name || (item.child && item.child.first_name) || '';

/** The family's name, a link to its file when the API gives its id. */
function familyCell(item) {
  const name = familyName(item);
  if (!item.family_id) return name;
  return h('a', { href: `/gestion/familles/${enc(item.family_id)}` }, name || 'Dossier de la famille',
    name ? null : h('span', { class: 'sr-only' }, ` (demande N° ${item.number || ''})`));
}

/** "N° 000019", a link to the request's answer page when the API gives the family. */
const numberCell = (item) => {
  const text = `N° ${item.number || item.request_number || ''}`;
  return item.family_id && item.request_id ? h('a', { href: requestPath(item) }, text) : text;
};

/** "PERISCOLAIRE MIDI" for a line that only gives its code. */
const slotName = (catalogue, item, line) => line.slot_label
  || (((catalogue.periods || []).find((p) => p.period_id === item.period_id) || {}).slots || [])
    .find((s) => s.code === line.slot_code)?.label || line.slot_code;

function table(id, caption, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id },
    h('table', { class: 'queue' },
      h('caption', { id }, caption),
      h('thead', {}, h('tr', {}, headers.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rows)));
}

async function occupancy(structure, date) {
  try {
    // Without a day chosen, the API answers for the structure's next open day.
    const data = await api(`${PLANNING}/staff/occupancy?structure_id=${enc(structure)}${date ? `&date=${date}` : ''}`);
    const slots = (data && data.slots) || [];
    const caption = `Occupation du ${longDay(data.date)}`;
    const periods = new Set(slots.map((s) => s.period_id));
    if (!slots.length) return h('p', { class: 'empty' }, `${caption} : aucune plage d'accueil ce jour-là.`);
    return table('occupancy-caption', caption,
      ['Plage d\'accueil', 'Capacité', 'En attente', 'Acceptées', 'Liste d\'attente', 'Annulations demandées', 'Places restantes'],
      slots.map((s) => {
        // What remains once accepted, offered and not yet confirmed cancellations hold their place (as the board).
        const left = typeof s.remaining === 'number' ? s.remaining : null;
        return h('tr', { class: left !== null && left <= 0 ? 'full' : null },
          h('th', { scope: 'row' }, s.label || s.code, periods.size > 1 && s.period_name ? ` – ${s.period_name}` : ''),
          h('td', { class: 'num' }, s.capacity ?? '–'),
          h('td', { class: 'num' }, String(s.pending || 0)),
          h('td', { class: 'num' }, String(s.accepted || 0)),
          h('td', { class: 'num' }, String(s.waitlisted || 0)),
          h('td', { class: 'num' }, String(s.cancel_requested || 0)),
          h('td', { class: 'num' }, left === null ? '–' : left <= 0 ? 'Complet' : String(left)));
      }));
  } catch (error) {
    return alertBox('error', null, error.message);
  }
}

async function pendingRequests(structure) {
  try {
    const data = await apiAll(`${PLANNING}/staff/requests?structure_id=${enc(structure)}&status=pending`);
    const items = (data && data.items) || [];
    const caption = `Demandes en attente de réponse : ${items.length}`;
    if (!items.length) return h('p', { class: 'empty' }, `${caption}.`);
    return table('pending-caption', caption, ['N°', 'Date', 'Famille', 'Enfant', 'Activité', 'Période', 'Présences en attente'],
      items.map((item) => h('tr', {},
        h('th', { scope: 'row' }, numberCell(item)),
        h('td', {}, frenchDate(item.created_at)),
        h('td', {}, familyCell(item)),
        h('td', {}, childName(item)),
        h('td', {}, activityLabel(item.activity)),
        h('td', {}, item.period_name || ''),
        h('td', { class: 'num' }, String((item.counts || {}).pending ?? item.line_count ?? '')))));
  } catch (error) {
    return alertBox('error', null, error.message);
  }
}

async function cancellations(structure, catalogue) {
  try {
    const data = await apiAll(`${PLANNING}/staff/cancellations?structure_id=${enc(structure)}`);
    const items = (data && data.items) || [];
    const caption = `Demandes avec des annulations à traiter : ${items.length}`;
    if (!items.length) return h('p', { class: 'empty' }, `${caption}.`);
    return table('cancellations-caption', caption, ['N°', 'Famille', 'Enfant', 'Période', 'Annulations demandées', 'Dates'],
      items.map((item) => {
        const lines = (item.lines || []).filter((l) => !l.status || l.status === 'cancel_requested');
        const count = (item.counts || {}).cancel_requested ?? item.cancel_requested ?? lines.length;
        return h('tr', {},
          h('th', { scope: 'row' }, numberCell(item)),
          h('td', {}, familyCell(item)),
          h('td', {}, childName(item)),
          h('td', {}, item.period_name || ''),
          h('td', { class: 'num' }, String(count)),
          h('td', {}, lines.length
            ? lines.slice(0, 6).map((l, i) => [i ? h('br') : null, `${frenchDate(l.date)} – ${slotName(catalogue, item, l)}`])
              .concat(lines.length > 6 ? [h('br'), `et ${plural(lines.length - 6, 'autre', 'autres')}`] : [])
            : '–'));
      }));
  } catch (error) {
    return alertBox('error', null, error.message);
  }
}

export async function render({ account, query, navigate }) {
  const catalogue = await loadPlanningCatalogue();
  const structures = (catalogue.structures || []).filter((s) => manages(account, s.structure_id))
    .map((s) => ({ value: s.structure_id, label: s.name }));
  const structure = structures.some((s) => s.value === query.get('structure'))
    ? query.get('structure') : (structures[0] || {}).value || '';
  const date = isIsoDate(query.get('date')) ? query.get('date') : '';

  const form = h('form', { class: 'filters', 'aria-label': 'Choisir la structure et le jour' },
    selectField({ name: 'structure', label: 'Structure', value: structure, idPrefix: 'resa', options: structures, placeholder: '— Structure —' }),
    field({ name: 'date', label: 'Jour', type: 'date', value: date, idPrefix: 'resa' }),
    h('div', { class: 'filters-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Afficher')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    const chosen = form.elements.namedItem('structure').value;
    const day = form.elements.namedItem('date').value;
    if (chosen) params.set('structure', chosen);
    if (isIsoDate(day)) params.set('date', day);
    navigate(`/gestion/reservations?${params}`);
  });

  const page = answersScreen('staff-reservations', '/gestion/reservations',
    'L\'occupation de chaque plage d\'accueil de vos structures, les demandes en attente de réponse et les annulations demandées par les familles.',
    form);
  if (!structure) {
    page.append(noStructure());
    return page;
  }
  const [occ, pending, cancels] = await Promise.all([occupancy(structure, date), pendingRequests(structure), cancellations(structure, catalogue)]);
  page.append(
    h('section', { 'aria-labelledby': 'occ-title' }, h('h2', { id: 'occ-title' }, 'Occupation des plages'), occ),
    h('section', { 'aria-labelledby': 'pending-title' }, h('h2', { id: 'pending-title' }, 'Demandes en attente'), pending),
    h('section', { 'aria-labelledby': 'cancel-title' }, h('h2', { id: 'cancel-title' }, 'Annulations demandées'),
      h('p', { class: 'hint' }, 'Ouvrez une demande (son numéro) pour confirmer les annulations.'), cancels));
  return page;
}
