// "/gestion/liste-attente?structure=…&periode=…" — Liste d'attente: the requests with waiting lines of one
// structure (GET /api/planning/staff/waitlist), in their order (priority score, then request date), with
// the places free right now; for a period whose waiting list is "proposé au responsable" (manual),
// "Attribuer les places libérées" (POST /staff/waitlist/promote) gives them in that order.

import { api, post } from '../api.js';
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

  const modeOf = (data, periodId) => {
    const item = ((data && data.items) || []).find((i) => i.period_id === periodId && i.mode);
    const known = periods.find((p) => p.period_id === periodId);
    return (item && item.mode) || (period === periodId && data && data.mode) || (known && known.waitlist_mode) || 'auto';
  };

  async function load() {
    list.setAttribute('aria-busy', 'true');
    let data;
    try {
      const params = new URLSearchParams({ structure_id: structure });
      if (period) params.set('period_id', period);
      data = await api(`${PLANNING}/staff/waitlist?${params}`);
    } catch (error) {
      list.replaceChildren(alertBox('error', null, error.message));
      list.setAttribute('aria-busy', 'false');
      return;
    }
    const items = ((data && data.items) || []).filter((i) => !period || i.period_id === period)
      .sort((a, b) => (a.rank || 0) - (b.rank || 0));
    const caption = `${plural(items.length, 'demande en attente de place', 'demandes en attente de place')}`;
    const exportCsv = csvButton('Exporter en CSV', () => ({
      filename: `liste-attente-${structure}.csv`,
      headers: ['Rang', 'N° demande', 'Enfant', 'Famille', 'Période', 'Score', 'Date de la demande', 'Présences en attente', 'Du', 'Au', 'Places libres', 'Présences proposées'],
      rows: items.map((i) => [i.rank, i.number, i.child_name || i.child_first_name || '', i.family_name || '', i.period_name || '',
        i.priority ?? 0, frenchDate(i.created_at), i.waiting_lines ?? '', i.first ? frenchDate(i.first) : '', i.last ? frenchDate(i.last) : '',
        i.placeable ?? '', i.offered_lines || 0]),
    }));
    list.replaceChildren(items.length ? h('div', { class: 'form-actions' }, exportCsv) : '', items.length
      ? tableRegion('waitlist-caption', caption,
        ['Rang', 'N° demande', 'Enfant', 'Période', 'Score', 'Date de la demande', 'Présences en attente', 'Dates', 'Places libres', 'Place proposée'],
        items.map((item) => h('tr', {},
          h('th', { scope: 'row', class: 'num' }, String(item.rank)),
          h('td', {}, h('a', { href: requestPath(item) }, `N° ${item.number}`)),
          h('td', {}, item.child_name || item.child_first_name || ''),
          h('td', {}, item.period_name || ''),
          h('td', { class: 'num' }, String(item.priority ?? 0)),
          h('td', {}, frenchDate(item.created_at)),
          h('td', { class: 'num' }, String(item.waiting_lines ?? '')),
          h('td', {}, item.first ? `du ${frenchDate(item.first)} au ${frenchDate(item.last)}` : ''),
          h('td', { class: 'num' }, item.placeable === undefined ? '–' : String(item.placeable)),
          h('td', {}, item.offered_lines
            ? `${plural(item.offered_lines, 'présence', 'présences')}, réponse attendue jusqu'au ${frenchDate(item.offer_until)}` : '–'))))
      : h('p', { class: 'empty' }, 'Aucune demande sur liste d\'attente.'));
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
          const requests = ((result && result.promoted_requests) || []).length;
          const message = requests
            ? `Des places sont attribuées à ${plural(requests, 'demande', 'demandes')} de la liste d'attente (ou proposées, si la période laisse aux familles un délai de réponse). Les familles sont prévenues par e-mail.`
            : 'Aucune place libre ne correspond aux présences en attente.';
          announce(status, 'success', null, message);
          await load();
        } catch (error) {
          announce(status, 'error', null, error.message);
        }
      });
      blocks.push(h('div', { class: 'panel panel-wide' },
        h('h2', {}, entry.name),
        h('p', {}, `Liste d'attente : ${MANUAL}.`),
        h('p', {}, entry.placeable
          ? `${plural(entry.placeable, 'présence en attente peut', 'présences en attente peuvent')} recevoir une place libre maintenant.`
          : 'Aucune place libre ne correspond aux présences en attente pour le moment.'),
        h('div', { class: 'actions-inline' }, button)));
    }
    const modes = [...byPeriod.keys()].filter((id) => modeOf(data, id) !== 'manual');
    if (modes.length) {
      blocks.push(h('p', { class: 'hint' }, `${modes.map((id) => byPeriod.get(id).name).join(', ')} : liste d'attente automatique, une place libérée va au premier de la liste sans action de votre part.`));
    }
    promote.replaceChildren(...blocks);
  }
  await load();
  return page;
}
