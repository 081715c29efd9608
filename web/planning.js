// "Mon planning" as its screens share it: the planning API (docs/api/planning.md), French words of
// statuses and dates, the month grid (Monday → Sunday, blue arrows, "Aujourd'hui"), the dialogs
// ("Présences du lundi 02 septembre 2024", the slot card) and the loading of what a family may book.

import { api } from './api.js';
import { h, alertBox } from './ui.js';
import { loadFamily, loadCatalogue, frenchDate, accountCrumbs, missingHref } from './family-file.js';

export const PLANNING = '/api/planning';
export const enc = encodeURIComponent;

// --- words -----------------------------------------------------------------

/**
 * Status of a reservation line, as the family and the staff read it: filled from the API (`statuses` of
 * GET /plannings, planning's one table of labels) by loadPlanningContext; lines also carry `status_label`.
 */
export const LINE_STATUS = {};
export const rememberStatuses = (statuses) => {
  for (const s of statuses || []) LINE_STATUS[s.code] = s.label;
};
export const lineStatusLabel = (status) => LINE_STATUS[status] || status || '';
const COUNT_WORDS = {
  pending: ['en attente', 'en attente'],
  accepted: ['acceptée', 'acceptées'],
  offered: ['place proposée', 'places proposées'],
  waitlisted: ["sur liste d'attente", "sur liste d'attente"],
  refused: ['refusée', 'refusées'],
  cancel_requested: ['annulation demandée', 'annulations demandées'],
  cancelled: ['annulée', 'annulées'],
};
/** "12 en attente, 2 acceptées, 1 annulation demandée" from {"pending": 12, …}. */
export const countsText = (counts) => Object.keys(COUNT_WORDS).filter((key) => (counts || {})[key])
  .map((key) => `${counts[key]} ${COUNT_WORDS[key][counts[key] > 1 ? 1 : 0]}`).join(', ');

/** Lines a family may still ask to cancel. */
export const CANCELLABLE = ['pending', 'accepted', 'waitlisted'];

export const ACTIVITY_LABEL = {
  periscolaire: 'PERISCOLAIRE', mercredi: 'MERCREDI', creche: 'CRECHE', sejour: 'SEJOUR',
};
export const activityLabel = (activity) => ACTIVITY_LABEL[activity] || (activity || '').toUpperCase();

export const PARITY = {
  all: { label: 'Toutes les semaines', short: 'toutes les semaines' },
  even: { label: 'Semaines paires', short: 'semaines paires' },
  odd: { label: 'Semaines impaires', short: 'semaines impaires' },
};

export const WEEKDAY_NAMES = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
const MONTH_NAMES = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre',
  'octobre', 'novembre', 'décembre'];
export const capitalise = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);
export const plural = (n, one, many) => `${n} ${n > 1 ? many : one}`;

// --- dates (ISO strings "YYYY-MM-DD", computed in UTC so that no time zone shifts a day) ---------

const pad = (n) => String(n).padStart(2, '0');
const parseIso = (iso) => {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
};
const toIso = (date) => date.toISOString().slice(0, 10);

export function todayIso() {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
export const addDays = (iso, n) => {
  const d = parseIso(iso);
  d.setUTCDate(d.getUTCDate() + n);
  return toIso(d);
};
/** 0 = Monday … 6 = Sunday, as the API counts. */
export const weekdayOf = (iso) => (parseIso(iso).getUTCDay() + 6) % 7;
export const monthOf = (iso) => iso.slice(0, 7);
export const isMonth = (value) => /^\d{4}-(0[1-9]|1[0-2])$/.test(value || '');
export const isIsoDate = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value || '');

export function shiftMonth(month, n) {
  const [y, m] = month.split('-').map(Number);
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${pad((total % 12) + 1)}`;
}

/** "Septembre 2024". */
export function monthTitle(month) {
  const [y, m] = month.split('-').map(Number);
  return capitalise(`${MONTH_NAMES[m - 1]} ${y}`);
}

/** "lundi 02 septembre 2024" (the guide's "Présences du lundi 02 septembre 2024"). */
export function longDay(iso) {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${WEEKDAY_NAMES[weekdayOf(iso)]} ${pad(d)} ${MONTH_NAMES[m - 1]} ${y}`;
}

/** "2 septembre 2024" (the rest of a day button's name). */
const dayAndMonth = (iso) => {
  const [y, m, d] = iso.split('-').map(Number);
  return { day: String(d), month: `${MONTH_NAMES[m - 1]} ${y}` };
};

/** The days of a month's grid: Monday of its first week to Sunday of its last. */
export function gridDays(month) {
  const first = `${month}-01`;
  const last = addDays(`${shiftMonth(month, 1)}-01`, -1);
  const days = [];
  for (let d = addDays(first, -weekdayOf(first)); d <= addDays(last, 6 - weekdayOf(last)); d = addDays(d, 1)) {
    days.push(d);
  }
  return days;
}

export { frenchDate };

/** "J-2 avant 10:00" as a sentence. */
export function deadlineText(rule, action) {
  if (!rule || rule.days_before === undefined) return null;
  const days = rule.days_before === 0 ? 'le jour même' : `${plural(rule.days_before, 'jour ouvré', 'jours ouvrés')} avant`;
  return `${capitalise(action)} possible jusqu'à ${days}${rule.hour ? `, avant ${rule.hour.replace(':', 'h')}` : ''}.`;
}

/** Whether the booking window of a period includes today (unknown bounds count as open). */
export function bookingOpen(period, today = todayIso()) {
  if (!period) return false;
  const opens = period.booking_opens ? String(period.booking_opens).slice(0, 10) : null;
  const closes = period.booking_closes ? String(period.booking_closes).slice(0, 10) : null;
  return (!opens || today >= opens) && (!closes || today <= closes) && (!period.end || today <= period.end);
}

export const isSejour = (period) => Boolean(period) && (period.activity === 'sejour' || Boolean(period.sejour_id));

/** "PERISCOLAIRE MIDI (11h45 – 13h45)". */
export const slotText = (slot) => (slot.start && slot.end
  ? `${slot.label} (${slot.start.replace(':', 'h')} – ${slot.end.replace(':', 'h')})` : slot.label);

export const slotLabel = (period, code) => {
  const slot = period && (period.slots || []).find((s) => s.code === code);
  return slot ? slot.label : code;
};

// --- loading --------------------------------------------------------------------------------

let cataloguePromise = null;
/** Structures and periods (planning's catalogue; the enrolment read model gives names if it fails). */
export function loadPlanningCatalogue() {
  if (!cataloguePromise) {
    cataloguePromise = api(`${PLANNING}/catalogue`)
      .catch(() => loadCatalogue().then((c) => ({ structures: c.structures || [], periods: [] })))
      .catch(() => ({ structures: [], periods: [] }));
    cataloguePromise.then((c) => { if (!c.periods.length) cataloguePromise = null; });
  }
  return cataloguePromise;
}

/**
 * What the family may book: GET /plannings, the family file (children's names, requests) and the
 * catalogue (structure names). `open` lists {item, period} of the open items.
 */
export async function loadPlanningContext() {
  const [plannings, family, catalogue] = await Promise.all([
    api(`${PLANNING}/plannings`),
    loadFamily().catch(() => null),
    loadPlanningCatalogue(),
  ]);
  rememberStatuses(plannings && plannings.statuses);
  const items = (plannings && plannings.items) || [];
  const children = new Map(((family && family.children) || []).map((c) => [c.child_id, c]));
  const structures = new Map((catalogue.structures || []).map((s) => [s.structure_id, s]));
  const periods = new Map();
  for (const item of items) {
    for (const period of item.periods || []) periods.set(period.period_id, { period, item });
  }
  for (const period of catalogue.periods || []) {
    if (!periods.has(period.period_id)) periods.set(period.period_id, { period, item: null });
  }
  const open = items.filter((item) => item.status === 'open');
  return {
    items, open, message: plannings && plannings.message, family, children, structures, periods,
    childName: (id, fallback) => (children.get(id) || {}).first_name
      || (items.find((i) => i.child_id === id && i.child_first_name) || {}).child_first_name || fallback || 'Enfant',
    structureName: (id, fallback) => (structures.get(id) || {}).name || fallback || id,
    manyChildren: new Set(open.map((i) => i.child_id)).size > 1,
  };
}

/** The period a booked line belongs to (from the open plannings or the catalogue). */
export const periodOf = (ctx, periodId) => (ctx.periods.get(periodId) || {}).period || null;

const calendarCache = new Map();
/** Open and closed days of a period's month grid: Map date → {open, reason}. */
export async function loadCalendar(periodId, month) {
  if (!periodId) return new Map();
  const key = `${periodId}|${month}`;
  if (!calendarCache.has(key)) {
    calendarCache.set(key, api(`${PLANNING}/calendar?period_id=${enc(periodId)}&month=${month}`)
      .then((data) => new Map(((data && data.days) || []).map((d) => [d.date, d])))
      .catch((error) => {
        calendarCache.delete(key);
        throw error;
      }));
  }
  return calendarCache.get(key);
}

/** Several periods' month grids in one call (GET /calendars): Map period_id → Map date → {open, reason}. */
export async function loadCalendars(periodIds, month) {
  const ids = [...new Set(periodIds)].sort();
  if (!ids.length) return new Map();
  const data = await api(`${PLANNING}/calendars?period_ids=${ids.map(enc).join(',')}&month=${month}`);
  return new Map(((data && data.periods) || []).map((p) => [p.period_id, new Map((p.days || []).map((d) => [d.date, d]))]));
}

/** The family's bookable (child, period) pairs whose period touches the month. */
export function agendaPairs(ctx, month) {
  const pairs = [];
  for (const item of ctx.open) {
    for (const period of item.periods || []) {
      if (monthOf(period.start) <= month && monthOf(period.end) >= month) pairs.push({ child_id: item.child_id, period });
    }
  }
  return pairs;
}

const agendaCache = new Map();
/** The family's lines of a month (every child, every request). */
export async function loadAgenda(month, { fresh = false } = {}) {
  if (fresh || !agendaCache.has(month)) {
    agendaCache.set(month, api(`${PLANNING}/agenda?month=${month}`)
      .then((data) => (data && data.lines) || [])
      .catch((error) => {
        agendaCache.delete(month);
        throw error;
      }));
  }
  return agendaCache.get(month);
}
/** After a request or a cancellation: the lines have changed. */
export const forgetAgenda = () => agendaCache.clear();

// --- shared blocks ----------------------------------------------------------------------------

export const planningCrumbs = (...items) => (items.length
  ? accountCrumbs({ label: 'Mon planning', href: '/mon-compte/planning' }, ...items)
  : accountCrumbs({ label: 'Mon planning' }));

/** The two tabs of "Mon planning", the current one marked. */
export function planningTabs(current) {
  const tabs = [
    { key: 'agenda', href: '/mon-compte/planning', label: 'Agenda' },
    { key: 'historique', href: '/mon-compte/planning/historique', label: 'Historique' },
  ];
  return h('nav', { class: 'subnav planning-tabs', 'aria-label': 'Mon planning' },
    h('ul', {}, tabs.map((t) => h('li', {},
      h('a', { href: t.href, 'aria-current': t.key === current ? 'page' : null }, t.label)))));
}

export const statusBadge = (status, text) =>
  h('span', { class: `status line-status status-line-${status}` }, text || lineStatusLabel(status));

/** "Votre planning n'est pas encore ouvert": the API's message, what waits, what is missing (links). */
export async function notOpenMessage(ctx) {
  const family = ctx.family || { requests: [] };
  const waiting = ctx.items.filter((i) => i.status === 'awaiting_validation');
  const parts = [
    h('p', { class: 'alert-title' }, "Votre planning de réservation n'est pas encore ouvert."),
    // the API's sentence when it gives one, else the guide's: said once
    h('p', {}, ctx.message || 'Mon compte doit être validé par le responsable de la structure pour me permettre d\'accéder au planning de réservation. Un mail automatique me sera adressé dès que la validation sera effective.'),
  ];
  if (waiting.length) {
    parts.push(h('ul', {}, waiting.map((i) => h('li', {},
      `${ctx.childName(i.child_id)} – ${ctx.structureName(i.structure_id)} : en attente de validation par le responsable de la structure.`))));
  }
  const box = alertBox('info', null, parts);
  const todo = (family.requests || []).filter((r) => ['draft', 'returned', 'revoked'].includes(r.status));
  const submitted = (family.requests || []).filter((r) => r.status === 'submitted');
  const more = [];
  if (submitted.length && !waiting.length) {
    more.push(h('p', {}, 'Demande(s) transmise(s), en attente de validation : ',
      submitted.map((r) => `${r.child_first_name || 'enfant'} (${(r.structure_names || []).join(', ') || r.kind})`).join(', '), '.'));
  }
  const checks = await Promise.all(todo.map((r) => api(`/api/enrolment/requests/${enc(r.request_id)}/completeness`)
    .then((c) => ({ request: r, missing: c.complete ? [] : c.missing || [] }), () => ({ request: r, missing: [] }))));
  for (const { request, missing } of checks) {
    const title = `${request.child_first_name || 'Enfant'} – ${(request.structure_names || []).join(', ') || request.kind}`;
    more.push(h('div', { class: 'alert alert-info missing' },
      h('p', { class: 'alert-title' }, `${title} : il vous reste à compléter :`),
      missing.length
        ? h('ul', {}, missing.map((m) => h('li', {}, h('a', { href: missingHref(m) }, m.label))))
        : h('p', {}, h('a', { href: '/mon-compte' }, 'Valider ma demande de pré-inscription'), '.'),
      h('p', { class: 'hint' }, 'En cliquant sur les informations manquantes, vous serez automatiquement redirigé(e) vers les informations à compléter. Je devrai attendre une nouvelle validation du responsable.')));
  }
  if (!(family.requests || []).length) {
    more.push(h('p', {}, 'Commencez par une pré-inscription : ',
      h('a', { href: '/mon-compte/preinscriptions/periscolaire' }, 'périscolaire'), ', ',
      h('a', { href: '/mon-compte/preinscriptions/creche' }, 'crèche'), ' ou ',
      h('a', { href: '/mon-compte/preinscriptions/sejours' }, 'séjours'), '.'));
  }
  return h('div', { class: 'planning-closed' }, box, more);
}

// --- dialogs ------------------------------------------------------------------------------------

let dialogSeq = 0;
/**
 * A modal dialog (native <dialog>: focus kept inside, Escape closes) placed in `host`. `show(title,
 * ...content)` fills it and moves the focus to its title; closing gives the focus back to `opener`.
 */
export function dialog(host, { className = '' } = {}) {
  const id = `dialog-${++dialogSeq}`;
  const title = h('h2', { id: `${id}-title`, tabindex: '-1' });
  const body = h('div', { class: 'dialog-body' });
  const close = h('button', { type: 'button', class: 'dialog-close', title: 'Fermer' },
    h('span', { 'aria-hidden': 'true' }, '✕'), h('span', { class: 'sr-only' }, 'Fermer'));
  const el = h('dialog', { class: `pf-dialog ${className}`, 'aria-labelledby': `${id}-title` },
    h('div', { class: 'dialog-head' }, title, close), body);
  let opener = null;
  close.addEventListener('click', () => el.close());
  el.addEventListener('click', (event) => {
    if (event.target === el) el.close(); // a click on the backdrop
    else if (event.target.closest('a[href]')) el.close(); // a link leaves the dialog
  });
  el.addEventListener('close', () => {
    const back = opener;
    opener = null;
    if (back && back.isConnected) back.focus();
  });
  host.append(el);
  return {
    el,
    body,
    get open() { return el.open; },
    show(text, ...content) {
      if (!el.open) opener = document.activeElement;
      title.textContent = text;
      body.replaceChildren(...content.flat(Infinity).filter(Boolean));
      if (!el.open) el.showModal();
      title.focus();
    },
    /** Where the focus goes when the dialog closes (e.g. a redrawn day button). */
    returnTo(node) { opener = node; },
    close() { if (el.open) el.close(); },
  };
}

/**
 * The slot card of the guide: "PERISCOLAIRE MIDI", "Le 03/09/2024", status (and the motif of a refusal
 * or of a waiting list), "Réservation",
 * "N° 000019 (le 24/01/2024)", child, structure, activity, period; `actions` below.
 */
export function slotCard(line, { showChild = true, extra = null } = {}, ...actions) {
  const rows = [
    ['Demande', `N° ${line.request_number} (le ${frenchDate(line.request_date)})`],
    showChild ? ['Enfant', line.child_first_name] : null,
    ['Structure', line.structure_name],
    ['Activité', activityLabel(line.activity)],
    ['Période', line.period_name],
  ].filter((row) => row && row[1]);
  return h('div', { class: 'slot-card' },
    h('p', { class: 'slot-card-date' }, `Le ${frenchDate(line.date)}`),
    h('p', {}, statusBadge(line.status, line.status_label)),
    line.reason && ['refused', 'waitlisted'].includes(line.status)
      ? h('p', { class: 'line-reason' }, h('strong', {}, line.status === 'refused' ? 'Motif du refus : ' : 'Motif : '), line.reason)
      : null,
    extra,
    h('h3', {}, 'Réservation'),
    h('dl', { class: 'details slot-details' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    actions.length ? h('div', { class: 'dialog-actions' }, actions) : null);
}

// --- the month grid -------------------------------------------------------------------------------

/**
 * A month Monday → Sunday with the blue arrows and "Aujourd'hui". Days are buttons (arrow keys move
 * between them); under 600 px the month is a list of its days.
 *
 * load(month) → {days: Map date → {open, reason}, lines: Map date → [Entry], note?}; an Entry is
 * {label, detail?, status, statusText, onClick?, marker?}: with onClick it is a button (a booked slot).
 * onDay(date) opens the day; onMonth(month) is told of each change, before the month loads.
 */
export function monthCalendar({ idPrefix, month, load, onDay, onMonth, legend = null }) {
  const titleId = `${idPrefix}-month`;
  let current = month;
  const heading = h('h2', { id: titleId, class: 'month-title', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'month-arrow' });
  const next = h('button', { type: 'button', class: 'month-arrow' });
  const todayButton = h('button', { type: 'button', class: 'btn btn-secondary btn-small month-today' }, "Aujourd'hui");
  const body = h('div', { class: 'month-body', 'aria-busy': 'true' });
  const note = h('p', { class: 'hint month-note' });
  const node = h('section', { class: 'planning-month', 'aria-labelledby': titleId },
    h('div', { class: 'month-nav' },
      h('div', { class: 'month-arrows' }, todayButton, prev, next),
      heading),
    note, body, legend);

  const setArrow = (button, symbol, text, target) => {
    button.replaceChildren(h('span', { 'aria-hidden': 'true' }, symbol),
      h('span', { class: 'sr-only' }, `${text} : ${monthTitle(target)}`));
    button.title = `${text} : ${monthTitle(target)}`;
  };

  async function show(target, { focusDay = null } = {}) {
    current = target;
    heading.textContent = monthTitle(target);
    if (onMonth) onMonth(target); // at once: a reload while the month loads comes back to it
    setArrow(prev, '‹', 'Mois précédent', shiftMonth(target, -1));
    setArrow(next, '›', 'Mois suivant', shiftMonth(target, 1));
    body.setAttribute('aria-busy', 'true');
    let data;
    try {
      data = await load(target);
    } catch (error) {
      if (current !== target) return;
      body.replaceChildren(alertBox('error', null, error.message));
      body.setAttribute('aria-busy', 'false');
      return;
    }
    if (current !== target) return;
    note.textContent = data.note || '';
    note.hidden = !data.note;
    body.replaceChildren(grid(target, data));
    body.setAttribute('aria-busy', 'false');
    if (focusDay) dayButton(focusDay)?.focus();
  }

  const dayButton = (date) => body.querySelector(`button.day-button[data-date="${date}"]`);

  function grid(target, { days, lines }) {
    const today = todayIso();
    const weeks = [];
    const all = gridDays(target);
    for (let i = 0; i < all.length; i += 7) weeks.push(all.slice(i, i + 7));
    return h('table', { class: 'month-grid', 'aria-labelledby': titleId },
      h('thead', {}, h('tr', {}, WEEKDAY_NAMES.map((name) => h('th', { scope: 'col' },
        h('span', { class: 'wd-long' }, capitalise(name)),
        h('abbr', { class: 'wd-short', title: capitalise(name) }, capitalise(name.slice(0, 3))))))),
      h('tbody', {}, weeks.map((week) => h('tr', {}, week.map((date) => {
        const info = days.get(date) || null;
        const closed = info ? !info.open : false;
        const entries = lines.get(date) || [];
        const outside = monthOf(date) !== target;
        const { day, month: monthText } = dayAndMonth(date);
        const reason = closed ? info.reason || 'Fermé' : null;
        const classes = ['day', outside ? 'outside' : '', closed ? 'closed' : '', date === today ? 'today' : '',
          entries.length ? 'has-lines' : ''].filter(Boolean).join(' ');
        const count = entries.length ? `, ${plural(entries.length, 'présence', 'présences')}` : '';
        return h('td', { class: classes, title: reason || null },
          // The name comes from the content ("lundi 2 septembre 2024 – Vacances scolaires, 2 présences"):
          // the parts the grid or the phone's list do not show are visually hidden, never removed, so the
          // name is whole and holds the visible text at every width (no aria-label to drift from it).
          h('button', {
            type: 'button', class: 'day-button', 'data-date': date,
            'aria-current': date === today ? 'date' : null,
            onclick: (event) => onDay(date, event.currentTarget),
          },
          h('span', { class: 'day-weekday' }, `${WEEKDAY_NAMES[weekdayOf(date)]} `),
          h('span', { class: 'day-number' }, day),
          // the count ends the last part (a hidden part of its own would read "2027 , 1 présence")
          h('span', { class: 'day-month' }, ` ${monthText}${reason ? '' : count}`),
          reason ? h('span', { class: 'closed-reason' }, ` – ${reason}${count}`) : null),
          entries.length
            ? h('ul', { class: 'day-lines' }, entries.map((entry) => h('li', {}, entryNode(entry))))
            : null);
      })))));
  }

  function entryNode(entry) {
    const content = [
      entry.marker ? h('span', { class: 'line-marker', 'aria-hidden': 'true' }, entry.marker) : null,
      h('span', { class: 'line-label' }, entry.label),
      entry.detail ? h('span', { class: 'line-detail' }, ` – ${entry.detail}`) : null,
      entry.statusText ? h('span', { class: 'line-status-text' }, ` (${entry.statusText})`) : null,
    ];
    const cls = `day-line line-${entry.status}`;
    if (!entry.onClick) return h('span', { class: cls, title: entry.statusText || null }, content);
    return h('button', {
      type: 'button', class: cls, title: entry.statusText || null,
      onclick: (event) => entry.onClick(event.currentTarget),
    }, content);
  }

  // Arrow keys move between days, Home / End to the week's ends, Page Up / Down change month.
  body.addEventListener('keydown', (event) => {
    const button = event.target.closest('button.day-button');
    if (!button) return;
    const date = button.dataset.date;
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    let target = null;
    if (event.key in moves) target = addDays(date, moves[event.key]);
    else if (event.key === 'Home') target = addDays(date, -weekdayOf(date));
    else if (event.key === 'End') target = addDays(date, 6 - weekdayOf(date));
    else if (event.key === 'PageUp' || event.key === 'PageDown') {
      event.preventDefault();
      const to = shiftMonth(current, event.key === 'PageUp' ? -1 : 1);
      const wanted = `${to}-${date.slice(8)}`;
      const last = addDays(`${shiftMonth(to, 1)}-01`, -1);
      show(to, { focusDay: wanted > last ? last : wanted });
      return;
    } else return;
    event.preventDefault();
    const found = dayButton(target);
    if (found) found.focus();
    else show(monthOf(target), { focusDay: target });
  });

  prev.addEventListener('click', () => show(shiftMonth(current, -1)));
  next.addEventListener('click', () => show(shiftMonth(current, 1)));
  todayButton.addEventListener('click', () => show(monthOf(todayIso()), { focusDay: todayIso() }));
  show(current);

  return {
    node,
    get month() { return current; },
    show,
    /** Redraw the current month (after a change), keeping the focus on `focusDay` if given. */
    refresh: (focusDay = null) => show(current, { focusDay }),
    dayButton,
  };
}

/** The colours of the statuses, said in words. */
export function statusLegend(statuses, extra = []) {
  return h('div', { class: 'month-legend' },
    h('p', { class: 'month-legend-title' }, 'Légende :'),
    h('ul', {},
      statuses.map((status) => h('li', {}, h('span', { class: `day-line line-${status}` }, lineStatusLabel(status)))),
      extra.map(([cls, text]) => h('li', {}, h('span', { class: cls }, text)))));
}
