// "/gestion/places?structure=…&periode=…&mois=AAAA-MM" — Places par jour: for one period and one month,
// each day's places per slot, taken / capacity and free (GET /api/planning/staff/board), full days
// marked; a day opens its occupancy (GET /staff/occupancy); and "Réglages de la période" (decision mode,
// waiting-list mode, automatic confirmation of cancellations, capacity per slot: PUT
// /staff/periods/{id}/settings) for managers and administrators.

import { api, put } from '../api.js';
import {
  h, selectField, alertBox, statusRegion, announce, busy, radioGroup, checkbox, field,
  errorSummary, showErrors, clearErrors,
} from '../ui.js';
import {
  PLANNING, enc, longDay, monthTitle, shiftMonth, monthOf, todayIso, isMonth, plural, dialog, weekdayOf,
} from '../planning.js';
import {
  answersScreen, freshCatalogue, structureOptions, periodsOf, currentPeriod, chosenStructure,
  structurePeriodPicker,
} from '../answers.js';

const DECISION_MODES = [
  { value: 'manual', label: 'Décision du responsable ou de la commission' },
  { value: 'auto_accept', label: 'Acceptation automatique dans la limite des places (le reste va sur liste d\'attente)' },
];
const WAITLIST_MODES = [
  { value: 'auto', label: 'Automatique : une place libérée va au premier de la liste' },
  { value: 'manual', label: 'Proposé au responsable : vous attribuez les places libérées' },
];

function monthsOf(period) {
  const months = [];
  for (let m = monthOf(period.start); m <= monthOf(period.end); m = shiftMonth(m, 1)) months.push(m);
  return months;
}

async function occupancyContent(structure, date) {
  try {
    const data = await api(`${PLANNING}/staff/occupancy?structure_id=${enc(structure)}&date=${date}`);
    const slots = (data && data.slots) || [];
    if (!slots.length) return h('p', {}, 'Aucune plage d\'accueil ce jour-là.');
    return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'day-occ-caption' },
      h('table', { class: 'recap-table' },
        h('caption', { id: 'day-occ-caption' }, `Occupation du ${longDay(date)}`),
        h('thead', {}, h('tr', {}, ["Plage d'accueil", 'Capacité', 'Acceptées', 'En attente', "Liste d'attente", 'Annulations demandées']
          .map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, slots.map((s) => h('tr', {},
          h('th', { scope: 'row' }, s.label || s.code),
          ...[s.capacity, s.accepted, s.pending, s.waitlisted, s.cancel_requested]
            .map((n) => h('td', { class: 'num' }, String(n ?? 0))))))));
  } catch (error) {
    return alertBox('error', null, error.message);
  }
}

function boardTable(board, period, onDay) {
  const slots = board.slots || period.slots || [];
  // The days the period never opens (other weekdays, before or after it) are left out; holidays and
  // closures stay, greyed, with their reason.
  const weekdays = new Set(period.weekdays || [0, 1, 2, 3, 4, 5, 6]);
  const days = (board.days || []).filter((d) => d.open || (weekdays.has(weekdayOf(d.date))
    && (!period.start || d.date >= period.start) && (!period.end || d.date <= period.end)));
  const id = 'board-caption';
  if (!days.length) return h('p', { class: 'empty' }, 'Aucun jour à afficher pour ce mois.');
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id },
    h('table', { class: 'queue board-table' },
      h('caption', { id }, `Places par jour – ${monthTitle(board.month)} – ${board.period_name || period.name}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Jour'),
        slots.map((s) => h('th', { scope: 'col' }, s.label || s.code)))),
      h('tbody', {}, days.map((day) => {
        if (!day.open) {
          return h('tr', { class: 'board-closed' },
            h('th', { scope: 'row' }, longDay(day.date)),
            h('td', { colspan: String(slots.length || 1) }, `Fermé${day.reason ? ` – ${day.reason}` : ''}`));
        }
        const bySlot = new Map((day.slots || []).map((s) => [s.code, s]));
        const full = (day.slots || []).some((s) => s.capacity > 0 && s.free <= 0);
        const button = h('button', { type: 'button', class: 'btn-link board-day' }, longDay(day.date),
          full ? h('span', { class: 'sr-only' }, ' (complet sur au moins une plage)') : null);
        button.addEventListener('click', () => onDay(day.date, button));
        return h('tr', { class: full ? 'board-full' : null },
          h('th', { scope: 'row' }, button),
          slots.map((slot) => {
            const cell = bySlot.get(slot.code);
            if (!cell) return h('td', {}, '–');
            const isFull = cell.free <= 0;
            return h('td', { class: isFull ? 'full' : null },
              h('span', { class: 'board-taken' }, `${cell.taken} / ${cell.capacity}`),
              h('span', { class: 'board-free' }, isFull ? 'Complet' : plural(cell.free, 'place libre', 'places libres')));
          }));
      }))));
}

function settingsForm(period, onSaved) {
  const p = 'settings';
  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer les réglages');
  const slots = period.slots || [];
  const form = h('form', { novalidate: true, class: 'settings-form', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, 'Réglages de la période'),
    h('p', {}, period.name),
    errorSummary(),
    radioGroup({ name: 'decision_mode', legend: 'Réponse aux nouvelles demandes', idPrefix: p, value: period.decision_mode || 'manual', options: DECISION_MODES }),
    radioGroup({ name: 'waitlist_mode', legend: "Liste d'attente", idPrefix: p, value: period.waitlist_mode || 'auto', options: WAITLIST_MODES }),
    field({
      name: 'offer_reply_days', label: 'Délai de réponse à une place proposée (jours)', type: 'number', min: 0, max: 30, step: 1,
      inputmode: 'numeric', value: String(period.offer_reply_days || 0), idPrefix: p,
      hint: 'Une place libérée est proposée à la famille en liste d\'attente, qui l\'accepte ou la décline dans ce délai ; sans réponse, elle passe à la famille suivante. 0 : la place est attribuée directement.',
    }),
    checkbox({ name: 'auto_confirm_cancellations', label: 'Confirmer automatiquement les annulations demandées par les familles', checked: Boolean(period.auto_confirm_cancellations), idPrefix: p }),
    h('fieldset', { class: 'group window', 'data-field': 'pre_enrolment' }, h('legend', {}, 'Fenêtre de pré-inscription (commission d\'attribution)'),
      h('p', { class: 'hint' }, 'Facultatif. Les demandes reçues pendant cette fenêtre attendent la commission, même en acceptation automatique. Laissez vide s\'il n\'y a pas de commission.'),
      field({ name: 'pre_enrolment.start', label: 'Début', type: 'date', value: (period.pre_enrolment || {}).start || '', idPrefix: p }),
      field({ name: 'pre_enrolment.end', label: 'Fin', type: 'date', value: (period.pre_enrolment || {}).end || '', idPrefix: p }),
      checkbox({ name: 'partial_answers', label: 'Réponses partielles : la commission donne les dates qui ont une place', checked: Boolean(period.partial_answers), idPrefix: p }),
      h('p', { class: 'hint' }, 'Après les jours et plages acceptés en entier, les places restantes sont données date par date, dans l\'ordre du classement ; la famille reçoit une réponse « partiellement acceptée » avec ses dates, les autres restent en liste d\'attente.')),
    h('fieldset', { class: 'group capacities' }, h('legend', {}, 'Places par plage d\'accueil'),
      h('p', { class: 'hint' }, 'Le nombre de places de chaque date. Augmenter une capacité donne les nouvelles places à la liste d\'attente (en mode automatique).'),
      slots.map((slot) => field({
        name: `capacities.${slot.code}`, label: slot.label || slot.code, type: 'number', min: 0, max: 10000, step: 1,
        inputmode: 'numeric', value: String(slot.capacity ?? ''), idPrefix: p, required: true,
      }))),
    h('div', { class: 'form-actions' }, submit), done);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const checked = (name) => (form.querySelector(`input[name="${name}"]:checked`) || {}).value;
    const fields = {};
    const capacities = {};
    for (const slot of slots) {
      const raw = form.elements.namedItem(`capacities.${slot.code}`).value.trim();
      if (!/^\d+$/.test(raw)) fields[`capacities.${slot.code}`] = `Indiquez un nombre de places (0 ou plus) : ${slot.label || slot.code}.`;
      else capacities[slot.code] = Number(raw);
    }
    const replyDays = form.elements.namedItem('offer_reply_days').value.trim() || '0';
    if (!/^\d+$/.test(replyDays) || Number(replyDays) > 30) fields.offer_reply_days = 'Indiquez un délai de 0 à 30 jours.';
    const windowStart = form.elements.namedItem('pre_enrolment.start').value;
    const windowEnd = form.elements.namedItem('pre_enrolment.end').value;
    if (windowStart && !windowEnd) fields['pre_enrolment.end'] = 'Indiquez la fin de la fenêtre de pré-inscription.';
    if (windowEnd && !windowStart) fields['pre_enrolment.start'] = 'Indiquez le début de la fenêtre de pré-inscription.';
    if (windowStart && windowEnd && windowEnd < windowStart) fields['pre_enrolment.end'] = 'La fin de la fenêtre doit être après son début.';
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    const body = {
      // Sent every time: a settings save without it would remove the window.
      pre_enrolment: windowStart && windowEnd ? { start: windowStart, end: windowEnd } : null,
      decision_mode: checked('decision_mode') || 'manual',
      waitlist_mode: checked('waitlist_mode') || 'auto',
      auto_confirm_cancellations: form.elements.namedItem('auto_confirm_cancellations').checked,
      offer_reply_days: Number(replyDays),
      partial_answers: form.elements.namedItem('partial_answers').checked,
      capacities,
    };
    try {
      const saved = await busy(submit, () => put(`${PLANNING}/staff/periods/${enc(period.period_id)}/settings`, body), 'Enregistrement…');
      clearErrors(form);
      const promoted = ((saved && saved.promoted_requests) || []).length;
      announce(done, 'success', null, 'Les réglages de la période sont enregistrés.',
        promoted ? h('p', {}, `Liste d'attente : ${plural(promoted, 'demande a reçu', 'demandes ont reçu')} une place.`) : null);
      await onSaved(saved || { ...period, ...body });
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return h('section', { class: 'panel panel-wide' }, form);
}

export async function render({ account, query, navigate }) {
  const catalogue = await freshCatalogue();
  const structures = structureOptions(account, catalogue);
  const structure = chosenStructure(structures, query);
  const periods = periodsOf(account, catalogue, structure);
  const today = todayIso();
  const period = periods.find((p) => p.period_id === query.get('periode')) || currentPeriod(periods, today);
  const months = period ? monthsOf(period) : [];
  const month = isMonth(query.get('mois')) && months.includes(query.get('mois')) ? query.get('mois')
    : months.includes(monthOf(today)) ? monthOf(today) : months[0] || monthOf(today);

  const go = (params) => navigate(`/gestion/places?${new URLSearchParams(params)}`);
  const form = structurePeriodPicker({
    account, catalogue, structures, structure, periods, period: period ? period.period_id : '', idPrefix: 'board',
    label: 'Choisir la structure, la période et le mois',
    extra: selectField({ name: 'mois', label: 'Mois', value: month, idPrefix: 'board', options: months.map((m) => ({ value: m, label: monthTitle(m) })), placeholder: '— Mois —' }),
    onSubmit: (params, picked) => {
      const chosenMonth = picked.elements.namedItem('mois').value;
      // A month outside the new period is replaced by the period's own.
      go(chosenMonth && params.periode === (period && period.period_id) ? { ...params, mois: chosenMonth } : params);
    },
  });

  const page = answersScreen('staff-board', '/gestion/places',
    'Les places prises et libres de chaque plage d\'accueil, jour par jour. Ouvrez un jour pour voir ses demandes en attente, sa liste d\'attente et ses annulations.',
    form);
  if (!structure || !period) {
    page.append(alertBox('info', null, structure ? 'Aucune période pour cette structure.' : 'Aucune structure ne vous est rattachée.'));
    return page;
  }

  const box = dialog(page, { className: 'dialog-wide' });
  const openDay = async (date, opener) => {
    box.returnTo(opener);
    box.show(`Occupation du ${longDay(date)}`, h('p', { class: 'loading' }, 'Chargement…'));
    const content = await occupancyContent(structure, date);
    if (box.open) {
      box.show(`Occupation du ${longDay(date)}`, content,
        h('div', { class: 'dialog-actions' },
          h('a', { href: `/gestion/reservations?${new URLSearchParams({ structure, date })}`, class: 'btn btn-secondary' },
            'Demandes de réservation de ce jour')));
    }
  };

  const boardHolder = h('section', { class: 'board', 'aria-labelledby': 'board-title', 'aria-live': 'polite' });
  const nav = h('div', { class: 'actions-inline doc-actions month-links' },
    months.includes(shiftMonth(month, -1))
      ? h('a', { href: `/gestion/places?${new URLSearchParams({ structure, periode: period.period_id, mois: shiftMonth(month, -1) })}`, class: 'btn btn-secondary btn-small' },
        h('span', { class: 'btn-icon-before', 'aria-hidden': 'true' }, '‹'), `Mois précédent : ${monthTitle(shiftMonth(month, -1))}`) : null,
    months.includes(shiftMonth(month, 1))
      ? h('a', { href: `/gestion/places?${new URLSearchParams({ structure, periode: period.period_id, mois: shiftMonth(month, 1) })}`, class: 'btn btn-secondary btn-small' },
        `Mois suivant : ${monthTitle(shiftMonth(month, 1))}`, h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '›')) : null);

  async function loadBoard() {
    boardHolder.setAttribute('aria-busy', 'true');
    const title = h('h2', { id: 'board-title' }, monthTitle(month));
    try {
      const params = new URLSearchParams({ structure_id: structure, period_id: period.period_id, month });
      const board = await api(`${PLANNING}/staff/board?${params}`);
      boardHolder.replaceChildren(title, nav, boardTable({ month, ...board }, period, openDay),
        h('p', { class: 'hint board-legend' }, 'Une case « Complet » (en rouge) n\'a plus de place : une nouvelle acceptation ce jour-là va sur liste d\'attente.'));
    } catch (error) {
      boardHolder.replaceChildren(title, nav, alertBox('error', null, error.message));
    }
    boardHolder.setAttribute('aria-busy', 'false');
  }

  page.append(boardHolder);
  await loadBoard();
  if (['admin', 'manager'].includes(account.role)) {
    page.append(settingsForm(period, () => loadBoard()));
  }
  return page;
}
