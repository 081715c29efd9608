// "/mon-compte/planning" — Mon planning: the "Agenda" tab (the family's lines month by month, closed
// days greyed, a day's presences, the slot card), "Ajouter", the personal calendar feed; and
// "/mon-compte/planning/historique" — the "Historique" tab (each request, its counts and history).

import { api, post, del } from '../api.js';
import {
  h, pageTitle, alertBox, statusRegion, announce, busy,
} from '../ui.js';
import {
  PLANNING, enc, loadPlanningContext, loadAgenda, loadCalendar, loadCalendars, agendaPairs, monthCalendar, dialog, slotCard,
  planningCrumbs, planningTabs, notOpenMessage, statusLegend, longDay, frenchDate, todayIso, monthOf,
  isMonth, lineStatusLabel, activityLabel, bookingOpen, plural, countsText, LINE_STATUS,
} from '../planning.js';
import {
  answerBadge, answerOf, explanationOf, familyOutcomes, outcomesTable,
} from '../answers.js';

/** The period whose calendar greys the month: the one with most lines this month, else one covering it. */
function calendarPeriod(ctx, month, lines) {
  const counts = new Map();
  for (const line of lines) counts.set(line.period_id, (counts.get(line.period_id) || 0) + 1);
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  if (best && ctx.periods.has(best[0])) return ctx.periods.get(best[0]).period;
  const candidates = ctx.open.flatMap((i) => i.periods || []);
  return candidates.find((p) => p.start.slice(0, 7) <= month && p.end.slice(0, 7) >= month) || null;
}

const dayLink = (line) => `/mon-compte/planning/demandes/${enc(line.request_id)}?mois=${monthOf(line.date)}`
  + `&date=${line.date}&plage=${enc(line.slot_code)}`;

// --- Agenda ---------------------------------------------------------------------------------

function agenda(ctx, root, query) {
  const today = todayIso();
  const start = isMonth(query.get('mois')) ? query.get('mois') : monthOf(today);
  const box = dialog(root);
  let monthLines = [];

  const openCard = (line, opener) => {
    if (opener) box.returnTo(opener);
    box.show(line.slot_label, slotCard(line, { showChild: ctx.manyChildren },
      h('a', { href: dayLink(line), class: 'btn btn-primary' }, 'Voir / modifier cette réservation')));
  };

  const openDay = (date, opener) => {
    const lines = monthLines.filter((l) => l.date === date);
    box.returnTo(opener);
    const list = lines.length
      ? h('ul', { class: 'day-panel-lines' }, lines.map((line) => h('li', {},
        h('button', {
          type: 'button', class: `day-line line-${line.status}`,
          onclick: () => openCard(line, opener),
        }, h('span', { class: 'line-label' }, line.slot_label),
        ctx.manyChildren ? ` – ${line.child_first_name}` : null,
        ` (${lineStatusLabel(line.status)})`))))
      : h('p', {}, 'Aucune présence sur cette journée.');
    const info = calendarInfo.get(date);
    // Several children or periods (school days here, Wednesdays there): the day's state for each of them
    const each = (info && info.each) || [];
    const states = each.length > 1
      ? h('ul', { class: 'day-panel-periods', 'aria-label': 'Ouverture par enfant et période' }, each.map((e) => h('li', {},
        h('strong', {}, `${ctx.manyChildren ? `${ctx.childName(e.child_id)} – ` : ''}${e.period.name} : `),
        e.open ? 'ouvert' : `fermé (${e.reason || 'Fermé'})`)))
      : null;
    box.show(`Présences du ${longDay(date)}`,
      info && !info.open ? h('p', { class: 'closed-note' }, `Jour fermé : ${info.reason || 'Fermé'}.`) : null,
      states,
      list,
      ctx.open.length
        ? h('div', { class: 'dialog-actions' },
          h('a', { href: `/mon-compte/planning/ajouter?date=${date}`, class: 'btn btn-secondary' },
            'Nouvelle présence', h('span', { class: 'btn-icon', 'aria-hidden': 'true' }, '⊕')))
        : null);
  };

  let calendarInfo = new Map();
  const calendar = monthCalendar({
    idPrefix: 'agenda',
    onDay: (date, opener) => openDay(date, opener),
    month: start,
    legend: statusLegend(Object.keys(LINE_STATUS), [['day-closed-sample', 'Jour fermé']]),
    async load(month) {
      const lines = await loadAgenda(month);
      let days;
      // every (child, period) the family books this month, in one call: a day is open when one of them
      // is, and its panel says which (the guide's multi-site case)
      const pairs = agendaPairs(ctx, month);
      for (const line of lines) {
        const known = ctx.periods.get(line.period_id);
        if (known && !pairs.some((p) => p.child_id === line.child_id && p.period.period_id === line.period_id)) {
          pairs.push({ child_id: line.child_id, period: known.period });
        }
      }
      const period = pairs.length ? null : calendarPeriod(ctx, month, lines);
      if (pairs.length) {
        const grids = await loadCalendars(pairs.map((p) => p.period.period_id), month).catch(() => new Map());
        days = new Map();
        for (const pair of pairs) {
          for (const [date, day] of grids.get(pair.period.period_id) || new Map()) {
            const merged = days.get(date) || { date, open: false, reason: null, each: [] };
            merged.each.push({ ...pair, open: day.open, reason: day.reason });
            merged.open = merged.open || day.open;
            merged.reason = merged.open ? null : merged.reason || day.reason;
            days.set(date, merged);
          }
        }
      } else {
        days = period ? await loadCalendar(period.period_id, month).catch(() => new Map()) : new Map();
      }
      // Kept per month, never replaced: while the family clicks through months, a slower month's answer
      // arriving last must not take the place of the month shown (its day panel would read another month).
      for (const date of [...calendarInfo.keys()]) if (monthOf(date) === month) calendarInfo.delete(date);
      for (const [date, info] of days) calendarInfo.set(date, info);
      monthLines = [...monthLines.filter((l) => monthOf(l.date) !== month), ...lines];
      const names = pairs.length ? [...new Set(pairs.map((p) => p.period.name))] : period ? [period.name] : [];
      const byDate = new Map();
      for (const line of lines) {
        if (!byDate.has(line.date)) byDate.set(line.date, []);
        byDate.get(line.date).push({
          label: line.slot_label,
          detail: ctx.manyChildren ? line.child_first_name : null,
          status: line.status,
          statusText: lineStatusLabel(line.status),
          onClick: (opener) => openCard(line, opener),
        });
      }
      return {
        days, lines: byDate,
        note: names.length ? `Jours d'ouverture : ${names.join(' ; ')}.` : null,
      };
    },
    onMonth(month) {
      const url = new URL(window.location.href);
      url.searchParams.set('mois', month);
      history.replaceState(null, '', url.pathname + url.search);
    },
  });

  return h('section', { class: 'planning-agenda', 'aria-label': 'Agenda' },
    h('div', { class: 'actions planning-actions' },
      h('a', { href: '/mon-compte/planning/ajouter', class: 'btn btn-primary' }, 'Ajouter')),
    h('p', { class: 'hint' }, 'Sélectionnez le mois avec les flèches bleues. Cliquez sur un jour pour voir ses présences, sur une plage réservée pour la voir ou la modifier. Au clavier, les flèches passent d\'un jour à l\'autre.'),
    calendar.node);
}

// --- Agenda personnel (iCalendar) -----------------------------------------------------------

function feedBlock() {
  const status = statusRegion();
  const content = h('div', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Chargement…'));
  const draw = (url, focus = null, active = false) => {
    if (!url && active) {
      const renew = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Renouveler le lien');
      const revoke = h('button', { type: 'button', class: 'btn btn-secondary btn-small btn-danger' }, 'Désactiver le lien');
      renew.addEventListener('click', async () => {
        // eslint-disable-next-line no-alert
        if (!window.confirm('Créer un nouveau lien ? L\'ancien lien ne fonctionnera plus.')) return;
        try {
          const data = await busy(renew, () => post(`${PLANNING}/feed`), 'Renouvellement…');
          draw(data.url, 'input');
          announce(status, 'success', null, 'Un nouveau lien est créé : l\'ancien ne fonctionne plus.');
        } catch (error) {
          announce(status, 'error', null, error.message);
        }
      });
      revoke.addEventListener('click', async () => {
        // eslint-disable-next-line no-alert
        if (!window.confirm('Désactiver le lien ? Votre agenda ne recevra plus vos réservations.')) return;
        try {
          await busy(revoke, () => del(`${PLANNING}/feed`), 'Désactivation…');
          draw(null, 'button');
          announce(status, 'success', null, 'Le lien est désactivé.');
        } catch (error) {
          announce(status, 'error', null, error.message);
        }
      });
      content.replaceChildren(
        h('p', {}, 'Un lien est actif. Par sécurité, son adresse n\'est affichée qu\'à sa création : si vous ne l\'avez plus, renouvelez-le (l\'ancien cessera de fonctionner).'),
        h('div', { class: 'actions-inline feed-actions' }, renew, revoke));
      if (focus) renew.focus();
      return;
    }
    if (!url) {
      const create = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Créer mon lien d\'agenda');
      create.addEventListener('click', async () => {
        try {
          const data = await busy(create, () => post(`${PLANNING}/feed`), 'Création…');
          draw(data.url, 'input');
          announce(status, 'success', null, 'Votre lien d\'agenda est créé. Ajoutez-le à votre agenda comme « abonnement » (par URL).');
        } catch (error) {
          announce(status, 'error', null, error.message);
        }
      });
      content.replaceChildren(h('p', {}, 'Aucun lien n\'est actif.'), h('div', { class: 'actions-inline' }, create));
      if (focus) create.focus();
      return;
    }
    const input = h('input', { type: 'text', id: 'feed-url', readonly: true, value: url, class: 'feed-url', spellcheck: 'false' });
    const copy = h('button', { type: 'button', class: 'btn btn-primary btn-small' }, 'Copier le lien');
    const renew = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Renouveler le lien');
    const revoke = h('button', { type: 'button', class: 'btn btn-secondary btn-small btn-danger' }, 'Désactiver le lien');
    copy.addEventListener('click', async () => {
      let done = false;
      try {
        await navigator.clipboard.writeText(url);
        done = true;
      } catch {
        input.select();
        try {
          done = document.execCommand('copy');
        } catch {
          done = false;
        }
      }
      announce(status, done ? 'success' : 'info', null, done
        ? 'Le lien est copié : collez-le dans votre agenda.'
        : 'La copie automatique n\'est pas possible : le lien est sélectionné, copiez-le (Ctrl+C).');
    });
    renew.addEventListener('click', async () => {
      // eslint-disable-next-line no-alert
      if (!window.confirm('Créer un nouveau lien ? L\'ancien lien ne fonctionnera plus.')) return;
      try {
        const data = await busy(renew, () => post(`${PLANNING}/feed`), 'Renouvellement…');
        draw(data.url, 'input');
        announce(status, 'success', null, 'Un nouveau lien est créé : l\'ancien ne fonctionne plus.');
      } catch (error) {
        announce(status, 'error', null, error.message);
      }
    });
    revoke.addEventListener('click', async () => {
      // eslint-disable-next-line no-alert
      if (!window.confirm('Désactiver le lien ? Votre agenda ne recevra plus vos réservations.')) return;
      try {
        await busy(revoke, () => del(`${PLANNING}/feed`), 'Désactivation…');
        draw(null, 'button');
        announce(status, 'success', null, 'Le lien est désactivé.');
      } catch (error) {
        announce(status, 'error', null, error.message);
      }
    });
    content.replaceChildren(
      h('div', { class: 'field' },
        h('label', { for: 'feed-url' }, 'Adresse de mon agenda'),
        h('p', { class: 'hint', id: 'feed-url-hint' }, 'Ce lien est personnel : toute personne qui le connaît voit vos réservations. Renouvelez-le s\'il a été partagé par erreur.'),
        input),
      h('div', { class: 'actions-inline feed-actions' }, copy, renew, revoke));
    input.setAttribute('aria-describedby', 'feed-url-hint');
    if (focus) input.focus();
  };
  api(`${PLANNING}/feed`).then((data) => draw(data && data.url, null, Boolean(data && data.active)), (error) => {
    content.replaceChildren(alertBox('error', null, error.message));
  }).finally(() => content.setAttribute('aria-busy', 'false'));
  return h('section', { class: 'panel feed', 'aria-labelledby': 'feed-title' },
    h('h2', { id: 'feed-title' }, 'Agenda personnel (iCalendar)'),
    h('p', {}, 'Retrouvez vos réservations acceptées dans l\'agenda de votre téléphone ou de votre messagerie, grâce à un lien d\'abonnement.'),
    content, status);
}

// --- Historique -----------------------------------------------------------------------------

/** "Détail de la réponse": per weekday and slot, what was accepted, waits or was refused and why
 * (GET /requests/{id}, read when the family opens it). */
function answerDetails(item) {
  const { code } = answerOf(item);
  if (code === 'pending') return null;
  const body = h('div', { class: 'answer-details-body', 'aria-live': 'polite' });
  const details = h('details', { class: 'answer-details' },
    h('summary', {}, 'Détail de la réponse', h('span', { class: 'sr-only' }, ` : demande N° ${item.number}`)), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    body.replaceChildren(h('p', { class: 'loading' }, 'Chargement…'));
    try {
      const request = await api(`${PLANNING}/requests/${enc(item.request_id)}`);
      const outcomes = familyOutcomes(request);
      body.replaceChildren(...[
        h('p', { class: 'answer-explanation' }, explanationOf({ ...item, ...request }, outcomes)),
        outcomes.length ? outcomesTable(outcomes, { id: `outcomes-${item.request_id}`, caption: `Réponse par jour et plage – demande N° ${item.number}` }) : null,
      ].filter(Boolean));
    } catch (error) {
      loaded = false;
      body.replaceChildren(alertBox('error', null, error.message));
    }
  });
  return details;
}

/** The history entry of an answer names who gave it (« Réponse de Julie Schmitt »): the audit entry of the
 * same request nearest in time, from enrolment's « who answered » list. */
function historyText(event, answers) {
  if (!event.what.startsWith('Réponse de la structure') || !answers.length) return event.what;
  const at = Date.parse(event.at);
  const nearest = answers.reduce((best, a) => (Math.abs(Date.parse(a.at) - at) < Math.abs(Date.parse(best.at) - at) ? a : best));
  return event.what.replace('Réponse de la structure', `Réponse de ${nearest.actor_name}`);
}

function historyCard(ctx, item, answers = []) {
  const id = `demande-${item.request_id}`;
  const period = [...ctx.periods.values()].map((p) => p.period)
    .find((p) => p.period_id === item.period_id || p.name === item.period_name);
  const actions = [h('a', { href: `/mon-compte/planning/demandes/${enc(item.request_id)}`, class: 'btn btn-secondary btn-small' },
    'Voir / modifier cette réservation', h('span', { class: 'sr-only' }, ` : N° ${item.number}`))];
  if (period && bookingOpen(period)) {
    actions.push(h('a', { href: `/mon-compte/planning/ajouter?demande=${enc(item.request_id)}`, class: 'btn btn-secondary btn-small' },
      'Ajouter des présences', h('span', { class: 'sr-only' }, ` : N° ${item.number}`)));
  }
  const rows = [
    ['Date de la demande', frenchDate(item.created_at)],
    ['Enfant', item.child_first_name],
    ['Structure', item.structure_name],
    ['Activité', activityLabel(item.activity)],
    ['Période', item.period_name],
    ['Présences', `${plural(item.line_count || 0, 'présence', 'présences')}${countsText(item.counts) ? ` : ${countsText(item.counts)}` : ''}`],
  ].filter((row) => row[1]);
  const history = item.history || [];
  return h('li', { class: 'card request-card' }, h('article', { 'aria-labelledby': id },
    h('h2', { id }, `Demande N° ${item.number}`, h('span', { class: 'card-subtitle' }, ` – ${item.child_first_name || ''}`)),
    h('p', { class: 'request-status' }, 'Statut : ', answerBadge({ ...item, answer_label: item.answer_label || item.status })),
    item.explanation ? h('p', { class: 'answer-explanation' }, item.explanation) : null,
    h('dl', { class: 'details' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    answerDetails(item),
    history.length
      ? [h('h3', {}, 'Historique de la demande'),
        h('ol', { class: 'history-list' }, history.map((event) => h('li', {},
          h('time', { datetime: event.at }, frenchDate(event.at)), ' : ', historyText(event, answers))))]
      : null,
    h('div', { class: 'actions-inline doc-actions' }, actions)));
}

async function historique(ctx) {
  let data;
  let answers;
  try {
    [data, answers] = await Promise.all([
      api(`${PLANNING}/requests`),
      // Who answered (the audit log, kept by enrolment); the history shows without the names if it cannot be read.
      api('/api/enrolment/family/answers').then((found) => found.items || []).catch(() => []),
    ]);
  } catch (error) {
    return alertBox('error', null, error.message);
  }
  const items = (data && data.items) || [];
  const answersOf = (id) => answers.filter((a) => a.request_id === id);
  if (!items.length) {
    return h('div', {}, h('p', {}, 'Vous n\'avez pas encore de demande de réservation.'),
      ctx.open.length ? h('p', {}, h('a', { href: '/mon-compte/planning/ajouter', class: 'btn btn-primary' }, 'Ajouter')) : null);
  }
  return h('ul', { class: 'cards cards-wide', 'aria-label': 'Mes demandes de réservation' },
    items.map((item) => historyCard(ctx, item, answersOf(item.request_id))));
}

// --- the page --------------------------------------------------------------------------------

export async function render({ route, query }) {
  const tab = route.variant === 'historique' ? 'historique' : 'agenda';
  const ctx = await loadPlanningContext();
  const root = h('div', { class: 'planning-page' },
    planningCrumbs(),
    pageTitle('Mon planning'));
  const hasAny = ctx.open.length > 0;

  if (tab === 'agenda' && !hasAny) {
    root.append(planningTabs('agenda'), await notOpenMessage(ctx));
    return root;
  }
  root.append(planningTabs(tab));
  if (tab === 'historique') {
    root.dataset.title = 'Historique – Mon planning';
    root.append(await historique(ctx));
    return root;
  }
  root.append(
    h('p', { class: 'lead' }, 'Saisissez ici le planning d\'accueil souhaité. N\'oubliez pas : si votre planning n\'est pas saisi, votre demande ne pourra pas être traitée.'),
    agenda(ctx, root, query),
    feedBlock());
  return root;
}
