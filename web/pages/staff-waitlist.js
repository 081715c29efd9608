// "/gestion/liste-attente?structure=…&periode=…" — Liste d'attente: the requests with waiting lines of one
// structure (GET /api/planning/staff/waitlist), in their order (priority score, then request date), with
// the places free right now; for a period whose waiting list is "proposé au responsable" (manual),
// "Attribuer les places libérées" (POST /staff/waitlist/promote) gives them in that order — or offers
// them, when the period leaves families a reply delay: every message then says « proposée », with the
// deadline, never that a place was given.

import { apiAll, post } from '../api.js';
import {
  h, alertBox, statusRegion, announce, busy,
} from '../ui.js';
import { PLANNING, frenchDate, plural } from '../planning.js';
import { csvButton } from '../csv.js';
import {
  answersScreen, noStructure, freshCatalogue, structureOptions, periodsOf, tableRegion, requestPath,
  chosenStructure, structurePeriodPicker,
} from '../answers.js';

const MANUAL = 'proposé au responsable, les places libérées attendent votre décision';
const COLUMNS = ['Rang', 'N° demande', 'Enfant', 'Période', 'Score', 'Date de la demande', 'Présences en attente',
  'Dates', 'Places libres', 'Place proposée'];
const days = (n) => plural(n, 'jour', 'jours');

/** What happens to a freed place in a period, as the manager should expect it. */
function modeText(mode, replyDays) {
  if (mode === 'manual') {
    return replyDays
      ? `Liste d'attente : ${MANUAL}. Attribuées, elles sont proposées aux familles, qui ont ${days(replyDays)} pour les accepter ; déclinée ou sans réponse, une place est proposée à la demande suivante.`
      : `Liste d'attente : ${MANUAL}.`;
  }
  return replyDays
    ? `liste d'attente automatique avec délai de réponse : une place libérée est proposée au premier de la liste, qui a ${days(replyDays)} pour l'accepter ; déclinée ou sans réponse, elle est proposée au suivant. La colonne « Place proposée » montre les réponses attendues.`
    : 'liste d\'attente automatique : une place libérée est attribuée au premier de la liste sans action de votre part.';
}

/** The result of « Attribuer les places libérées », as it happened: given, or offered until a date. */
function promotedText(result) {
  const requests = ((result && result.promoted_requests) || []).length;
  if (!requests) return 'Aucune place libre ne correspond aux présences en attente.';
  if (result.offered) {
    const until = result.offer_until ? ` jusqu'au ${frenchDate(result.offer_until)}` : '';
    return `Des places sont proposées à ${plural(requests, 'demande', 'demandes')} de la liste d'attente : ${requests > 1 ? 'les familles ont' : 'la famille a'}${until} pour les accepter ou les décliner ; sans réponse, elles seront proposées à la demande suivante. Les familles sont prévenues par e-mail.`;
  }
  return `Des places sont attribuées à ${plural(requests, 'demande', 'demandes')} de la liste d'attente. Les familles sont prévenues par e-mail.`;
}

export async function render({ account, query, navigate }) {
  const catalogue = await freshCatalogue();
  const structures = structureOptions(account, catalogue);
  const structure = chosenStructure(structures, query);
  const periods = periodsOf(account, catalogue, structure);
  const period = periods.some((p) => p.period_id === query.get('periode')) ? query.get('periode') : '';

  const form = structurePeriodPicker({
    account, catalogue, structures, structure, periods, period, idPrefix: 'wait', anyPeriod: 'Toutes les périodes',
    onSubmit: (params) => navigate(`/gestion/liste-attente?${new URLSearchParams(params)}`),
  });

  const page = answersScreen('staff-waitlist', '/gestion/liste-attente',
    'Les demandes qui attendent une place, dans l\'ordre où elles seront servies : score de priorité, puis date de la demande. Une place libérée (annulation confirmée, capacité augmentée) va à la première présence en attente de la même date et de la même plage.',
    form);
  if (!structure) {
    page.append(noStructure());
    return page;
  }
  const status = statusRegion();
  const list = h('div', { class: 'results', 'aria-live': 'polite' });
  const promote = h('div', { class: 'waitlist-promote' });
  page.append(status, promote, list);

  const replyDaysOf = (data, periodId) => {
    const item = ((data && data.items) || []).find((i) => i.period_id === periodId && i.offer_reply_days !== undefined);
    const known = periods.find((p) => p.period_id === periodId);
    return Number((item && item.offer_reply_days) ?? (known && known.offer_reply_days) ?? 0);
  };

  const modeOf = (data, periodId) => {
    const item = ((data && data.items) || []).find((i) => i.period_id === periodId && i.mode);
    const known = periods.find((p) => p.period_id === periodId);
    return (item && item.mode) || (period === periodId && data && data.mode) || (known && known.waitlist_mode) || 'auto';
  };

  async function load() {
    list.setAttribute('aria-busy', 'true');
    let data;
    try {
      // The API gives the ranked list a page at a time (?after=<cursor>&rank=<last rank shown>): all of it here.
      const params = new URLSearchParams({ structure_id: structure });
      if (period) params.set('period_id', period);
      data = await apiAll(`${PLANNING}/staff/waitlist?${params}`);
    } catch (error) {
      list.replaceChildren(alertBox('error', null, error.message));
      list.setAttribute('aria-busy', 'false');
      return;
    }
    const items = ((data && data.items) || []).filter((i) => !period || i.period_id === period)
      .sort((a, b) => (a.rank || 0) - (b.rank || 0));
    const caption = `${plural(items.length, 'demande en attente de place', 'demandes en attente de place')}`;
    list.replaceChildren(items.length
      ? tableRegion('waitlist-caption', caption,
        COLUMNS,
        items.map((item) => {
          const cells = [
            h('a', { href: requestPath(item) }, `N° ${item.number}`),
            item.child_name || item.child_first_name || '',
            item.period_name || '',
            String(item.priority ?? 0),
            frenchDate(item.created_at),
            String(item.waiting_lines ?? ''),
            item.first ? `du ${frenchDate(item.first)} au ${frenchDate(item.last)}` : '',
            item.placeable === undefined ? '–' : String(item.placeable),
            item.offered_lines
              ? `${plural(item.offered_lines, 'présence', 'présences')}, réponse attendue jusqu'au ${frenchDate(item.offer_until)}` : '–',
          ];
          const numeric = [3, 5, 7];
          return h('tr', {},
            h('th', { scope: 'row', class: 'num', 'data-label': COLUMNS[0] }, String(item.rank)),
            cells.map((cell, i) => h('td', { 'data-label': COLUMNS[i + 1], class: numeric.includes(i) ? 'num' : null }, cell)));
        }), { className: 'queue cards-narrow waitlist-table' })
      : h('p', { class: 'empty' }, 'Aucune demande sur liste d\'attente.'));
    if (items.length) {
      list.append(h('div', { class: 'actions-inline no-print' }, csvButton('Exporter la liste d\'attente (CSV)', () => ({
        filename: `liste-attente-${structure}${period ? `-${period}` : ''}.csv`,
        headers: COLUMNS,
        rows: items.map((item) => [item.rank, item.number, item.child_name || item.child_first_name || '', item.period_name || '',
          item.priority ?? 0, frenchDate(item.created_at), item.waiting_lines ?? '',
          item.first ? `du ${frenchDate(item.first)} au ${frenchDate(item.last)}` : '', item.placeable ?? '',
          item.offered_lines ? `${item.offered_lines} jusqu'au ${frenchDate(item.offer_until)}` : '']),
      }))));
    }
    list.setAttribute('aria-busy', 'false');

    // One "Attribuer" per period whose mode is manual (proposé au responsable) with a place free now.
    const byPeriod = new Map();
    for (const item of items) {
      const entry = byPeriod.get(item.period_id) || { name: item.period_name, placeable: 0 };
      entry.placeable += Number(item.placeable || 0);
      byPeriod.set(item.period_id, entry);
    }
    const blocks = [];
    for (const [periodId, entry] of byPeriod) {
      const mode = modeOf(data, periodId);
      if (mode !== 'manual') continue;
      const button = h('button', { type: 'button', class: 'btn btn-primary' }, 'Attribuer les places libérées',
        byPeriod.size > 1 ? h('span', { class: 'sr-only' }, ` : ${entry.name}`) : null);
      button.disabled = !entry.placeable;
      button.addEventListener('click', async () => {
        try {
          const result = await busy(button, () => post(`${PLANNING}/staff/waitlist/promote`, { period_id: periodId }), 'Attribution…');
          const message = promotedText(result);
          announce(status, 'success', null, message);
          await load();
        } catch (error) {
          announce(status, 'error', null, error.message);
        }
      });
      blocks.push(h('div', { class: 'panel panel-wide' },
        h('h2', {}, entry.name),
        h('p', {}, modeText('manual', replyDaysOf(data, periodId))),
        h('p', {}, entry.placeable
          ? `${plural(entry.placeable, 'présence en attente peut', 'présences en attente peuvent')} recevoir une place libre maintenant.`
          : 'Aucune place libre ne correspond aux présences en attente pour le moment.'),
        h('div', { class: 'actions-inline' }, button)));
    }
    for (const id of [...byPeriod.keys()].filter((periodId) => modeOf(data, periodId) !== 'manual')) {
      blocks.push(h('p', { class: 'hint waitlist-mode' }, `${byPeriod.get(id).name} : ${modeText('auto', replyDaysOf(data, id))}`));
    }
    promote.replaceChildren(...blocks);
  }
  await load();
  return page;
}
