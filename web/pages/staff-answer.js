// "/gestion/reponses/{family_id}/{request_id}" — one reservation request and the staff's decision:
// the request, its priority score and why, one row per pattern element (weekday × slot × parity) with
// "Accepter" / "Liste d'attente" / "Refuser" and a motif (required to refuse), the same date by date,
// "Enregistrer la décision" (POST /staff/requests/{family}/{request}/decide), and the confirmation of
// the cancellations the family asked for (POST …/cancellations/confirm).

import { api, post } from '../api.js';
import {
  h, pageTitle, statusRegion, announce, busy, errorSummary, showErrors, clearErrors, radioGroup,
  field, nextId,
} from '../ui.js';
import {
  PLANNING, enc, frenchDate, longDay, plural, activityLabel, statusBadge, countsText,
} from '../planning.js';
import {
  answerBadge, answerOf, elementsOf, elementName, datesOf, outcomeCountText, scoreText,
  countsOfLines,
} from '../answers.js';
import { staffCrumbs } from '../family-file.js';

const DECISIONS = [
  { value: '', label: 'Ne pas changer' },
  { value: 'accepted', label: 'Accepter' },
  { value: 'waitlisted', label: "Liste d'attente" },
  { value: 'refused', label: 'Refuser' },
];
const DECISION_WORDS = { accepted: 'acceptée', waitlisted: "sur liste d'attente", refused: 'refusée' };

const countOf = (value) => (Array.isArray(value) ? value.length : Number(value || 0));

function summary(detail) {
  const counts = detail.counts || countsOfLines(detail.lines || []);
  const rows = [
    ['Enfant', detail.child_name || detail.child_first_name],
    ['Famille', detail.family_id ? h('a', { href: `/gestion/familles/${enc(detail.family_id)}` }, `Dossier de la famille ${detail.family_name || ''}`.trim()) : null],
    ['Structure', detail.structure_name],
    ['Activité', activityLabel(detail.activity)],
    ['Période', detail.period_name],
    ['Date de la demande', frenchDate(detail.created_at)],
    ['Présences', `${plural(detail.line_count ?? (detail.lines || []).length, 'présence', 'présences')}${countsText(counts) ? ` : ${countsText(counts)}` : ''}`],
  ].filter((row) => row[1]);
  return h('div', {},
    h('p', { class: 'request-status answer-now' }, 'Réponse : ', answerBadge(detail)),
    h('dl', { class: 'details' }, rows.map(([t, v]) => [h('dt', {}, t), h('dd', {}, v)])));
}

function scoreSection(detail) {
  const parts = detail.parts || [];
  return h('section', { class: 'panel panel-wide', 'aria-labelledby': 'score-title' },
    h('h2', { id: 'score-title' }, 'Score de priorité'),
    h('p', {}, h('strong', {}, scoreText(detail.score, [])), '.'),
    parts.length
      ? [h('p', {}, 'Pourquoi :'),
        h('ul', { class: 'score-parts' }, parts.map((p) => h('li', {}, `${p.label} : ${plural(p.points, 'point', 'points')}`)))]
      : h('p', {}, 'Aucun critère de priorité ne s\'applique à cette demande.'),
    h('p', { class: 'hint' }, 'Le score classe les demandes en commission et sur la liste d\'attente ; à score égal, la demande la plus ancienne passe en premier.'));
}

function historySection(detail) {
  const history = detail.history || [];
  if (!history.length) return null;
  return h('section', { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Historique de la demande'),
    h('ol', { class: 'history-list' }, history.map((event) => h('li', {},
      h('time', { datetime: event.at }, frenchDate(event.at)), ' : ', event.what))));
}

/** The outcome of a save, in words. */
function savedMessage(result) {
  const parts = [h('p', {}, 'Réponse : ', h('strong', {}, answerOf(result).label), '.')];
  const full = countOf(result.full_dates);
  if (full) {
    parts.push(h('p', { class: 'full-dates' },
      `${plural(full, 'date complète', 'dates complètes')} → liste d'attente : plus de place disponible ${full > 1 ? 'à ces dates' : 'à cette date'}.`));
    if (Array.isArray(result.full_dates) && result.full_dates.length && typeof result.full_dates[0] === 'object') {
      parts.push(h('ul', {}, result.full_dates.slice(0, 10).map((l) => h('li', {},
        `${frenchDate(l.date)}${l.slot_label || l.slot_code ? ` – ${l.slot_label || l.slot_code}` : ''}`))));
    }
  }
  const promoted = countOf(result.promoted_requests);
  if (promoted) {
    parts.push(h('p', {}, `Places libérées attribuées à la liste d'attente : ${plural(promoted, 'demande servie', 'demandes servies')}.`));
  }
  parts.push(h('p', {}, answerOf(result).code === 'pending'
    ? 'Des présences attendent encore une réponse : la famille recevra l\'e-mail de réponse quand toutes en auront une.'
    : 'La famille est prévenue par e-mail.'));
  return parts;
}

function cancellationsSection(detail, onDone) {
  const asked = (detail.lines || []).filter((l) => l.status === 'cancel_requested');
  if (!asked.length) return null;
  const status = statusRegion();
  const confirm = h('button', { type: 'button', class: 'btn btn-primary' }, 'Confirmer les annulations',
    h('span', { class: 'sr-only' }, ` (${asked.length})`));
  confirm.addEventListener('click', async () => {
    try {
      const result = await busy(confirm, () => post(`${PLANNING}/staff/requests/${enc(detail.family_id)}/${enc(detail.request_id)}/cancellations/confirm`, {}), 'Confirmation…');
      const promoted = countOf(result && result.promoted_requests);
      await onDone([
        h('p', {}, `${plural(result ? result.confirmed ?? asked.length : asked.length, 'annulation confirmée', 'annulations confirmées')}.`),
        result && result.freed ? h('p', {}, `${plural(result.freed, 'place libérée', 'places libérées')}.`) : null,
        promoted ? h('p', {}, `Liste d'attente : ${plural(promoted, 'demande a reçu', 'demandes ont reçu')} une place.`) : null,
      ]);
    } catch (error) {
      announce(status, 'error', null, error.message);
    }
  });
  return h('section', { class: 'panel panel-wide', 'aria-labelledby': 'cancel-title' },
    h('h2', { id: 'cancel-title' }, 'Annulations demandées par la famille'),
    h('ul', {}, asked.slice(0, 12).map((l) => h('li', {}, `${frenchDate(l.date)} – ${l.slot_label || l.slot_code}`)),
      asked.length > 12 ? h('li', {}, `et ${plural(asked.length - 12, 'autre', 'autres')}`) : null),
    h('div', { class: 'actions-inline' }, confirm), status);
}

/** One pattern element: its dates and counts, the choice and the motif. */
function elementFieldset(element, index) {
  const name = elementName(element);
  const legendId = nextId('element');
  const n = datesOf(element);
  const counts = outcomeCountText(element.counts);
  return h('fieldset', { class: 'element-decision', 'aria-labelledby': legendId, 'data-element': index },
    h('legend', { id: legendId }, name),
    h('p', { class: 'element-dates' },
      `${plural(n, 'date', 'dates')}${element.first ? ` du ${frenchDate(element.first)} au ${frenchDate(element.last)}` : ''}`,
      counts ? ` : ${counts}` : '', '.'),
    element.reason ? h('p', { class: 'element-reason' }, h('strong', {}, 'Motif actuel : '), element.reason) : null,
    radioGroup({ name: `decision-${index}`, legend: 'Décision', value: '', idPrefix: 'decide', options: DECISIONS }),
    field({ name: `reason-${index}`, label: 'Motif', idPrefix: 'decide', maxlength: 500, autocomplete: 'off',
      hint: 'Obligatoire pour un refus ; il est communiqué à la famille.' }));
}

/** Every line of the request, date by date, each with its own choice and motif. */
function linesTable(lines) {
  const id = nextId('lines-caption');
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id },
    h('table', { class: 'queue lines-decisions' },
      h('caption', { id }, 'Décisions date par date'),
      h('thead', {}, h('tr', {}, ['Date', "Plage d'accueil", 'Statut', 'Décision', 'Motif']
        .map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, lines.map((line, j) => {
        const what = `${longDay(line.date)} – ${line.slot_label || line.slot_code}`;
        const selectId = `decide-line-${j}-decision`;
        const reasonId = `decide-line-${j}-reason`;
        return h('tr', { 'data-line': j },
          h('th', { scope: 'row' }, longDay(line.date)),
          h('td', {}, line.slot_label || line.slot_code),
          h('td', {}, statusBadge(line.status, line.status_label), line.reason ? h('span', { class: 'line-reason' }, ` ${line.reason}`) : null),
          h('td', {}, h('div', { class: 'field compact' },
            h('label', { for: selectId, class: 'sr-only' }, `Décision pour le ${what}`),
            h('p', { class: 'field-error', id: `${selectId}-error`, hidden: true }),
            h('select', { id: selectId, name: `line-${j}-decision`, 'data-field': `line-${j}-decision` },
              DECISIONS.map((d) => h('option', { value: d.value }, d.value ? d.label : '—'))))),
          h('td', {}, h('div', { class: 'field compact' },
            h('label', { for: reasonId, class: 'sr-only' }, `Motif pour le ${what}`),
            h('p', { class: 'field-error', id: `${reasonId}-error`, hidden: true }),
            h('input', { id: reasonId, type: 'text', name: `line-${j}-reason`, 'data-field': `line-${j}-reason`, maxlength: 500, autocomplete: 'off' }))));
      }))));
}

function decisionForm(detail, onSaved) {
  const elements = elementsOf(detail);
  const lines = detail.lines || [];
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer la décision');
  const form = h('form', { novalidate: true, class: 'decision-form', 'aria-labelledby': 'decision-title' },
    h('h2', { id: 'decision-title' }, 'Décision'),
    h('p', {}, 'Pour chaque jour et plage demandés, sur toute la période : accepter (dans la limite des places de chaque date), mettre sur liste d\'attente ou refuser. Un refus doit être motivé ; le motif est communiqué à la famille.'),
    errorSummary(),
    h('div', { class: 'field element-list', 'data-field': 'elements', tabindex: '-1' },
      h('p', { class: 'field-error', id: 'decide-elements-error', hidden: true }),
      elements.length ? elements.map((e, i) => elementFieldset(e, i)) : h('p', {}, 'Cette demande n\'a aucune présence.')),
    lines.length
      ? h('details', { class: 'lines-details' },
        h('summary', {}, `Décider date par date (${plural(lines.length, 'date', 'dates')})`),
        h('p', { class: 'hint' }, 'Une décision prise ici pour une date s\'ajoute aux décisions par jour et plage (elle s\'applique après elles).'),
        h('div', { class: 'field', 'data-field': 'lines', tabindex: '-1' },
          h('p', { class: 'field-error', id: 'decide-lines-error', hidden: true }),
          linesTable(lines)))
      : null,
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = {};
    const body = { elements: [], lines: [] };
    elements.forEach((element, i) => {
      const decision = (form.querySelector(`input[name="decision-${i}"]:checked`) || {}).value || '';
      const reason = form.elements.namedItem(`reason-${i}`).value.trim();
      if (!decision) return;
      if (decision === 'refused' && !reason) fields[`reason-${i}`] = `Indiquez le motif du refus : ${elementName(element)}.`;
      body.elements.push({
        weekday: element.weekday, slot_code: element.slot_code, parity: element.parity || 'all', decision, reason,
      });
    });
    lines.forEach((line, j) => {
      const decision = form.elements.namedItem(`line-${j}-decision`).value;
      const reason = form.elements.namedItem(`line-${j}-reason`).value.trim();
      if (!decision) return;
      if (decision === 'refused' && !reason) {
        fields[`line-${j}-reason`] = `Indiquez le motif du refus : ${longDay(line.date)} – ${line.slot_label || line.slot_code}.`;
      }
      body.lines.push({ date: line.date, slot_code: line.slot_code, decision, reason });
    });
    if (!body.elements.length && !body.lines.length) {
      showErrors(form, { message: 'Choisissez au moins une décision : Accepter, Liste d\'attente ou Refuser.', fields: {} });
      return;
    }
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    clearErrors(form);
    try {
      const result = await busy(submit, () => post(`${PLANNING}/staff/requests/${enc(detail.family_id)}/${enc(detail.request_id)}/decide`, body), 'Enregistrement…');
      await onSaved(result, body);
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return form;
}

export async function render({ params }) {
  const familyId = params.family;
  const requestId = params.request;
  const path = `${PLANNING}/staff/requests/${enc(familyId)}/${enc(requestId)}`;
  let detail = await api(path);
  if (!detail.family_id) detail.family_id = familyId;

  const status = statusRegion();
  const content = h('div', { class: 'answer-content' });
  const title = pageTitle(`Demande N° ${detail.number}`);
  const back = h('a', { href: `/gestion/reponses?structure=${enc(detail.structure_id || '')}` }, 'Retour aux réponses aux demandes');

  const draw = () => {
    content.replaceChildren(...[
      summary(detail),
      scoreSection(detail),
      cancellationsSection(detail, async (message) => {
        detail = { family_id: familyId, ...(await api(path)) };
        draw();
        announce(status, 'success', 'Annulations confirmées.', message);
        title.focus();
      }),
      decisionForm(detail, async (result, body) => {
        const fresh = result && Array.isArray(result.lines) ? result : { ...(await api(path)), ...result };
        detail = { family_id: familyId, ...fresh };
        draw();
        const decided = [...new Set([...body.elements, ...body.lines].map((d) => DECISION_WORDS[d.decision]))];
        announce(status, 'success', `Décision enregistrée (${decided.join(', ')}).`, savedMessage(detail));
        status.scrollIntoView({ block: 'nearest' });
        title.focus({ preventScroll: true });
      }),
      historySection(detail)].filter(Boolean));
  };
  draw();
  return h('div', { class: 'staff-answer', 'data-title': `Demande N° ${detail.number} – Réponses aux demandes` },
    staffCrumbs({ label: 'Réponses aux demandes', href: `/gestion/reponses?structure=${enc(detail.structure_id || '')}` },
      { label: `Demande N° ${detail.number}` }),
    title,
    h('p', { class: 'lead' }, [detail.child_name || detail.child_first_name, detail.period_name].filter(Boolean).join(' – ')),
    status,
    content,
    h('p', {}, back));
}
