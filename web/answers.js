// "Réponses aux demandes" as its screens share it (issue 5): the words of a request's answer, its badge,
// the pattern elements of a request (weekday × slot × parity) and their outcomes, the staff's tabs of
// the answers screens, and the structures and periods a staff member may pick.

import { api } from './api.js';
import { h, selectField, pageTitle, alertBox } from './ui.js';
import { staffCrumbs } from './family-file.js';
import {
  PLANNING, PARITY, WEEKDAY_NAMES, capitalise, plural, weekdayOf, frenchDate, countsText,
} from './planning.js';

// --- words -----------------------------------------------------------------------------------

/** A request's answer (derived from its lines by the API), as the family and the staff read it. */
export const ANSWERS = {
  pending: 'En attente',
  accepted: 'Acceptée',
  partially_accepted: 'Partiellement acceptée',
  offered: 'Place proposée',
  waitlisted: "Sur liste d'attente",
  refused: 'Refusée',
  cancelled: 'Annulée',
};

export const countsOfLines = (lines = []) => lines.reduce((acc, line) => {
  acc[line.status] = (acc[line.status] || 0) + 1;
  return acc;
}, {});

/** {code, label} of a request summary or detail: the API derives the answer from the lines. */
export function answerOf(item) {
  const code = item.answer || 'pending';
  return { code, label: item.answer_label || ANSWERS[code] };
}

export function answerBadge(item) {
  const { code, label } = answerOf(item);
  return h('span', { class: `status answer answer-${code}` }, label);
}

/** The answer decided per element, said for a count: "3 acceptées, 2 sur liste d'attente". */
export { countsText as outcomeCountText };

// --- pattern elements ------------------------------------------------------------------------

const parseIso = (iso) => {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
};

/** The ISO week number of a day (even and odd weeks of the pattern). */
export function isoWeek(iso) {
  const d = parseIso(iso);
  d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7)); // the Thursday of its week
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() + 3 - ((firstThursday.getUTCDay() + 6) % 7));
  return 1 + Math.round((d - firstThursday) / (7 * 86400000));
}

export const weekdayLabel = (weekday) => capitalise(WEEKDAY_NAMES[weekday] || '');

/** "Lundi – PERISCOLAIRE MIDI" (+ " (semaines paires)"). */
export function elementName(element) {
  const day = element.weekday_label
    || (typeof element.weekday === 'number' ? weekdayLabel(element.weekday) : capitalise(element.weekday || ''));
  const slot = element.slot_label || element.slot || element.slot_code || '';
  const parity = element.parity && element.parity !== 'all'
    ? ` (${element.parity_label ? element.parity_label.toLowerCase() : PARITY[element.parity].short})` : '';
  return `${day} – ${slot}${parity}`;
}

/**
 * The request's elements with the counts of their lines: the API's `elements`, or (older answers)
 * derived from its `pattern` and `lines` the way the API matches a line to its element.
 */
export function elementsOf(detail) {
  if (Array.isArray(detail.elements)) return detail.elements;
  const pattern = detail.pattern || [];
  const byKey = new Map();
  for (const line of detail.lines || []) {
    const weekday = weekdayOf(line.date);
    const even = isoWeek(line.date) % 2 === 0;
    const found = pattern.find((e) => e.weekday === weekday && e.slot_code === line.slot_code
      && (!e.parity || e.parity === 'all' || (e.parity === 'even') === even));
    const parity = found ? found.parity || 'all' : 'all';
    const key = `${weekday}|${line.slot_code}|${parity}`;
    if (!byKey.has(key)) {
      byKey.set(key, {
        weekday, slot_code: line.slot_code, slot_label: line.slot_label || line.slot_code, parity,
        counts: {}, first: line.date, last: line.date, reason: '',
      });
    }
    const element = byKey.get(key);
    element.counts[line.status] = (element.counts[line.status] || 0) + 1;
    if (line.date < element.first) element.first = line.date;
    if (line.date > element.last) element.last = line.date;
    if (line.reason) element.reason = line.reason;
  }
  return [...byKey.values()].sort((a, b) => a.weekday - b.weekday || a.slot_code.localeCompare(b.slot_code)
    || a.parity.localeCompare(b.parity));
}

/** Total number of dates of an element. */
export const datesOf = (element) => Object.values(element.counts || {}).reduce((a, b) => a + b, 0);

/**
 * The family's outcomes (`outcomes` of GET /requests/{id}: weekday and slot as words), or derived from
 * the lines by weekday and slot when the API does not give them.
 */
export function familyOutcomes(request) {
  if (Array.isArray(request.outcomes) && request.outcomes.length) return request.outcomes;
  return elementsOf({ pattern: request.pattern || [], lines: request.lines || [] }).map((e) => ({
    weekday: weekdayLabel(e.weekday), slot: e.slot_label, parity: e.parity,
    accepted: e.counts.accepted || 0, offered: e.counts.offered || 0, waitlisted: e.counts.waitlisted || 0,
    refused: e.counts.refused || 0,
    pending: e.counts.pending || 0, reason: e.reason,
  }));
}

/** The table "Réponse par jour et plage": one row per element, its counts and the motif. */
export function outcomesTable(outcomes, { id = 'outcomes-caption', caption = 'Réponse par jour et plage' } = {}) {
  const cell = (n) => h('td', { class: 'num' }, String(n || 0));
  const offers = outcomes.some((o) => o.offered);  // places offered from the waiting list, to answer
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id },
    h('table', { class: 'recap-table outcomes-table' },
      h('caption', { id }, caption),
      h('thead', {}, h('tr', {}, ['Jour et plage', 'Acceptées', offers ? 'Places proposées' : null, "Liste d'attente",
        'Refusées', 'En attente', 'Motif'].filter(Boolean).map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, outcomes.map((o) => h('tr', {},
        h('th', { scope: 'row' }, elementName(o)),
        cell(o.accepted), offers ? cell(o.offered) : null, cell(o.waitlisted), cell(o.refused), cell(o.pending),
        h('td', {}, o.reason || '–'))))));
}

/** "Lundi – PERISCOLAIRE MIDI : 30 dates acceptées" sentences, when the API gives no explanation. */
export function explanationOf(request, outcomes) {
  if (request.explanation) return request.explanation;
  const { code } = answerOf(request);
  if (code === 'pending') return 'Votre demande est en attente de la réponse du responsable de la structure.';
  const parts = outcomes.map((o) => {
    const counts = { accepted: o.accepted, waitlisted: o.waitlisted, refused: o.refused, pending: o.pending };
    return `${elementName(o)} : ${outcomeCountText(counts) || 'aucune date'}${o.refused && o.reason ? ` (motif : ${o.reason})` : ''}`;
  });
  return `${parts.join(' ; ')}.`;
}

// --- staff -----------------------------------------------------------------------------------

const ANSWER_TABS = [
  { href: '/gestion/reponses', label: 'Réponses aux demandes' },
  { href: '/gestion/commission', label: "Commission d'attribution" },
  { href: '/gestion/liste-attente', label: "Liste d'attente" },
  { href: '/gestion/places', label: 'Places par jour' },
  { href: '/gestion/reservations', label: 'Demandes de réservation' },
];

/** The answers screens, current one marked. */
export function answersTabs(current) {
  return h('nav', { class: 'subnav', 'aria-label': 'Réservations et réponses' },
    h('ul', {}, ANSWER_TABS.map((t) => h('li', {},
      h('a', { href: t.href, 'aria-current': t.href === current ? 'page' : null }, t.label)))));
}

/** The frame every answers screen shares: breadcrumb and title (the tab's label), the tabs, what the
 * screen is for, and its filters. */
export function answersScreen(className, path, lead, filters) {
  const { label } = ANSWER_TABS.find((t) => t.href === path);
  return h('div', { class: className },
    staffCrumbs({ label }), pageTitle(label), answersTabs(path), h('p', { class: 'lead' }, lead), filters);
}

export const noStructure = () => alertBox('info', null, 'Aucune structure ne vous est rattachée.');

/** Planning's catalogue read now (settings change it: no cache). */
export async function freshCatalogue() {
  const data = await api(`${PLANNING}/catalogue`);
  return { structures: (data && data.structures) || [], periods: (data && data.periods) || [] };
}

// Like the API's Principal.can_manage: a committee account scoped to no structure sees them all.
const managesStructure = (account, id) => account.role === 'admin'
  || (account.role === 'committee' && !(account.structures || []).length)
  || (account.structures || []).includes(id);

/** The structures of a staff member as select options. */
export const structureOptions = (account, catalogue) => catalogue.structures
  .filter((s) => managesStructure(account, s.structure_id))
  .map((s) => ({ value: s.structure_id, label: s.name }))
  .sort((a, b) => a.label.localeCompare(b.label, 'fr'));

/** Periods of a structure (newest first), or of every structure the person manages. */
export function periodsOf(account, catalogue, structureId = '') {
  return catalogue.periods
    .filter((p) => (structureId ? p.structure_id === structureId : managesStructure(account, p.structure_id)))
    .sort((a, b) => (b.start || '').localeCompare(a.start || '') || a.name.localeCompare(b.name));
}

export const periodOptions = (periods) => periods.map((p) => ({ value: p.period_id, label: p.name }));

/** The structure asked in the query when the person manages it, else their first one. */
export const chosenStructure = (structures, query) => (structures.some((s) => s.value === query.get('structure'))
  ? query.get('structure') : (structures[0] || {}).value || '');

/**
 * The "Structure" / "Période" filter form of the answers screens: choosing a structure refills its
 * periods; "Afficher" calls onSubmit({structure, periode}, form) with the chosen values only.
 * `extra` fields (the board's month) go before the button.
 */
export function structurePeriodPicker({
  account, catalogue, structures, structure, periods, period, idPrefix, onSubmit,
  anyPeriod = '— Période —', label = 'Choisir la structure et la période', extra = [],
}) {
  const form = h('form', { class: 'filters', 'aria-label': label },
    selectField({ name: 'structure', label: 'Structure', value: structure, idPrefix, options: structures, placeholder: '— Structure —' }),
    selectField({ name: 'periode', label: 'Période', value: period, idPrefix, options: periodOptions(periods), placeholder: anyPeriod }),
    extra,
    h('div', { class: 'filters-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Afficher')));
  const structureSelect = form.elements.namedItem('structure');
  const periodSelect = form.elements.namedItem('periode');
  structureSelect.addEventListener('change', () => {
    periodSelect.replaceChildren(h('option', { value: '' }, anyPeriod),
      ...periodOptions(periodsOf(account, catalogue, structureSelect.value)).map((o) => h('option', { value: o.value }, o.label)));
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = {};
    if (structureSelect.value) params.structure = structureSelect.value;
    if (periodSelect.value) params.periode = periodSelect.value;
    onSubmit(params, form);
  });
  return form;
}

/** The period covering today, else the latest one. */
export function currentPeriod(periods, today) {
  return periods.find((p) => p.start <= today && today <= p.end) || periods[0] || null;
}

/** A table in a focusable scrolling region named by its caption. */
export function tableRegion(id, caption, headers, rows, { className = 'queue' } = {}) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id },
    h('table', { class: className },
      h('caption', { id }, caption),
      h('thead', {}, h('tr', {}, headers.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rows)));
}

export const requestPath = (item) => `/gestion/reponses/${encodeURIComponent(item.family_id)}/${encodeURIComponent(item.request_id)}`;

/** "Demande N° 000019 du 24/01/2026". */
export const requestName = (item) => `N° ${item.number || ''}${item.created_at ? ` du ${frenchDate(item.created_at)}` : ''}`;

export const datesText = (n) => plural(n, 'date', 'dates');

/** The score and its parts: "70 points (Résident du territoire : 30, …)". */
export function scoreText(score, parts = []) {
  if (score === undefined || score === null) return '–';
  const detail = (parts || []).map((p) => `${p.label} : ${p.points}`).join(', ');
  return `${plural(score, 'point', 'points')}${detail ? ` (${detail})` : ''}`;
}
