// "/gestion/commission?periode=…&simulation=…" — Commission d'attribution: for one period, "Lancer une
// simulation" (POST /staff/committee/{period}/jobs, "Garder les fratries ensemble"), the job's status
// while it runs on the queue (GET …/jobs/{job} every 1.5 s), the simulation's table (rang, enfant, score
// and its parts, each element's outcome, réponse), "Publier les réponses" after a confirmation step
// (POST …/jobs/{job}/publish), and the previous simulations. The ranking prints (print stylesheet:
// only the table) and exports as CSV (GET …/jobs/{job}/export); under 600 px each row is a card, so a
// phone shows every column without scrolling sideways.

import { api, apiAll, post, fetchFile } from '../api.js';
import {
  h, alertBox, statusRegion, announce, busy, checkbox,
} from '../ui.js';
import { PLANNING, enc, frenchDate, plural, todayIso } from '../planning.js';
import {
  answersScreen, answerBadge, freshCatalogue, structureOptions, periodsOf, currentPeriod,
  chosenStructure, structurePeriodPicker,
  tableRegion, elementName, ANSWERS,
} from '../answers.js';

const JOB_STATUS = {
  queued: 'En file d\'attente',
  simulating: 'Simulation en cours',
  simulated: 'Simulation terminée',
  publishing: 'Publication en cours',
  published: 'Réponses publiées',
  failed: 'Échec',
};
const RUNNING = ['queued', 'simulating', 'publishing'];
const OUTCOME = {
  accepted: 'Acceptée', partial: 'Partiellement acceptée', waitlisted: "Liste d'attente", refused: 'Refusée',
};
const COLUMNS = ['Rang', 'Enfant', 'Score', 'Décision par jour et plage', 'Réponse'];
const POLL_MS = 1500;
const POLL_LIMIT_MS = 3 * 60 * 1000;

const jobStatusBadge = (status) => h('span', { class: `status job-status job-${status}` }, JOB_STATUS[status] || status);
const dateTime = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? frenchDate(iso)
    : `${d.toLocaleDateString('fr-FR')} à ${d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' })}`;
};

/** Save a blob under `filename` through a temporary link (download attribute). */
function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const percent = (part, whole) => (whole ? `${(Math.round((1000 * part) / whole) / 10).toLocaleString('fr-FR')} %` : '0 %');

function summaryBlock(job) {
  const s = job.summary;
  if (!s) return null;
  const answers = s.answers || {};
  const items = Object.keys(ANSWERS).filter((k) => answers[k] !== undefined)
    .map((k) => h('li', {}, `${ANSWERS[k]} : ${answers[k]}`));
  const places = s.places === undefined ? null : h('p', { class: 'committee-places' },
    `Places libres avant la commission : ${s.places}. Restées libres à une date où une présence attend : `,
    h('strong', {}, `${s.free_where_waiting || 0} (${percent(s.free_where_waiting || 0, s.places)})`), '. ',
    s.partial_answers
      ? 'La période accepte les réponses partielles : après les jours et plages acceptés en entier, les places restantes sont données date par date, dans l\'ordre du classement.'
      : 'La période n\'accepte pas les réponses partielles : un jour et une plage ne sont acceptés que si chacune de leurs dates a une place (réglage « Réponses partielles » dans « Places par jour »).');
  return h('div', { class: 'committee-summary' },
    h('p', {}, h('strong', {}, plural(s.children ?? (job.rows || []).length, 'enfant', 'enfants')), ' dans cette simulation.'),
    items.length ? h('ul', {}, items) : null, places);
}

/** One element's outcome: « Lundi – MIDI : Partiellement acceptée (30 dates sur 34) », and why it waits. */
function elementOutcome(e) {
  const count = e.outcome === 'partial' && e.dates
    ? ` (${(e.accepted_dates || []).length} ${(e.accepted_dates || []).length > 1 ? 'dates' : 'date'} sur ${e.dates})` : '';
  return h('li', {},
    `${elementName({ ...e, slot_label: e.slot })} : `,
    h('span', { class: `status line-status status-line-${e.outcome}` }, OUTCOME[e.outcome] || e.outcome),
    count,
    e.reason && e.outcome !== 'accepted' ? h('span', { class: 'hint element-reason' }, ` ${e.reason}`) : null);
}

function rowsTable(job) {
  const rows = job.rows || [];
  if (!rows.length) return h('p', { class: 'empty' }, 'Aucune demande en attente de réponse sur cette période.');
  return tableRegion('committee-caption', `Simulation du ${dateTime(job.created_at)} : ${plural(rows.length, 'demande', 'demandes')}`,
    COLUMNS,
    rows.map((row) => h('tr', {},
      h('th', { scope: 'row', class: 'num', 'data-label': COLUMNS[0] }, String(row.rank)),
      h('td', { 'data-label': COLUMNS[1] }, row.child_first_name || 'Enfant', row.number ? h('span', { class: 'hint' }, ` (N° ${row.number})`) : null),
      h('td', { 'data-label': COLUMNS[2] }, h('strong', {}, plural(row.score || 0, 'point', 'points')),
        (row.parts || []).length
          ? h('ul', { class: 'score-parts' }, row.parts.map((p) => h('li', {}, `${p.label} : ${p.points}`)))
          : h('p', { class: 'hint' }, 'Aucun critère')),
      h('td', { 'data-label': COLUMNS[3] }, h('ul', { class: 'element-outcomes' }, (row.elements || []).map(elementOutcome))),
      h('td', { 'data-label': COLUMNS[4] }, answerBadge({ answer: row.answer })))),
    { className: 'queue committee-table cards-narrow' });
}

export async function render({ account, query, navigate }) {
  const catalogue = await freshCatalogue();
  const structures = structureOptions(account, catalogue);
  const asked = periodsOf(account, catalogue).find((p) => p.period_id === query.get('periode'));
  const structure = asked ? asked.structure_id
    : chosenStructure(structures, query);
  const periods = periodsOf(account, catalogue, structure);
  const chosen = asked || currentPeriod(periods, todayIso());
  const periodId = chosen ? chosen.period_id : '';

  const picker = structurePeriodPicker({
    account, catalogue, structures, structure, periods, period: periodId, idPrefix: 'committee',
    onSubmit: (params) => navigate(`/gestion/commission?${new URLSearchParams(params)}`),
  });

  const page = answersScreen('staff-committee', '/gestion/commission',
    'La commission répond à toutes les demandes en attente d\'une période, jour et plage par jour et plage sur toute la période, dans l\'ordre des scores de priorité et dans la limite des places de chaque date. Simulez d\'abord, vérifiez, puis publiez : les familles reçoivent alors leur réponse par e-mail.',
    picker);
  if (!periodId) {
    page.append(alertBox('info', null, 'Aucune période ne concerne vos structures.'));
    return page;
  }

  const base = `${PLANNING}/staff/committee/${enc(periodId)}/jobs`;
  const status = statusRegion();
  const current = h('section', { class: 'committee-job', 'aria-labelledby': 'job-title' });
  const previous = h('section', { class: 'committee-jobs', 'aria-labelledby': 'jobs-title' });
  let pollSeq = 0;

  const setUrl = (jobId) => {
    const url = new URL(window.location.href);
    url.searchParams.set('periode', periodId);
    if (jobId) url.searchParams.set('simulation', jobId);
    history.replaceState(null, '', url.pathname + url.search);
  };

  async function loadJobs() {
    try {
      const data = await apiAll(base);
      const items = (data && data.items) || [];
      previous.replaceChildren(h('h2', { id: 'jobs-title' }, 'Simulations précédentes'),
        items.length
          ? tableRegion('jobs-caption', `${plural(items.length, 'simulation', 'simulations')} pour ${chosen.name}`,
            ['Date', 'Statut', 'Fratries ensemble', 'Résultat', 'Action'],
            items.map((job) => h('tr', {},
              h('th', { scope: 'row', 'data-label': 'Date' }, dateTime(job.created_at)),
              h('td', { 'data-label': 'Statut' }, jobStatusBadge(job.status)),
              h('td', { 'data-label': 'Fratries ensemble' }, (job.options || {}).keep_siblings_together ? 'Oui' : 'Non'),
              h('td', { 'data-label': 'Résultat' }, job.summary ? `${plural(job.summary.children || 0, 'enfant', 'enfants')}` : '–'),
              h('td', { 'data-label': 'Action' }, h('a', { href: `/gestion/commission?periode=${enc(periodId)}&simulation=${enc(job.job_id)}` },
                'Voir', h('span', { class: 'sr-only' }, ` la simulation du ${dateTime(job.created_at)}`))))),
            { className: 'queue cards-narrow committee-runs' })
          : h('p', { class: 'empty' }, 'Aucune simulation pour cette période.'));
      return items;
    } catch (error) {
      previous.replaceChildren(h('h2', { id: 'jobs-title' }, 'Simulations précédentes'), alertBox('error', null, error.message));
      return [];
    }
  }

  function drawJob(job) {
    const parts = [h('h2', { id: 'job-title' }, 'Simulation'),
      h('p', {}, 'Statut : ', jobStatusBadge(job.status),
        ` – lancée le ${dateTime(job.created_at)}`, (job.options || {}).keep_siblings_together ? ', fratries gardées ensemble' : '', '.')];
    if (RUNNING.includes(job.status)) {
      parts.push(h('p', { class: 'loading job-progress' }, progressText(job)));
    }
    if (job.status === 'failed') {
      parts.push(alertBox('error', null, 'Le traitement a échoué. Relancez une simulation ; si le problème persiste, prévenez l\'administrateur.'));
    }
    if (['simulated', 'publishing', 'published'].includes(job.status)) {
      parts.push(summaryBlock(job), (job.rows || []).length ? rankingTools(job) : null, rowsTable(job));
    }
    if (job.status === 'simulated' && (job.rows || []).length) parts.push(publishBlock(job));
    if (job.status === 'published') {
      parts.push(alertBox('success', 'Réponses publiées.', 'Les familles reçoivent leur réponse par e-mail ; les demandes sur liste d\'attente y restent dans l\'ordre des scores.'));
    }
    current.replaceChildren(...parts.filter(Boolean));
  }

  /** « Imprimer le classement » (the print stylesheet keeps the table) and « Exporter le classement (CSV) ». */
  function rankingTools(job) {
    const print = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Imprimer le classement');
    const exportButton = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Exporter le classement (CSV)');
    print.addEventListener('click', () => window.print());
    exportButton.addEventListener('click', async () => {
      try {
        const { blob, filename } = await busy(exportButton, () => fetchFile(`${base}/${enc(job.job_id)}/export`), 'Export…');
        saveBlob(blob, filename || 'classement-commission.csv');
        announce(status, 'success', null, 'Le classement est exporté (fichier CSV).');
      } catch (error) {
        announce(status, 'error', null, error.message);
      }
    });
    return h('div', { class: 'actions-inline ranking-tools no-print' }, print, exportButton);
  }

  function publishBlock(job) {
    const confirmId = 'publish-confirm';
    const open = h('button', { type: 'button', class: 'btn btn-primary', 'aria-expanded': 'false', 'aria-controls': confirmId }, 'Publier les réponses');
    const yes = h('button', { type: 'button', class: 'btn btn-primary' }, 'Confirmer la publication');
    const no = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Annuler');
    const box = h('div', { id: confirmId, class: 'callout callout-warning', hidden: true },
      h('p', { class: 'alert-title', id: `${confirmId}-title`, tabindex: '-1' }, 'Publier les réponses de cette simulation ?'),
      h('p', {}, `${plural((job.rows || []).length, 'demande recevra', 'demandes recevront')} leur réponse et les familles seront prévenues par e-mail. Une place prise depuis la simulation envoie la date concernée sur liste d'attente.`),
      h('div', { class: 'actions-inline doc-actions' }, yes, no));
    open.addEventListener('click', () => {
      box.hidden = false;
      open.setAttribute('aria-expanded', 'true');
      box.querySelector('.alert-title').focus();
    });
    no.addEventListener('click', () => {
      box.hidden = true;
      open.setAttribute('aria-expanded', 'false');
      open.focus();
    });
    yes.addEventListener('click', async () => {
      try {
        const started = await busy(yes, () => post(`${base}/${enc(job.job_id)}/publish`, {}), 'Publication…');
        announce(status, 'info', null, 'Publication demandée : les réponses sont en cours d\'envoi.');
        follow({ ...job, ...started, rows: job.rows });
      } catch (error) {
        announce(status, 'error', null, error.message);
      }
    });
    return h('div', { class: 'publish' }, h('div', { class: 'actions' }, open), box);
  }

  /** "Publication en cours : 120 demandes sur 300…" while the job runs. */
  function progressText(job) {
    if (job.status !== 'publishing') return 'La simulation est en cours…';
    const total = (job.summary && job.summary.children) || (job.rows || []).length;
    const done = Number(job.published_rows || 0);
    return done && total
      ? `Les réponses sont en cours de publication : ${done} sur ${plural(total, 'demande', 'demandes')}…`
      : 'Les réponses sont en cours de publication…';
  }

  /** The job with every row: the API gives them 500 at a time (?after=<rank>, next_after). */
  async function withAllRows(job) {
    let rows = job.rows || [];
    let next = job.next_after;
    for (let pageCount = 0; next !== null && next !== undefined && pageCount < 100; pageCount += 1) {
      // eslint-disable-next-line no-await-in-loop
      const more = await api(`${base}/${enc(job.job_id)}?after=${enc(String(next))}`);
      rows = rows.concat((more && more.rows) || []);
      next = more && more.next_after;
    }
    return { ...job, rows, next_after: null };
  }

  /** withAllRows, or the job as it is when a page cannot be read (the error is said). */
  async function settled(job) {
    try {
      return await withAllRows(job);
    } catch (error) {
      announce(status, 'error', null, error.message);
      return job;
    }
  }

  /** Poll the job until its status settles, saying each change in the status region. */
  async function follow(first) {
    const mine = ++pollSeq;
    setUrl(first.job_id);
    let job = first;
    if (!RUNNING.includes(job.status)) {
      job = await settled(job);
      if (mine !== pollSeq) return;
    }
    drawJob(job);
    let last = job.status;
    const started = Date.now();
    let latest = job;
    while (RUNNING.includes(latest.status)) {
      if (Date.now() - started > POLL_LIMIT_MS) {
        announce(status, 'info', null, 'Le traitement prend plus de temps que prévu. Revenez sur cette page dans quelques instants.');
        return;
      }
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
      if (mine !== pollSeq || !page.isConnected) return;
      try {
        // eslint-disable-next-line no-await-in-loop
        latest = await api(`${base}/${enc(job.job_id)}`);
      } catch (error) {
        announce(status, 'error', null, error.message);
        return;
      }
      if (mine !== pollSeq) return;
      if (latest.status !== last) {
        last = latest.status;
        if (!RUNNING.includes(latest.status)) {
          // eslint-disable-next-line no-await-in-loop
          latest = await settled(latest);
          if (mine !== pollSeq) return;
        }
        drawJob(latest);
        if (!RUNNING.includes(latest.status)) {
          announce(status, latest.status === 'failed' ? 'error' : 'success', null,
            latest.status === 'published' ? 'Les réponses sont publiées.'
              : latest.status === 'simulated' ? `Simulation terminée : ${plural((latest.rows || []).length, 'demande classée', 'demandes classées')}.`
                : 'Le traitement a échoué.');
        } else {
          announce(status, 'info', null, `${JOB_STATUS[latest.status]}…`);
        }
      } else if (latest.status === 'publishing') {
        const progress = current.querySelector('.job-progress');
        if (progress) progress.textContent = progressText({ ...latest, summary: latest.summary || job.summary });
      }
    }
    loadJobs();
  }

  const launch = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Lancer une simulation');
  const launchForm = h('form', { novalidate: true, class: 'committee-launch', 'aria-labelledby': 'launch-title' },
    h('h2', { id: 'launch-title' }, 'Nouvelle simulation'),
    h('p', {}, `Toutes les demandes en attente de réponse de la période « ${chosen.name} » sont classées et servies dans l'ordre. Rien n'est communiqué aux familles avant la publication.`),
    checkbox({ name: 'keep_siblings_together', label: 'Garder les fratries ensemble', checked: true, idPrefix: 'committee' }),
    h('p', { class: 'hint' }, 'Les enfants d\'une même famille passent l\'un après l\'autre, au meilleur score de la famille ; un jour et une plage demandés par les frères et sœurs sont acceptés pour tous ou pour aucun (et, en réponse partielle, chaque date pour tous ceux qui la demandent ou pour aucun).'),
    h('div', { class: 'actions' }, launch));
  launchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const keep = launchForm.elements.namedItem('keep_siblings_together').checked;
    try {
      const job = await busy(launch, () => post(base, { keep_siblings_together: keep }), 'Envoi…');
      announce(status, 'info', null, 'Simulation demandée : elle est en file d\'attente.');
      follow(job);
    } catch (error) {
      announce(status, 'error', null, error.message);
    }
  });

  page.append(launchForm, status, current, previous);
  const jobs = await loadJobs();
  const wanted = query.get('simulation') || (jobs[0] && jobs[0].job_id);
  if (wanted) {
    try {
      follow(await api(`${base}/${enc(wanted)}`));
    } catch (error) {
      current.replaceChildren(alertBox('error', null, error.message));
    }
  }
  return page;
}
