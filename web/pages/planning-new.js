// "/mon-compte/planning/ajouter" — "Ajouter": choose the child, the structure and the period, then the
// planning-entry mode of the guide (click a day, "Nouvelle présence", the slots, "Recopier la
// sélection", "Valider"; a séjour copies its first day), "Suivant" → the recap → "Valider" → the
// confirmation with the request number. With ?demande=<id> the same entry mode adds slots to that
// request (POST /requests/{id}/lines). The draft stays in sessionStorage (pf.planning.draft).

import { api, post, newIdempotencyKey } from '../api.js';
import {
  h, pageTitle, selectField, requiredNote, errorSummary, showErrors, clearErrors, alertBox, statusRegion,
  announce, busy, formValue,
} from '../ui.js';
import {
  PLANNING, enc, loadPlanningContext, loadAgenda, loadCalendar, forgetAgenda, monthCalendar, dialog,
  planningCrumbs, notOpenMessage, statusLegend, longDay, frenchDate, todayIso, monthOf, weekdayOf, addDays,
  isIsoDate, gridDays, capitalise, lineStatusLabel, bookingOpen, isSejour, slotText, slotLabel, plural, deadlineText,
  PARITY, WEEKDAY_NAMES,
} from '../planning.js';

const DRAFT_KEY = 'pf.planning.draft';
const DONE_KEY = 'pf.planning.done';
const BASE = '/mon-compte/planning/ajouter';

// --- the draft ---------------------------------------------------------------------------------

function readJson(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}
const saveDraft = (draft) => sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
const clearDraft = () => sessionStorage.removeItem(DRAFT_KEY);

function stepUrl(draft, step) {
  const params = new URLSearchParams();
  if (draft && draft.request_id) params.set('demande', draft.request_id);
  if (step) params.set('etape', step);
  const text = params.toString();
  return text ? `${BASE}?${text}` : BASE;
}

const hasSelection = (draft, period) => (isSejour(period)
  ? (draft.first_day_slots || []).length > 0 : (draft.selection || []).length > 0);

/** The selection of the draft: the body of /requests/{id}/lines (the request fixes the child and the
 * period), which /requests/preview and /requests complete with the child and the period. */
function selectionBody(draft, period) {
  return isSejour(period) ? { first_day_slots: draft.first_day_slots || [] } : { selection: draft.selection || [] };
}

/** The body of /requests/preview and /requests; with the draft's request, preview answers what adding
 * to it would add (the lines it already holds are named among the dates left out). */
function requestBody(draft, period) {
  const body = { child_id: draft.child_id, period_id: draft.period_id, ...selectionBody(draft, period) };
  if (draft.request_id) body.request_id = draft.request_id;
  return body;
}

let lastPreview = { key: null, result: null };
/** POST /requests/preview, remembered for the recap of the same selection. */
async function preview(draft, period) {
  const body = requestBody(draft, period);
  const key = JSON.stringify(body);
  if (lastPreview.key === key) return lastPreview.result;
  const result = await post(`${PLANNING}/requests/preview`, body);
  lastPreview = { key, result };
  return result;
}

/** The error of the API (and its fields) as one alert. */
function errorAlert(error, title = null) {
  const details = [...new Set(Object.values(error.fields || {}).flat())].filter((t) => t && t !== error.message);
  const box = alertBox('error', title, h('p', {}, error.message), details.length ? h('ul', {}, details.map((t) => h('li', {}, t))) : null);
  box.tabIndex = -1;
  return box;
}

/** Two chosen slots that share time, for a French message before asking the API. */
function overlapping(period, codes) {
  const slots = (period.slots || []).filter((s) => codes.includes(s.code) && s.start && s.end);
  for (let i = 0; i < slots.length; i += 1) {
    for (let j = i + 1; j < slots.length; j += 1) {
      if (slots[i].start < slots[j].end && slots[j].start < slots[i].end) return [slots[i], slots[j]];
    }
  }
  return null;
}

/** The first day of a séjour that is open (the day the family clicks). */
async function sejourFirstDay(period) {
  const month = monthOf(period.start);
  const days = await loadCalendar(period.period_id, month).catch(() => new Map());
  for (let d = period.start; d <= period.end; d = addDays(d, 1)) {
    if (monthOf(d) !== month) break;
    const info = days.get(d);
    if (!info || info.open) return d;
  }
  return period.start;
}

// --- step 1: child, structure, period ------------------------------------------------------------

function choiceForm(ctx, navigate, query) {
  const p = 'choice';
  const wantedDate = isIsoDate(query.get('date')) ? query.get('date') : null;
  const draft = readJson(DRAFT_KEY);
  const previous = draft && !draft.request_id ? draft : null;
  const childIds = [...new Set(ctx.open.map((i) => i.child_id))];
  const childSelect = selectField({
    name: 'child_id', label: 'Enfant', required: true, idPrefix: p,
    value: (previous && previous.child_id) || (childIds.length === 1 ? childIds[0] : ''),
    options: childIds.map((id) => ({ value: id, label: ctx.childName(id) })),
  });
  const structureSelect = selectField({ name: 'structure_id', label: 'Établissement', required: true, idPrefix: p, options: [] });
  const periodSelect = selectField({
    name: 'period_id', label: 'Période', required: true, idPrefix: p, options: [],
    hint: 'La période de réservation souhaitée (année scolaire, vacances, séjour).',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Ouvrir le planning');
  const form = h('form', { novalidate: true, class: 'file-form', 'aria-labelledby': 'choice-title' },
    errorSummary(), requiredNote(), childSelect, structureSelect, periodSelect,
    h('div', { class: 'form-actions' },
      h('a', { href: '/mon-compte/planning', class: 'btn btn-secondary' }, 'Annuler'), submit));
  const get = (name) => form.elements.namedItem(name);

  const fill = (select, options, value) => {
    const keep = value && options.some((o) => o.value === value && !o.disabled) ? value : '';
    const enabled = options.filter((o) => !o.disabled);
    select.replaceChildren(h('option', { value: '' }, '— Choisir —'),
      ...options.map((o) => h('option', { value: o.value, disabled: o.disabled || null }, o.label)));
    select.value = keep || (enabled.length === 1 ? enabled[0].value : '');
  };
  const fillStructures = (value) => {
    const child = get('child_id').value;
    const ids = [...new Set(ctx.open.filter((i) => i.child_id === child).map((i) => i.structure_id))];
    fill(get('structure_id'), ids.map((id) => ({ value: id, label: ctx.structureName(id) })), value);
  };
  const fillPeriods = (value) => {
    const child = get('child_id').value;
    const structure = get('structure_id').value;
    const periods = ctx.open.filter((i) => i.child_id === child && i.structure_id === structure)
      .flatMap((i) => i.periods || []).filter((per) => per.end >= todayIso());
    const covering = wantedDate ? periods.find((per) => per.start <= wantedDate && wantedDate <= per.end && bookingOpen(per)) : null;
    fill(get('period_id'), periods.map((per) => ({
      value: per.period_id,
      disabled: !bookingOpen(per),
      label: `${per.name} (du ${frenchDate(per.start)} au ${frenchDate(per.end)})${bookingOpen(per) ? '' : ' – réservations fermées'}`,
    })), value || (covering && covering.period_id));
  };
  fillStructures(previous && previous.structure_id);
  fillPeriods(previous && previous.period_id);
  get('child_id').addEventListener('change', () => { fillStructures(); fillPeriods(); });
  get('structure_id').addEventListener('change', () => fillPeriods());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = { child_id: formValue(form, 'child_id'), structure_id: formValue(form, 'structure_id'), period_id: formValue(form, 'period_id') };
    const fields = {};
    if (!values.child_id) fields.child_id = "Choisissez l'enfant concerné.";
    if (!values.structure_id) fields.structure_id = "Choisissez l'établissement.";
    if (!values.period_id) fields.period_id = 'Choisissez la période souhaitée.';
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    clearErrors(form);
    const same = previous && previous.child_id === values.child_id && previous.period_id === values.period_id;
    const next = same ? { ...previous, ...values } : { ...values, selection: [], first_day_slots: [] };
    if (wantedDate) next.start_date = wantedDate;
    saveDraft(next);
    navigate(stepUrl(next, 'planning'));
  });
  return form;
}

// --- step 2: the planning-entry mode ---------------------------------------------------------------

function entryMode(ctx, draft, period, request, navigate, root) {
  const sejour = isSejour(period);
  const status = statusRegion();
  const feedback = h('div', { class: 'preview-feedback', 'aria-live': 'polite' });
  const selectionBox = h('div', { class: 'selection-box' });
  const box = dialog(root);
  const state = { preview: null, error: null, firstDay: null };
  const previewDates = () => new Map(((state.preview && state.preview.lines) || [])
    .reduce((map, line) => map.set(line.date, [...(map.get(line.date) || []), line.slot_code]), new Map()));
  let calendarInfo = new Map();
  let monthLines = [];

  const weekdaySelection = (weekday) => (draft.selection || []).filter((e) => e.weekday === weekday);

  // Only the answer to the latest selection counts (an earlier, slower preview may answer last).
  let previewSeq = 0;
  async function refreshPreview() {
    const mine = ++previewSeq;
    let result = null;
    let failure = null;
    if (hasSelection(draft, period)) {
      try {
        result = await preview(draft, period);
      } catch (error) {
        failure = error;
      }
    }
    if (mine !== previewSeq) return;
    state.preview = result;
    state.error = failure;
    drawFeedback();
  }

  function drawFeedback() {
    if (state.error) {
      feedback.replaceChildren(errorAlert(state.error, 'Votre sélection ne peut pas être retenue :'));
      return;
    }
    const recap = state.preview && state.preview.recap;
    if (!recap) {
      feedback.replaceChildren(h('p', { class: 'hint' }, 'Aucune présence choisie pour le moment.'));
      return;
    }
    const skipped = recap.skipped || state.preview.skipped || [];
    feedback.replaceChildren(alertBox('info', null,
      h('p', {}, `Votre sélection : ${plural(recap.total_lines, 'présence', 'présences')} sur ${plural(recap.total_days, 'jour', 'jours')}`,
        recap.first ? `, du ${frenchDate(recap.first)} au ${frenchDate(recap.last)}` : '', '.'),
      skipped.length ? h('p', {}, `${plural(skipped.length, 'date déjà demandée ou hors délai ne sera pas retenue', 'dates déjà demandées ou hors délai ne seront pas retenues')} (voir le récapitulatif).`) : null));
  }

  function drawSelection() {
    const items = [];
    if (sejour) {
      if ((draft.first_day_slots || []).length) {
        items.push(h('li', {}, h('strong', {}, 'Premier jour du séjour : '),
          draft.first_day_slots.map((c) => slotLabel(period, c)).join(', '), ' – recopié sur toute la semaine.'));
      }
    } else {
      for (let weekday = 0; weekday < 7; weekday += 1) {
        const elements = weekdaySelection(weekday);
        if (!elements.length) continue;
        const parity = elements[0].parity || 'all';
        const name = capitalise(WEEKDAY_NAMES[weekday]);
        const remove = h('button', { type: 'button', class: 'btn-link' }, 'Retirer', h('span', { class: 'sr-only' }, ` : ${name}`));
        remove.addEventListener('click', async () => {
          draft.selection = draft.selection.filter((e) => e.weekday !== weekday);
          saveDraft(draft);
          announce(status, 'info', null, `${name} : sélection retirée.`);
          await update();
          (selectionBox.querySelector('button') || calendar.node.querySelector('.month-title')).focus();
        });
        items.push(h('li', {}, h('strong', {}, `${name} : `),
          elements.map((e) => slotLabel(period, e.slot_code)).join(', '), ` – ${PARITY[parity].short}. `, remove));
      }
    }
    selectionBox.replaceChildren(
      h('h2', { id: 'selection-title' }, 'Ma sélection'),
      items.length ? h('ul', { class: 'selection-list' }, items)
        : h('p', {}, sejour
          ? 'Cliquez sur le premier jour du séjour, puis sur « Nouvelle présence ».'
          : 'Cliquez sur un jour, puis sur « Nouvelle présence » pour choisir les plages d\'accueil.'));
  }

  async function update(focusDay = null) {
    drawSelection();
    await refreshPreview();
    await calendar.refresh(focusDay);
  }

  // "Lundi 02 Septembre 2024": the slots of the period, "Recopier la sélection", "Valider".
  function slotChoice(date, opener) {
    const weekday = weekdayOf(date);
    const current = sejour ? draft.first_day_slots || [] : weekdaySelection(weekday).map((e) => e.slot_code);
    const parity = sejour ? 'all' : (weekdaySelection(weekday)[0] || {}).parity || 'all';
    const p = 'slots';
    const checks = h('fieldset', { class: 'field checks', id: `${p}-codes`, 'data-field': 'slots', tabindex: '-1' },
      h('legend', {}, "Plages d'accueil"),
      h('p', { class: 'field-error', id: `${p}-codes-error`, hidden: true }),
      (period.slots || []).map((slot, i) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `${p}-${i}`, name: 'slot', value: slot.code, checked: current.includes(slot.code) }),
        h('label', { for: `${p}-${i}` }, slotText(slot)))));
    const form = h('form', { novalidate: true, class: 'slot-form' }, errorSummary(), checks);
    let copyToggle = null;
    if (sejour) {
      form.append(h('p', { class: 'hint' }, 'Le planning se recopie sur toute la semaine du séjour.'));
    } else {
      const copyId = `${p}-copy`;
      copyToggle = h('button', {
        type: 'button', class: 'btn btn-secondary', 'aria-expanded': parity !== 'all' ? 'true' : 'false', 'aria-controls': copyId,
      }, 'Recopier la sélection');
      const copy = h('fieldset', { class: 'field radios copy-choice', id: copyId, role: 'radiogroup', hidden: parity === 'all' },
        h('legend', {}, `Recopier la sélection du ${WEEKDAY_NAMES[weekday]} sur :`),
        h('div', { class: 'radio-list' }, Object.entries(PARITY).map(([value, info], i) => h('div', { class: 'radio' },
          h('input', { type: 'radio', name: 'parity', id: `${copyId}-${i}`, value, checked: value === parity }),
          h('label', { for: `${copyId}-${i}` }, info.label)))));
      copyToggle.addEventListener('click', () => {
        copy.hidden = !copy.hidden;
        copyToggle.setAttribute('aria-expanded', String(!copy.hidden));
        if (!copy.hidden) copy.querySelector('input:checked').focus();
      });
      form.append(
        h('p', { class: 'hint' }, `Votre sélection se reporte sur tous les ${WEEKDAY_NAMES[weekday]}s de la période. « Recopier la sélection » pour choisir les semaines paires ou impaires.`),
        copy);
    }
    const validate = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Valider', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '✓'));
    form.append(h('div', { class: 'dialog-actions' }, copyToggle, validate));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const codes = [...form.querySelectorAll('input[name="slot"]:checked')].map((i) => i.value);
      if (!codes.length && !current.length) {
        showErrors(form, { message: 'Choisissez au moins une plage d\'accueil.', fields: { slots: 'Choisissez au moins une plage d\'accueil.' } });
        return;
      }
      const clash = overlapping(period, codes);
      if (clash) {
        const text = `Les plages ${clash[0].label} et ${clash[1].label} se chevauchent : votre enfant ne peut pas être accueilli dans les deux.`;
        showErrors(form, { message: text, fields: { slots: text } });
        return;
      }
      const chosen = sejour ? 'all' : (form.querySelector('input[name="parity"]:checked') || {}).value || 'all';
      if (sejour) {
        draft.first_day_slots = codes;
      } else {
        draft.selection = [...(draft.selection || []).filter((e) => e.weekday !== weekday),
          ...codes.map((code) => ({ weekday, slot_code: code, parity: chosen }))]
          .sort((a, b) => a.weekday - b.weekday || (period.slots || []).findIndex((s) => s.code === a.slot_code)
            - (period.slots || []).findIndex((s) => s.code === b.slot_code));
      }
      saveDraft(draft);
      box.returnTo(calendar.dayButton(date) || opener);
      box.close();
      const name = capitalise(WEEKDAY_NAMES[weekday]);
      let message;
      if (!codes.length) message = `${name} : sélection retirée.`;
      else if (sejour) message = `${codes.map((c) => slotLabel(period, c)).join(', ')} : recopié sur toute la semaine du séjour.`;
      else message = `${name} : ${codes.map((c) => slotLabel(period, c)).join(', ')}, recopié ${PARITY[chosen].short === 'toutes les semaines' ? 'toutes les semaines' : `les ${PARITY[chosen].short}`}.`;
      announce(status, 'success', null, message);
      await update(date);
    });
    const [dayName, dayNumber, monthName, year] = longDay(date).split(' ');
    box.show(`${capitalise(dayName)} ${dayNumber} ${capitalise(monthName)} ${year}`, form);
  }

  // "Présences du lundi 02 septembre 2024": what the day has, "Nouvelle présence".
  function openDay(date, opener) {
    box.returnTo(opener);
    const info = calendarInfo.get(date);
    const inPeriod = date >= period.start && date <= period.end;
    const closed = (info && !info.open) || !inPeriod || !(period.weekdays || [0, 1, 2, 3, 4]).includes(weekdayOf(date));
    const booked = monthLines.filter((l) => l.date === date);
    const chosen = previewDates().get(date) || [];
    const parts = [];
    if (booked.length) {
      parts.push(h('h3', {}, 'Déjà réservé'), h('ul', { class: 'day-panel-lines' }, booked.map((line) => h('li', {},
        h('span', { class: `day-line line-${line.status}` }, line.slot_label, ` (${lineStatusLabel(line.status)})`)))));
    }
    if (chosen.length) {
      parts.push(h('h3', {}, 'Nouvelle présence'), h('ul', { class: 'day-panel-lines' }, chosen.map((code) => h('li', {},
        h('span', { class: 'day-line line-new' }, slotLabel(period, code))))));
    }
    const weekday = weekdayOf(date);
    const selected = sejour ? draft.first_day_slots || [] : weekdaySelection(weekday).map((e) => e.slot_code);
    if (!booked.length && !chosen.length) parts.push(h('p', {}, 'Aucune présence sur cette journée.'));
    if (!chosen.length && selected.length && !closed && (!sejour || date === state.firstDay)) {
      parts.push(h('p', { class: 'hint' }, 'Cette date n\'est pas retenue par votre sélection (semaine paire ou impaire, ou délai de réservation dépassé).'));
    }
    let action = null;
    // an open day past its booking deadline: said before the family picks anything
    if (!closed && info && info.bookable === false) {
      parts.push(h('p', { class: 'callout callout-warning deadline-passed' }, h('strong', {}, 'Délai de réservation dépassé : '),
        `${info.booking_closed || 'ce jour ne peut plus être réservé.'} `,
        sejour ? '' : `Votre sélection s'appliquera aux ${WEEKDAY_NAMES[weekday]}s suivants dont le délai n'est pas dépassé.`));
    }
    if (closed) {
      parts.push(h('p', { class: 'closed-note' }, inPeriod && info && info.reason
        ? `Jour fermé : ${info.reason}. Aucune présence ne peut être réservée ce jour-là.`
        : `Ce jour n'est pas ouvert à la réservation pour la période ${period.name}.`));
    } else if (sejour && date !== state.firstDay) {
      parts.push(h('p', { class: 'hint' }, `Pour un séjour, cliquez sur le premier jour (${longDay(state.firstDay)}) : le planning se recopie sur toute la semaine.`));
    } else {
      action = h('button', { type: 'button', class: 'btn btn-primary' },
        selected.length ? 'Modifier la sélection' : 'Nouvelle présence', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '⊕'));
      action.addEventListener('click', () => slotChoice(date, opener));
    }
    box.show(`Présences du ${longDay(date)}`, parts, action ? h('div', { class: 'dialog-actions' }, action) : null);
  }

  const today = todayIso();
  let startDate = today > period.start ? today : period.start;
  if (draft.start_date && draft.start_date >= period.start && draft.start_date <= period.end) startDate = draft.start_date;
  if (startDate > period.end) startDate = period.start;
  // a reload comes back to the month shown (?mois=), as the agenda does
  const shown = new URLSearchParams(window.location.search).get('mois');
  const startMonth = /^\d{4}-\d{2}$/.test(shown || '') && shown >= monthOf(period.start) && shown <= monthOf(period.end)
    ? shown : monthOf(startDate);

  const calendar = monthCalendar({
    idPrefix: 'entry',
    onDay: (date, opener) => openDay(date, opener),
    onMonth(month) {
      const url = new URL(window.location.href);
      url.searchParams.set('mois', month);
      history.replaceState(null, '', url.pathname + url.search);
    },
    month: startMonth,
    legend: statusLegend(['pending', 'accepted', 'cancel_requested'], [['day-line line-new', 'Nouvelle présence (à valider)'], ['day-closed-sample', 'Jour fermé']]),
    async load(month) {
      const [days, lines] = await Promise.all([
        loadCalendar(period.period_id, month).catch(() => new Map()),
        loadAgenda(month).catch(() => []),
      ]);
      // Kept per date and per month, never replaced: while the family clicks through months, a slower
      // month's answer arriving last must not take the place of the month shown (its day panel would read
      // a closed day as open).
      for (const [date, info] of days) calendarInfo.set(date, info);
      const mine = lines.filter((l) => l.child_id === draft.child_id);
      monthLines = [...monthLines.filter((l) => monthOf(l.date) !== month), ...mine];
      const byDate = new Map();
      const push = (date, entry) => {
        if (!byDate.has(date)) byDate.set(date, []);
        byDate.get(date).push(entry);
      };
      for (const line of mine) {
        push(line.date, { label: line.slot_label, status: line.status, statusText: lineStatusLabel(line.status) });
      }
      for (const [date, codes] of previewDates()) {
        if (monthOf(date) !== month) continue;
        for (const code of codes) {
          push(date, { label: slotLabel(period, code), status: 'new', statusText: 'Nouvelle présence', marker: '+ ' });
        }
      }
      // Without the calendar, days outside the period or its weekdays still read as closed.
      const all = new Map(days);
      for (const date of gridDays(month)) {
        if (all.has(date)) continue;
        if (date < period.start || date > period.end) all.set(date, { date, open: false, reason: 'Hors période' });
        else if (!(period.weekdays || [0, 1, 2, 3, 4]).includes(weekdayOf(date))) all.set(date, { date, open: false, reason: "Pas d'accueil ce jour-là" });
      }
      return { days: all, lines: byDate };
    },
  });

  const next = h('button', { type: 'button', class: 'btn btn-primary' }, 'Suivant', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '→'));
  next.addEventListener('click', async () => {
    if (!hasSelection(draft, period)) {
      const alert = alertBox('error', null, sejour
        ? 'Choisissez au moins une plage d\'accueil : cliquez sur le premier jour du séjour, puis sur « Nouvelle présence ».'
        : 'Choisissez au moins une plage d\'accueil : cliquez sur un jour, puis sur « Nouvelle présence ».');
      alert.tabIndex = -1;
      feedback.replaceChildren(alert);
      alert.focus();
      return;
    }
    await busy(next, refreshPreview, 'Vérification…');
    if (state.error) {
      feedback.querySelector('.alert').focus();
      return;
    }
    navigate(stepUrl(draft, 'recapitulatif'));
  });
  const cancel = h('a', { href: '/mon-compte/planning', class: 'btn btn-secondary', onclick: () => clearDraft() }, 'Annuler la saisie');

  drawSelection();
  const ready = (async () => {
    if (sejour) state.firstDay = await sejourFirstDay(period);
    await refreshPreview();
    await calendar.refresh();
    if (draft.start_date && !hasSelection(draft, period)) {
      const opener = calendar.dayButton(draft.start_date);
      if (opener) {
        delete draft.start_date;
        saveDraft(draft);
        openDay(opener.dataset.date, opener);
      }
    }
  })();
  ready.catch(() => {});

  const rules = [deadlineText(period.booking_deadline, 'réservation')].filter(Boolean);
  return h('div', { class: 'entry-mode' },
    h('p', { class: 'lead' }, sejour
      ? 'Le planning s\'ouvre : saisissez votre demande de réservation en cliquant sur le premier jour du séjour. Le planning se recopie sur toute la semaine.'
      : 'Le planning s\'ouvre : cliquez sur un jour puis sur « Nouvelle présence », choisissez les plages d\'accueil et validez. Répétez pour les autres jours de la semaine : votre planning se reporte sur toute la période (semaines paires ou impaires si vous le souhaitez).'),
    rules.length ? h('p', { class: 'hint' }, rules.join(' ')) : null,
    status, feedback,
    calendar.node,
    h('aside', { class: 'entry-side', 'aria-labelledby': 'selection-title' }, selectionBox),
    h('div', { class: 'form-actions planning-footer' }, cancel, next));
}

// --- step 3: the recap ---------------------------------------------------------------------------

function recapTable(recap, period) {
  const rows = (recap && recap.rows) || [];
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'recap-caption' },
    h('table', { class: 'recap-table' },
      h('caption', { id: 'recap-caption' }, 'Présences demandées'),
      h('thead', {}, h('tr', {}, ['Jour', "Plage d'accueil", 'Nombre de dates', 'Première date', 'Dernière date']
        .map((label) => h('th', { scope: 'col' }, label)))),
      // data-label: on a phone each row reads as a small card, its cells named (no sideways scroll)
      h('tbody', {}, rows.map((row) => h('tr', {},
        h('th', { scope: 'row' }, capitalise(String(row.weekday))),
        h('td', { 'data-label': "Plage d'accueil" }, row.slot || slotLabel(period, row.slot_code)),
        h('td', { class: 'num', 'data-label': 'Nombre de dates' }, String(row.count)),
        h('td', { 'data-label': 'Première date' }, frenchDate(row.first)),
        h('td', { 'data-label': 'Dernière date' }, frenchDate(row.last))))),
      h('tfoot', {}, h('tr', {},
        h('th', { scope: 'row', colspan: '2' }, 'Total'),
        h('td', { class: 'num', 'data-label': 'Présences' }, String(recap.total_lines)),
        h('td', { colspan: '2', 'data-label': 'Jours' }, `${plural(recap.total_days, 'jour', 'jours')}`,
          recap.first ? `, du ${frenchDate(recap.first)} au ${frenchDate(recap.last)}` : '')))));
}

/** The dates the API leaves out, by reason (past the booking deadline; already requested, with the
 * request's number): a count per reason, every date named. */
function skippedList(skipped, period) {
  if (!skipped || !skipped.length) return null;
  const groups = [
    ['already_requested', 'déjà demandée : elle n\'est pas demandée une deuxième fois', 'déjà demandées : elles ne sont pas demandées une deuxième fois'],
    ['deadline', 'n\'est pas retenue : le délai de réservation est dépassé', 'ne sont pas retenues : le délai de réservation est dépassé'],
  ];
  const kindOf = (s) => (s.kind === 'already_requested' ? 'already_requested' : 'deadline');
  return h('section', { class: 'skipped', 'aria-labelledby': 'skipped-title' },
    h('h2', { id: 'skipped-title' }, 'Dates non retenues'),
    groups.map(([kind, one, many]) => {
      const items = skipped.filter((s) => kindOf(s) === kind).sort((a, b) => a.date.localeCompare(b.date));
      if (!items.length) return null;
      return [h('p', {}, `${items.length} ${items.length > 1 ? `dates ${many}` : `date ${one}`}`,
        items.length > 1 ? ` (du ${frenchDate(items[0].date)} au ${frenchDate(items[items.length - 1].date)}).` : ` (le ${frenchDate(items[0].date)}).`),
      h('ul', { class: 'skipped-dates', 'aria-label': kind === 'deadline' ? 'Dates hors délai' : 'Dates déjà demandées' },
        items.map((s) => h('li', {},
          h('strong', {}, `${frenchDate(s.date)} – ${slotLabel(period, s.slot_code)}`), s.reason ? ` : ${s.reason}` : '')))];
    }));
}

function summary(ctx, draft, period, request) {
  const rows = [
    request ? ['Demande', `N° ${request.number} (le ${frenchDate(request.created_at)})`] : null,
    ['Enfant', ctx.childName(draft.child_id, request && request.child_first_name)],
    ['Établissement', ctx.structureName(draft.structure_id || (ctx.periods.get(draft.period_id)?.item || {}).structure_id || period.structure_id, request && request.structure_name)],
    ['Période', `${period.name} (du ${frenchDate(period.start)} au ${frenchDate(period.end)})`],
  ].filter(Boolean);
  return h('dl', { class: 'details planning-summary' }, rows.map(([t, v]) => [h('dt', {}, t), h('dd', {}, v)]));
}

async function recapStep(ctx, draft, period, request, navigate) {
  const back = h('a', { href: stepUrl(draft, 'planning'), class: 'btn btn-secondary' },
    h('span', { class: 'btn-icon btn-icon-before', 'aria-hidden': 'true' }, '←'), 'Modifier mon planning');
  let result;
  try {
    result = await preview(draft, period);
  } catch (error) {
    return h('div', {}, errorAlert(error, 'Votre sélection ne peut pas être retenue :'), h('div', { class: 'form-actions' }, back));
  }
  const recap = result.recap || { rows: [], total_lines: 0, total_days: 0 };
  const outcome = h('div');
  const validate = h('button', { type: 'button', class: 'btn btn-primary' }, 'Valider', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '✓'));
  // One key for this recap: pressing « Valider » again (after a lost answer) answers the first result.
  const idempotencyKey = newIdempotencyKey();
  validate.addEventListener('click', async () => {
    outcome.replaceChildren();
    try {
      const done = await busy(validate, () => (draft.request_id
        ? post(`${PLANNING}/requests/${enc(draft.request_id)}/lines`, selectionBody(draft, period), { idempotencyKey })
        : post(`${PLANNING}/requests`, requestBody(draft, period), { idempotencyKey })), 'Envoi en cours…');
      sessionStorage.setItem(DONE_KEY, JSON.stringify({
        added: Boolean(draft.request_id),
        request_id: done.request_id || draft.request_id,
        number: done.number || (request && request.number),
        created_at: done.created_at || (request && request.created_at),
        line_count: done.line_count,
        recap: done.recap || null,
        skipped: done.skipped || [],
        period_id: period.period_id,
        first: (done.recap && done.recap.first) || recap.first,
        sejour: isSejour(period),
      }));
      clearDraft();
      lastPreview = { key: null, result: null };
      forgetAgenda();
      navigate(`${BASE}?etape=confirmation`);
    } catch (error) {
      const alert = errorAlert(error, 'Votre demande n\'a pas pu être enregistrée :');
      outcome.replaceChildren(alert);
      alert.focus();
    }
  });
  return h('div', { class: 'planning-recap' },
    h('p', { class: 'lead' }, 'Un récapitulatif de ma demande apparaît. Je valide ma demande en bas de page avec le bouton « Valider ».'),
    summary(ctx, draft, period, request),
    recapTable(recap, period),
    skippedList(recap.skipped || result.skipped, period),
    deadlineText(period.booking_deadline, 'réservation')
      ? h('p', { class: 'hint' }, deadlineText(period.booking_deadline, 'réservation'), ' Les dates dont le délai est dépassé au moment de l\'envoi ne seront pas retenues.')
      : null,
    outcome,
    h('div', { class: 'form-actions planning-footer' }, back, validate));
}

// --- step 4: the confirmation ---------------------------------------------------------------------

function confirmation(ctx) {
  const done = readJson(DONE_KEY);
  if (!done) {
    return h('div', {}, h('p', {}, 'Aucune demande n\'a été envoyée depuis cette page.'),
      h('p', {}, h('a', { href: '/mon-compte/planning' }, 'Retour à mon planning')));
  }
  const period = ctx.periods.get(done.period_id)?.period || null;
  const recap = done.recap || {};
  // what this act asked for (the recap's total), not the request's total after an addition
  const count = recap.total_lines ?? done.line_count;
  const month = done.first ? monthOf(done.first) : null;
  return h('div', { class: 'planning-done' },
    alertBox('success', done.added ? 'Les présences sont ajoutées à votre demande.' : 'Votre demande de réservation est enregistrée.',
      h('p', { class: 'request-number' }, `N° ${done.number}`, done.created_at ? ` (le ${frenchDate(done.created_at)})` : ''),
      count !== undefined && count !== null
        ? h('p', {}, done.added ? `${plural(count, 'présence ajoutée', 'présences ajoutées')}, en attente de réponse.` : `${plural(count, 'présence demandée', 'présences demandées')}, en attente de réponse.`)
        : null,
      h('p', {}, 'Un mail récapitulatif vous a été adressé.')),
    recap.rows && recap.rows.length ? recapTable(recap, period) : null,
    skippedList(done.skipped || recap.skipped, period),
    done.sejour
      ? [h('p', {}, 'Votre demande reste en attente jusqu\'à la validation du coordinateur séjours.'),
        h('p', {}, 'Votre demande est complète. Le coordinateur séjours reviendra vers vous.')]
      : [h('p', {}, 'Ma demande de pré-inscription est complète. En période de pré-inscription périscolaire, reportez-vous à votre lettre d\'information pour connaître la date du retour de la commission d\'attribution des places.'),
        h('p', {}, 'En dehors de cette période, le responsable de la structure vous informera de la suite donnée à votre demande.')],
    done.sejour ? null
      : h('p', {}, 'Pour une demande concernant un deuxième établissement (le mercredi, par exemple), faites une deuxième demande avec « Ajouter ».'),
    h('div', { class: 'actions' },
      h('a', { href: month ? `/mon-compte/planning?mois=${month}` : '/mon-compte/planning', class: 'btn btn-primary' }, 'Voir mon planning'),
      h('a', { href: BASE, class: 'btn btn-secondary' }, 'Ajouter une autre demande')));
}

// --- the page --------------------------------------------------------------------------------------

export async function render({ query, navigate }) {
  const step = query.get('etape') || '';
  const requestId = query.get('demande');
  const ctx = await loadPlanningContext();
  const root = h('div', { class: 'planning-page planning-new' });
  const crumbs = (label) => planningCrumbs({ label });

  if (step === 'confirmation') {
    root.append(crumbs('Confirmation'), pageTitle('Ma demande est complète'), confirmation(ctx));
    return root;
  }

  // Adding slots to an existing request: its child and period, whatever the draft says.
  let request = null;
  let draft = readJson(DRAFT_KEY);
  if (requestId) {
    try {
      request = await api(`${PLANNING}/requests/${enc(requestId)}`);
    } catch (error) {
      root.append(crumbs('Ajouter des présences'), pageTitle('Ajouter des présences'), alertBox('error', null, error.message));
      return root;
    }
    const lines = request.lines || [];
    const periodId = request.period_id || (lines[0] && lines[0].period_id);
    if (!draft || draft.request_id !== request.request_id) {
      draft = {
        request_id: request.request_id, child_id: request.child_id || (lines[0] && lines[0].child_id),
        period_id: periodId, structure_id: request.structure_id || (lines[0] && lines[0].structure_id),
        selection: [], first_day_slots: [],
      };
      saveDraft(draft);
    }
  } else if (draft && draft.request_id) {
    draft = null; // a draft of "Ajouter des présences" does not belong to a new request
  }

  if (!requestId && !step) {
    root.append(crumbs('Ajouter'), pageTitle('Nouvelle demande de réservation'));
    if (!ctx.open.length) {
      root.append(await notOpenMessage(ctx));
      return root;
    }
    root.append(
      h('div', { class: 'callout callout-warning' },
        h('p', {}, h('strong', {}, 'Plusieurs établissements : '), 'pour une demande concernant plusieurs établissements (premier établissement pour les jours scolaires, deuxième établissement pour le mercredi), il faudra faire deux demandes de réservation.'),
        h('p', {}, h('strong', {}, 'Hors de mon territoire : '), 'pour un établissement en dehors de mon territoire, je contacte la structure d\'accueil concernée.')),
      h('h2', { id: 'choice-title' }, "Je sélectionne l'établissement et la période souhaitée"),
      choiceForm(ctx, navigate, query));
    if (ctx.items.some((i) => i.status === 'awaiting_validation')) root.append(await notOpenMessage(ctx));
    return root;
  }

  const period = draft && ctx.periods.get(draft.period_id)?.period;
  if (!draft || !period) {
    root.append(crumbs('Ajouter'), pageTitle('Nouvelle demande de réservation'),
      alertBox('info', null, h('p', {}, 'Choisissez d\'abord l\'enfant, l\'établissement et la période.'),
        h('p', {}, h('a', { href: BASE }, 'Nouvelle demande de réservation'))));
    return root;
  }
  if (request && !bookingOpen(period)) {
    root.append(crumbs('Ajouter des présences'), pageTitle(`Ajouter des présences – Demande N° ${request.number}`),
      alertBox('info', null, `Les réservations de la période ${period.name} sont fermées : il n'est plus possible d'ajouter des présences à cette demande.`));
    return root;
  }

  const title = request ? `Ajouter des présences – Demande N° ${request.number}` : 'Nouvelle demande de réservation';
  if (step === 'recapitulatif') {
    if (!hasSelection(draft, period)) {
      navigate(stepUrl(draft, 'planning'), { replace: true });
      return h('div');
    }
    root.append(crumbs(request ? 'Ajouter des présences' : 'Ajouter'), pageTitle('Récapitulatif de ma demande'),
      await recapStep(ctx, draft, period, request, navigate));
    root.dataset.title = `Récapitulatif – ${title}`;
    return root;
  }
  root.append(crumbs(request ? 'Ajouter des présences' : 'Ajouter'), pageTitle(title),
    summary(ctx, draft, period, request),
    request ? null : h('p', {}, h('a', { href: BASE }, 'Changer d\'enfant, d\'établissement ou de période')),
    entryMode(ctx, draft, period, request, navigate, root));
  return root;
}
