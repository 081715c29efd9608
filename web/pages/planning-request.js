// "/mon-compte/planning/demandes/{id}" — "Voir / modifier cette réservation": the request's lines on
// the month grid; a slot's card offers "Demander l'annulation" (each slot is cancelled on its own, as
// the guide says), or "Annuler toute la demande", "Annuler à partir d'une date"; "Suivant" → the recap
// (POST /requests/{id}/cancel with "preview": true) → "Valider" → the confirmation. The basket of
// cancellations stays in sessionStorage (pf.planning.cancel.<id>) between the steps.

import { api, post } from '../api.js';
import {
  h, pageTitle, alertBox, statusRegion, announce, busy, field, showErrors, clearErrors, errorSummary,
} from '../ui.js';
import {
  PLANNING, enc, loadPlanningContext, loadCalendar, forgetAgenda, monthCalendar, dialog, slotCard,
  planningCrumbs, statusLegend, longDay, frenchDate, todayIso, monthOf, isMonth, isIsoDate, lineStatusLabel,
  activityLabel, bookingOpen, plural, countsText, deadlineText, statusBadge, slotLabel, CANCELLABLE, LINE_STATUS,
} from '../planning.js';
import { setFlash } from '../session.js';
import {
  answerBadge, answerOf, explanationOf, familyOutcomes, outcomesTable,
} from '../answers.js';

const basketKey = (id) => `pf.planning.cancel.${id}`;
const DONE_KEY = 'pf.planning.cancel.done';

function readJson(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

const emptyBasket = () => ({ mode: 'lines', lines: [], from: null });
const basketIsEmpty = (b) => (b.mode === 'lines' ? !b.lines.length : b.mode === 'from' ? !b.from : false);
const sameLine = (a, b) => a.date === b.date && a.slot_code === b.slot_code;

/** The body of POST /requests/{id}/cancel. */
function cancelBody(basket, previewOnly) {
  if (basket.mode === 'all') return { all: true, preview: previewOnly };
  if (basket.mode === 'from') return { from: basket.from, preview: previewOnly };
  return { lines: basket.lines.map((l) => ({ date: l.date, slot_code: l.slot_code })), preview: previewOnly };
}

function errorAlert(error, title = null) {
  const details = [...new Set(Object.values(error.fields || {}).flat())].filter((t) => t && t !== error.message);
  const box = alertBox('error', title, h('p', {}, error.message), details.length ? h('ul', {}, details.map((t) => h('li', {}, t))) : null);
  box.tabIndex = -1;
  return box;
}

/** Each line with what its card needs from the request (number, date, structure, period). */
function normaliseLines(request, period) {
  return (request.lines || []).map((line) => ({
    request_id: request.request_id,
    request_number: request.number,
    request_date: request.created_at,
    child_id: request.child_id,
    child_first_name: request.child_first_name,
    structure_id: request.structure_id,
    structure_name: request.structure_name,
    activity: request.activity,
    period_id: request.period_id,
    period_name: request.period_name,
    ...line,
    slot_label: line.slot_label || slotLabel(period, line.slot_code),
  })).sort((a, b) => a.date.localeCompare(b.date) || a.slot_code.localeCompare(b.slot_code));
}

function requestDetails(request, lines) {
  const counts = {};
  for (const line of lines) counts[line.status] = (counts[line.status] || 0) + 1;
  const countText = countsText(counts);
  const rows = [
    ['Date de la demande', frenchDate(request.created_at)],
    ['Enfant', request.child_first_name],
    ['Structure', request.structure_name],
    ['Activité', activityLabel(request.activity)],
    ['Période', request.period_name],
    ['Présences', `${plural(lines.length, 'présence', 'présences')}${countText ? ` : ${countText}` : ''}`],
  ].filter((row) => row[1]);
  return h('dl', { class: 'details' }, rows.map(([t, v]) => [h('dt', {}, t), h('dd', {}, v)]));
}

/** "jeudi 26 novembre 2026 à 23:59", in the structures' time. */
const deadlineMoment = (iso) => new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
}).format(new Date(iso));

/** "Une place vous est proposée": the family accepts or declines the places offered from the waiting
 * list before the deadline (POST /requests/{id}/offer); the page then shows the new answer. */
function offerReply(request, navigate) {
  const offered = (request.lines || []).filter((l) => l.status === 'offered');
  if (!offered.length || !request.offer_until) return null;
  const id = request.request_id;
  const feedback = h('div');
  const slots = [...new Set(offered.map((l) => l.slot_label))].join(', ');
  const send = async (accept, button) => {
    if (!accept && !window.confirm('Décliner la place proposée ? Elle sera proposée à la famille suivante de la liste d\'attente.')) return;
    feedback.replaceChildren();
    try {
      await busy(button, () => post(`${PLANNING}/requests/${enc(id)}/offer`, { accept }), 'Envoi en cours…');
      forgetAgenda();
      setFlash(accept ? 'Vous avez accepté la place proposée : elle est réservée.'
        : 'Vous avez décliné la place proposée : elle est proposée à la famille suivante.');
      navigate(`/mon-compte/planning/demandes/${enc(id)}`, { replace: true });
    } catch (error) {
      const alert = errorAlert(error, 'Votre réponse n\'a pas pu être enregistrée :');
      feedback.replaceChildren(alert);
      alert.focus();
    }
  };
  const accept = h('button', { type: 'button', class: 'btn btn-primary' }, 'Accepter la place');
  const decline = h('button', { type: 'button', class: 'btn btn-secondary btn-danger' }, 'Décliner la place');
  accept.addEventListener('click', () => send(true, accept));
  decline.addEventListener('click', () => send(false, decline));
  return h('div', { class: 'offer-reply', role: 'group', 'aria-labelledby': 'offer-title' },
    h('h3', { id: 'offer-title' }, 'Une place vous est proposée'),
    h('p', {}, `${plural(offered.length, 'présence', 'présences')} (${slots}) vous ${offered.length > 1 ? 'sont réservées' : 'est réservée'} jusqu'au `,
      h('strong', {}, deadlineMoment(request.offer_until)), '. Sans réponse de votre part, la place sera proposée à la famille suivante.'),
    h('div', { class: 'actions-inline' }, accept, decline),
    feedback);
}

/** "Réponse à ma demande": the answer's badge, its explanation, the places offered to accept or
 * decline, and per weekday and slot what was accepted, put on the waiting list or refused (with the
 * motif). */
function answerSection(request, navigate, answeredBy = []) {
  const outcomes = familyOutcomes(request);
  const { code } = answerOf(request);
  const last = answeredBy[0];
  return h('section', { class: 'panel panel-wide request-answer', 'aria-labelledby': 'answer-title' },
    h('h2', { id: 'answer-title' }, 'Réponse à ma demande'),
    h('p', { class: 'request-status' }, 'Réponse : ', answerBadge(request)),
    last && code !== 'pending'
      ? h('p', { class: 'answered-by' }, `Réponse de ${last.actor_name}, le ${new Date(last.at).toLocaleDateString('fr-FR')}`)
      : null,
    h('p', { class: 'answer-explanation' }, explanationOf(request, outcomes)),
    offerReply(request, navigate),
    code !== 'pending' && outcomes.length ? outcomesTable(outcomes) : null);
}

// --- the modification screen -----------------------------------------------------------------------

function modifyScreen({ request, lines, period, query, navigate, root }) {
  const id = request.request_id;
  let basket = readJson(basketKey(id)) || emptyBasket();
  const save = () => sessionStorage.setItem(basketKey(id), JSON.stringify(basket));
  const status = statusRegion();
  const basketBox = h('div', { class: 'selection-box' });
  const feedback = h('div');
  const box = dialog(root);
  const today = todayIso();

  const inBasket = (line) => (basket.mode === 'all' && CANCELLABLE.includes(line.status))
    || (basket.mode === 'from' && basket.from && line.date >= basket.from && CANCELLABLE.includes(line.status))
    || (basket.mode === 'lines' && basket.lines.some((l) => sameLine(l, line)));
  const lineName = (line) => `${line.slot_label} du ${frenchDate(line.date)}`;

  function openCard(line, opener) {
    if (opener) box.returnTo(opener);
    const actions = [];
    let extra = null;
    if (basket.mode === 'lines' && inBasket(line)) {
      const undo = h('button', { type: 'button', class: 'btn btn-secondary' }, "Retirer de ma demande d'annulation");
      undo.addEventListener('click', () => change(() => {
        basket.lines = basket.lines.filter((l) => !sameLine(l, line));
      }, `${lineName(line)} : retiré de votre demande d'annulation.`, line.date));
      extra = h('p', { class: 'card-todo' }, 'Annulation à envoyer (cliquez sur « Suivant » puis « Valider »).');
      actions.push(undo);
    } else if (inBasket(line)) {
      extra = h('p', { class: 'card-todo' }, basket.mode === 'all'
        ? 'Comprise dans l\'annulation de toute la demande.'
        : `Comprise dans l'annulation à partir du ${frenchDate(basket.from)}.`);
    } else if (CANCELLABLE.includes(line.status)) {
      const ask = h('button', { type: 'button', class: 'btn btn-primary' }, "Demander l'annulation");
      ask.addEventListener('click', () => change(() => {
        if (basket.mode !== 'lines') basket = emptyBasket();
        basket.lines.push({ date: line.date, slot_code: line.slot_code, slot_label: line.slot_label });
      }, `${lineName(line)} : annulation ajoutée à votre demande. Répétez pour chaque temps d'accueil, puis cliquez sur « Suivant ».`, line.date));
      actions.push(ask);
    } else {
      extra = h('p', {}, {
        cancel_requested: 'L\'annulation de cette présence est déjà demandée.',
        offered: 'Cette place vous est proposée : acceptez-la ou déclinez-la dans « Réponse à ma demande ».',
      }[line.status] || 'Cette présence ne peut plus être annulée.');
    }
    box.show(line.slot_label, slotCard(line, { showChild: false, extra }, ...actions));
  }

  function openDay(date, opener) {
    const dayLines = lines.filter((l) => l.date === date);
    box.returnTo(opener);
    box.show(`Présences du ${longDay(date)}`, dayLines.length
      ? h('ul', { class: 'day-panel-lines' }, dayLines.map((line) => h('li', {},
        h('button', { type: 'button', class: `day-line line-${inBasket(line) ? 'to-cancel' : line.status}`, onclick: () => openCard(line, opener) },
          h('span', { class: 'line-label' }, line.slot_label), ` (${inBasket(line) ? 'À annuler' : lineStatusLabel(line.status)})`))))
      : h('p', {}, 'Aucune présence de cette demande sur cette journée.'));
  }

  async function change(mutate, message, focusDay = null) {
    mutate();
    save();
    box.close();
    drawBasket();
    announce(status, 'success', null, message);
    await calendar.refresh(focusDay);
  }

  function drawBasket() {
    let content;
    if (basket.mode === 'all') {
      content = h('p', {}, h('strong', {}, 'Toute la demande'), ` : les ${plural(lines.filter((l) => CANCELLABLE.includes(l.status)).length, 'présence', 'présences')} encore actives.`);
    } else if (basket.mode === 'from' && basket.from) {
      content = h('p', {}, h('strong', {}, `Toutes les présences à partir du ${frenchDate(basket.from)}`), '.');
    } else if (basket.lines.length) {
      content = h('ul', { class: 'selection-list' }, basket.lines.map((l) => {
        const remove = h('button', { type: 'button', class: 'btn-link' }, 'Retirer', h('span', { class: 'sr-only' }, ` : ${l.slot_label} du ${frenchDate(l.date)}`));
        remove.addEventListener('click', async () => {
          await change(() => { basket.lines = basket.lines.filter((x) => !sameLine(x, l)); },
            `${l.slot_label} du ${frenchDate(l.date)} : retiré de votre demande d'annulation.`);
          (basketBox.querySelector('button') || basketBox.querySelector('h2')).focus();
        });
        return h('li', {}, h('strong', {}, `${frenchDate(l.date)}`), ` – ${l.slot_label}. `, remove);
      }));
    } else {
      content = h('p', {}, 'Aucune annulation pour le moment. Sélectionnez une plage réservée dans le planning, puis « Demander l\'annulation ».');
    }
    const clear = basketIsEmpty(basket) ? null : h('button', { type: 'button', class: 'btn-link' }, 'Tout retirer');
    if (clear) {
      clear.addEventListener('click', async () => {
        await change(() => { basket = emptyBasket(); }, "Votre demande d'annulation est vide.");
        basketBox.querySelector('h2').focus();
      });
    }
    basketBox.replaceChildren(...[h('h2', { id: 'basket-title', tabindex: '-1' }, "Ma demande d'annulation"), content, clear].filter(Boolean));
  }

  // "Annuler toute la demande", "Annuler à partir d'une date".
  const allButton = h('button', { type: 'button', class: 'btn btn-secondary btn-danger' }, 'Annuler toute la demande');
  allButton.addEventListener('click', () => change(() => { basket = { mode: 'all', lines: [], from: null }; },
    'Toute la demande est ajoutée à votre demande d\'annulation. Cliquez sur « Suivant » pour voir le récapitulatif.'));
  const fromId = 'cancel-from-form';
  const fromToggle = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-expanded': 'false', 'aria-controls': fromId }, 'Annuler à partir d\'une date');
  const fromForm = h('form', { novalidate: true, id: fromId, class: 'reason-form', hidden: true },
    errorSummary(),
    field({ name: 'from', label: 'À partir du', type: 'date', required: true, idPrefix: 'cancel', min: today, hint: 'Toutes les présences de la demande à partir de cette date (incluse) seront annulées.' }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Ajouter à ma demande d\'annulation')));
  fromToggle.addEventListener('click', () => {
    fromForm.hidden = !fromForm.hidden;
    fromToggle.setAttribute('aria-expanded', String(!fromForm.hidden));
    if (!fromForm.hidden) fromForm.querySelector('input').focus();
  });
  fromForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = fromForm.querySelector('input').value;
    if (!isIsoDate(value)) {
      showErrors(fromForm, { message: 'Indiquez la date à partir de laquelle annuler.', fields: { from: 'Indiquez la date à partir de laquelle annuler.' } });
      return;
    }
    clearErrors(fromForm);
    fromForm.hidden = true;
    fromToggle.setAttribute('aria-expanded', 'false');
    await change(() => { basket = { mode: 'from', lines: [], from: value }; },
      `Les présences à partir du ${frenchDate(value)} sont ajoutées à votre demande d'annulation. Cliquez sur « Suivant » pour voir le récapitulatif.`);
  });

  const wanted = isIsoDate(query.get('date')) ? query.get('date') : null;
  const firstActive = lines.find((l) => l.date >= today && CANCELLABLE.includes(l.status)) || lines[0];
  const startMonth = isMonth(query.get('mois')) ? query.get('mois')
    : monthOf(wanted || (firstActive ? firstActive.date : today));

  const calendar = monthCalendar({
    idPrefix: 'request',
    onDay: (date, opener) => openDay(date, opener),
    month: startMonth,
    legend: statusLegend(Object.keys(LINE_STATUS), [['day-line line-to-cancel', 'À annuler (à valider)'], ['day-closed-sample', 'Jour fermé']]),
    async load(month) {
      const days = await loadCalendar(request.period_id || (lines[0] || {}).period_id, month).catch(() => new Map());
      const byDate = new Map();
      for (const line of lines.filter((l) => monthOf(l.date) === month)) {
        if (!byDate.has(line.date)) byDate.set(line.date, []);
        const marked = inBasket(line);
        byDate.get(line.date).push({
          label: line.slot_label,
          status: marked ? 'to-cancel' : line.status,
          statusText: marked ? 'À annuler' : lineStatusLabel(line.status),
          onClick: (opener) => openCard(line, opener),
        });
      }
      return { days, lines: byDate };
    },
    onMonth(month) {
      const url = new URL(window.location.href);
      url.searchParams.set('mois', month);
      url.searchParams.delete('date');
      url.searchParams.delete('plage');
      history.replaceState(null, '', url.pathname + url.search);
    },
  });

  // Coming from a slot's card ("Voir / modifier cette réservation"): that slot's card again, with
  // "Demander l'annulation", once the month is shown.
  const plage = query.get('plage');
  if (wanted && plage) {
    const target = lines.find((l) => l.date === wanted && l.slot_code === plage);
    if (target) {
      let tries = 0;
      const wait = () => {
        const button = calendar.dayButton(wanted);
        if (!button) {
          tries += 1;
          if (tries < 200 && root.isConnected !== false) setTimeout(wait, 50);
          return;
        }
        const lineButton = [...button.closest('td').querySelectorAll('button.day-line')]
          .find((b) => b.querySelector('.line-label').textContent === target.slot_label) || button;
        openCard(target, lineButton);
      };
      setTimeout(wait, 0);
    }
  }

  const next = h('button', { type: 'button', class: 'btn btn-primary' }, 'Suivant', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '→'));
  next.addEventListener('click', () => {
    if (basketIsEmpty(basket)) {
      const alert = alertBox('error', null, 'Votre demande d\'annulation est vide : sélectionnez une plage réservée dans le planning, puis « Demander l\'annulation ».');
      alert.tabIndex = -1;
      feedback.replaceChildren(alert);
      alert.focus();
      return;
    }
    navigate(`/mon-compte/planning/demandes/${enc(id)}?etape=recapitulatif`);
  });

  drawBasket();
  const addLink = period && bookingOpen(period)
    ? h('a', { href: `/mon-compte/planning/ajouter?demande=${enc(id)}`, class: 'btn btn-secondary' }, 'Ajouter des présences', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '⊕'))
    : null;
  return h('div', { class: 'request-modify' },
    h('div', { class: 'actions planning-actions' }, addLink),
    h('h2', {}, 'Modifier cette réservation'),
    h('p', {}, 'Sélectionnez le mois concerné avec les flèches bleues, puis la plage de réservation à annuler et « Demander l\'annulation ». Chaque temps d\'accueil doit être annulé individuellement. Une fois toutes vos modifications saisies, cliquez sur « Suivant ».'),
    period && deadlineText(period.cancellation_deadline, 'annulation') ? h('p', { class: 'hint' }, deadlineText(period.cancellation_deadline, 'annulation')) : null,
    status,
    calendar.node,
    h('aside', { class: 'entry-side', 'aria-labelledby': 'basket-title' }, basketBox,
      h('div', { class: 'other-cancellations' },
        h('h3', {}, 'Autres possibilités'),
        h('div', { class: 'actions-inline doc-actions' }, allButton, fromToggle), fromForm),
      feedback),
    h('div', { class: 'form-actions planning-footer' },
      h('a', { href: '/mon-compte/planning', class: 'btn btn-secondary' }, 'Retour à mon planning'), next));
}

// --- recap and confirmation ----------------------------------------------------------------------

function linesTable(items, caption, period) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'cancel-caption' },
    h('table', { class: 'recap-table' },
      h('caption', { id: 'cancel-caption' }, caption),
      h('thead', {}, h('tr', {}, ['Date', "Plage d'accueil", 'Statut'].map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, items.map((line) => h('tr', {},
        h('th', { scope: 'row' }, `${longDay(line.date)}`),
        h('td', {}, line.slot_label || line.slot || slotLabel(period, line.slot_code)),
        h('td', {}, line.status ? statusBadge(line.status) : ''))))));
}

function recapRows(recap) {
  if (!recap || !(recap.rows || []).length) return null;
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'cancel-recap-caption' },
    h('table', { class: 'recap-table' },
      h('caption', { id: 'cancel-recap-caption' }, 'Récapitulatif par jour et plage'),
      h('thead', {}, h('tr', {}, ['Jour', "Plage d'accueil", 'Nombre de dates', 'Première date', 'Dernière date'].map((l) => h('th', { scope: 'col' }, l)))),
      h('tbody', {}, recap.rows.map((row) => h('tr', {},
        h('th', { scope: 'row' }, row.weekday), h('td', {}, row.slot), h('td', { class: 'num' }, String(row.count)),
        h('td', {}, frenchDate(row.first)), h('td', {}, frenchDate(row.last)))))));
}

/** What the API says would be (or was) cancelled: its lines, else the basket's, and its recap. */
function cancelOutcome(result, lines, period, basket = null) {
  const known = new Map(lines.map((l) => [`${l.date}|${l.slot_code}`, l]));
  const given = (result && (result.lines || result.cancelled)) || (basket && basket.mode === 'lines' ? basket.lines : []);
  const items = given.map((l) => ({ ...(known.get(`${l.date}|${l.slot_code}`) || {}), ...l }));
  const refused = (result && (result.refused || result.skipped)) || [];
  const count = (result && (result.line_count ?? result.count)) ?? (items.length || (result && result.recap && result.recap.total_lines));
  return h('div', {},
    count !== undefined && count !== null && !(basket && basket.mode === 'lines')
      ? h('p', { class: 'lead' }, `${plural(count, 'présence', 'présences')} à annuler.`) : null,
    items.length ? linesTable(items, 'Présences à annuler', period) : recapRows(result && result.recap),
    items.length > 3 ? recapRows(result && result.recap) : null,
    refused.length
      ? h('section', { class: 'skipped', 'aria-labelledby': 'refused-title' },
        h('h2', { id: 'refused-title' }, 'Annulations refusées'),
        h('ul', {}, refused.map((r) => h('li', {}, h('strong', {}, `${frenchDate(r.date)} – ${slotLabel(period, r.slot_code)}`), r.reason ? ` : ${r.reason}` : ''))))
      : null);
}

function basketSummary(basket) {
  if (basket.mode === 'all') return 'Annulation de toute la demande.';
  if (basket.mode === 'from') return `Annulation de toutes les présences à partir du ${frenchDate(basket.from)}.`;
  return `Annulation de ${plural(basket.lines.length, 'présence', 'présences')}.`;
}

async function recapStep({ request, lines, period, navigate }) {
  const id = request.request_id;
  const basket = readJson(basketKey(id)) || emptyBasket();
  const back = h('a', { href: `/mon-compte/planning/demandes/${enc(id)}`, class: 'btn btn-secondary' },
    h('span', { class: 'btn-icon btn-icon-before', 'aria-hidden': 'true' }, '←'), 'Modifier ma demande d\'annulation');
  if (basketIsEmpty(basket)) {
    return h('div', {}, alertBox('info', null, 'Votre demande d\'annulation est vide.'), h('div', { class: 'form-actions' }, back));
  }
  let result;
  try {
    result = await post(`${PLANNING}/requests/${enc(id)}/cancel`, cancelBody(basket, true));
  } catch (error) {
    return h('div', {}, h('p', {}, basketSummary(basket)),
      errorAlert(error, 'Cette annulation ne peut pas être demandée :'), h('div', { class: 'form-actions planning-footer' }, back));
  }
  const outcome = h('div');
  const validate = h('button', { type: 'button', class: 'btn btn-primary' }, 'Valider', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '✓'));
  validate.addEventListener('click', async () => {
    outcome.replaceChildren();
    try {
      const done = await busy(validate, () => post(`${PLANNING}/requests/${enc(id)}/cancel`, cancelBody(basket, false)), 'Envoi en cours…');
      const known = (done && (done.lines || done.cancelled)) || (result.lines || result.cancelled) || [];
      const dates = known.map((l) => l.date).sort();
      sessionStorage.setItem(DONE_KEY, JSON.stringify({
        request_id: id, number: request.number, summary: basketSummary(basket), result: done || result, basket,
        month: dates.length ? monthOf(dates[0]) : (basket.lines[0] ? monthOf(basket.lines[0].date) : null),
      }));
      sessionStorage.removeItem(basketKey(id));
      forgetAgenda();
      navigate(`/mon-compte/planning/demandes/${enc(id)}?etape=confirmation`);
    } catch (error) {
      const alert = errorAlert(error, 'Votre demande d\'annulation n\'a pas pu être enregistrée :');
      outcome.replaceChildren(alert);
      alert.focus();
    }
  });
  return h('div', { class: 'planning-recap' },
    h('p', {}, 'Un récapitulatif de mes modifications apparaît. Je valide ma demande en bas de page avec le bouton « Valider ».'),
    h('p', {}, h('strong', {}, basketSummary(basket))),
    cancelOutcome(result, lines, period, basket),
    outcome,
    h('div', { class: 'form-actions planning-footer' }, back, validate));
}

function confirmation(request, lines, period) {
  const done = readJson(DONE_KEY);
  if (!done || done.request_id !== request.request_id) {
    return h('p', {}, h('a', { href: `/mon-compte/planning/demandes/${enc(request.request_id)}` }, 'Retour à la demande'));
  }
  return h('div', { class: 'planning-done' },
    alertBox('success', 'Votre demande d\'annulation est enregistrée.',
      h('p', { class: 'request-number' }, `Demande N° ${done.number}`),
      h('p', {}, done.summary, ' Les présences concernées sont en « Annulation demandée » jusqu\'à la réponse du responsable de la structure.'),
      h('p', {}, 'Un mail récapitulatif vous a été adressé.')),
    cancelOutcome(done.result, lines, period, done.basket),
    h('div', { class: 'actions' },
      h('a', { href: done.month ? `/mon-compte/planning?mois=${done.month}` : '/mon-compte/planning', class: 'btn btn-primary' }, 'Voir mon planning'),
      h('a', { href: `/mon-compte/planning/demandes/${enc(request.request_id)}`, class: 'btn btn-secondary' }, 'Voir / modifier cette réservation')));
}

// --- the page --------------------------------------------------------------------------------------

export async function render({ params, query, navigate }) {
  const step = query.get('etape') || '';
  const [ctx, request, answeredBy] = await Promise.all([
    loadPlanningContext(),
    api(`${PLANNING}/requests/${enc(params.id)}`),
    // Who answered (the audit log, kept by enrolment); the page shows without it if it cannot be read.
    api(`/api/enrolment/family/answers/${enc(params.id)}`).then((data) => data.items || []).catch(() => []),
  ]);
  const periodId = request.period_id || ((request.lines || [])[0] || {}).period_id;
  const period = periodId ? (ctx.periods.get(periodId) || {}).period || null : null;
  if (!request.period_id && periodId) request.period_id = periodId;
  if (!request.child_first_name) request.child_first_name = ctx.childName(request.child_id, '');
  const lines = normaliseLines(request, period);
  const root = h('div', { class: 'planning-page planning-request' });
  const title = `Demande N° ${request.number}`;
  const crumbs = planningCrumbs({ label: title });

  if (step === 'confirmation') {
    root.append(crumbs, pageTitle('Ma demande de modification est complète'), confirmation(request, lines, period));
    return root;
  }
  if (step === 'recapitulatif') {
    root.append(crumbs, pageTitle('Récapitulatif de mes modifications'), h('p', {}, `${title} – ${request.child_first_name || ''}, ${request.period_name || ''}`),
      await recapStep({ request, lines, period, navigate }));
    return root;
  }
  root.append(crumbs, pageTitle(title), requestDetails(request, lines), answerSection(request, navigate, answeredBy),
    lines.length ? modifyScreen({ request, lines, period, query, navigate, root }) : h('p', {}, 'Cette demande n\'a aucune présence.'));
  return root;
}
