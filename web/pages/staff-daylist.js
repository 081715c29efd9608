// "/gestion/liste-du-jour?structure=…&date=AAAA-MM-JJ" — Liste du jour: per slot, the children expected
// (planning: GET /api/planning/staff/daylist) with what the team needs at hand (enrolment: POST
// /api/enrolment/staff/day-sheet — class, allergies, PAI, diet, pick-up people and phones). « Imprimer »
// prints one page per slot; « Exporter en CSV » downloads the same rows. Without a date the structure's
// next open day is shown.

import { api, post } from '../api.js';
import { h, selectField, field, alertBox, pageTitle } from '../ui.js';
import { downloadCsv, frenchPhone } from '../csv.js';

// The print stylesheet is assets/daylist.css (the portal's CSP allows no inline style).

const frLong = (iso) => new Date(`${iso}T12:00:00`).toLocaleDateString('fr-FR', {
  weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
});

function health(child) {
  const parts = [];
  if (child.allergies) parts.push(`Allergies : ${child.allergies}`);
  if (child.pai) parts.push('PAI');
  if (child.diet) parts.push(`Régime : ${child.diet}`);
  if (child.treatments) parts.push(`Traitement : ${child.treatments}`);
  return parts;
}

const pickups = (child) => (child.authorised_persons || [])
  .map((p) => `${p.name} (${p.relationship}) ${frenchPhone(p.phone)}`);
const parents = (child) => (child.parents || []).map((p) => `${p.name} ${p.phone.split(' / ').map(frenchPhone).join(' / ')}`);

/** Each slot's rows: planning's children joined with enrolment's descriptions. */
function rowsOf(slot, sheets) {
  return slot.children.map((c) => {
    const s = sheets.get(`${c.family_id}/${c.child_id}`) || {};
    return {
      name: s.last_name ? `${s.last_name.toUpperCase()} ${s.first_name}` : c.child_first_name,
      classe: s.class_level || '', health: health(s), pickups: pickups(s), parents: parents(s),
      note: c.cancel_requested ? 'Annulation demandée' : '', family_id: c.family_id,
    };
  }).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

function slotSection(list, slot, rows, index) {
  const id = `daylist-slot-${index}`;
  const title = `${slot.label} (${slot.start}–${slot.end})`;
  return h('section', { class: 'daylist-slot', 'aria-labelledby': id },
    h('p', { class: 'daylist-print-title' }, `${list.structure_name} – ${frLong(list.date)}`),
    h('h2', { id }, title, h('span', { class: 'daylist-count' }, ` – ${rows.length} enfant${rows.length > 1 ? 's' : ''} / ${slot.capacity} places`)),
    h('p', { class: 'hint' }, slot.period_name),
    rows.length
      ? h('div', { class: 'table-wrap' },
        h('table', { class: 'queue daylist-table', 'aria-label': title },
          h('thead', {}, h('tr', {}, ['Enfant', 'Classe', 'Allergies, PAI, régime', 'Personnes autorisées à venir le chercher', 'Parents'].map((l) => h('th', { scope: 'col' }, l)))),
          h('tbody', {}, rows.map((r) => h('tr', {},
            h('th', { scope: 'row' }, r.name, r.note ? h('span', { class: 'badge' }, ` ${r.note}`) : null),
            h('td', {}, r.classe),
            h('td', {}, r.health.length ? h('ul', {}, r.health.map((x) => h('li', {}, x))) : '—'),
            h('td', {}, r.pickups.length ? h('ul', {}, r.pickups.map((x) => h('li', {}, x))) : '—'),
            h('td', {}, h('ul', {}, r.parents.map((x) => h('li', {}, x)))))))))
      : h('p', {}, 'Aucun enfant attendu sur cette plage.'));
}

export async function render({ query, navigate }) {
  const catalogue = await api('/api/planning/staff/catalogue');
  const structures = catalogue.structures.filter((s) => !s.archived);
  const structureId = query.get('structure') || (structures[0] && structures[0].structure_id) || '';
  const picked = query.get('date') || '';
  const picker = h('form', { class: 'daylist-picker no-print', novalidate: true },
    selectField({ name: 'structure', label: 'Structure', idPrefix: 'daylist', value: structureId, options: structures.map((s) => ({ value: s.structure_id, label: s.name })) }),
    field({ name: 'date', label: 'Jour', type: 'date', idPrefix: 'daylist', value: picked, hint: 'Laissez vide pour le prochain jour d\'ouverture.' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Afficher')));
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    params.set('structure', picker.elements.namedItem('structure').value);
    if (picker.elements.namedItem('date').value) params.set('date', picker.elements.namedItem('date').value);
    navigate(`/gestion/liste-du-jour?${params}`);
  });
  const head = [h('p', { class: 'no-print' }, h('a', { href: '/gestion' }, '← Espace professionnel')),
    pageTitle('Liste du jour'), picker];
  if (!structureId) return h('div', { class: 'staff-daylist' }, ...head, alertBox('info', null, 'Aucune structure ne vous est confiée.'));

  let content;
  try {
    const list = await api(`/api/planning/staff/daylist?structure_id=${encodeURIComponent(structureId)}${picked ? `&date=${picked}` : ''}`);
    const children = list.slots.flatMap((s) => s.children.map((c) => ({ family_id: c.family_id, child_id: c.child_id })));
    const unique = [...new Map(children.map((c) => [`${c.family_id}/${c.child_id}`, c])).values()];
    const sheet = unique.length
      ? await post('/api/enrolment/staff/day-sheet', { structure_id: structureId, children: unique })
      : { children: [] };
    const sheets = new Map(sheet.children.map((c) => [`${c.family_id}/${c.child_id}`, c]));
    const slots = list.slots.map((slot) => ({ slot, rows: rowsOf(slot, sheets) }));
    const exportCsv = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Exporter en CSV');
    exportCsv.addEventListener('click', () => downloadCsv(`liste-du-jour-${list.structure_id}-${list.date}.csv`,
      ['Date', 'Plage', 'Début', 'Fin', 'Période', 'Enfant', 'Classe', 'Allergies, PAI, régime', 'Personnes autorisées', 'Parents', 'Remarque'],
      slots.flatMap(({ slot, rows }) => rows.map((r) => [list.date, slot.label, slot.start, slot.end, slot.period_name,
        r.name, r.classe, r.health.join(' ; '), r.pickups.join(' ; '), r.parents.join(' ; '), r.note]))));
    const print = h('button', { type: 'button', class: 'btn btn-primary' }, 'Imprimer');
    print.addEventListener('click', () => window.print());
    content = [
      h('h2', { class: 'daylist-day', 'data-date': list.date }, `${list.structure_name} – ${frLong(list.date)}`),
      list.open
        ? [h('div', { class: 'form-actions no-print' }, print, exportCsv),
          h('div', { class: 'daylist-slots' }, slots.map(({ slot, rows }, i) => slotSection(list, slot, rows, i)))]
        : alertBox('info', null, 'La structure est fermée ce jour-là.'),
    ];
  } catch (error) {
    content = alertBox('error', null, error.message);
  }
  return h('div', { class: 'staff-daylist' }, ...head, content);
}
