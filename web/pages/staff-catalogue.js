// "/gestion/catalogue" — Catalogue: the administrator creates structures (département and school zone),
// and with the managers (for their own structures) keeps periods (weekdays, type, slots with times and
// capacities, booking window and deadlines), closures and séjours; the administrator also keeps the
// territory (schools, communes and postal codes of residents). A change the API refuses because
// families have booked (« would_orphan ») shows its reason.

import { api, put, post, del } from '../api.js';
import {
  h, field, selectField, checkbox, textareaField, pageTitle, requiredNote, errorSummary, showErrors,
  clearErrors, busy, alertBox, statusRegion, announce,
} from '../ui.js';

const PLANNING = '/api/planning';
const ACTIVITIES = [
  { value: 'periscolaire', label: 'Périscolaire' }, { value: 'mercredi', label: 'Mercredis' },
  { value: 'creche', label: 'Crèche' }, { value: 'sejour', label: 'Séjours' },
];
const TYPES = [
  { value: 'school_days', label: 'Jours d\'école (hors vacances scolaires)' },
  { value: 'holidays', label: 'Vacances scolaires seulement' },
  { value: 'all_days', label: 'Tous les jours' },
];
const WEEKDAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'];
const frDate = (iso) => (iso ? iso.split('-').reverse().join('/') : '');
const enc = encodeURIComponent;

/** An identifier from a name: "Séjour neige - Jura" → "sejour-neige-jura" (plus a suffix when taken). */
export function slug(text, taken = new Set()) {
  const base = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'entree';
  let id = base.length < 2 ? `${base}-1` : base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}

const value = (form, name) => {
  const control = form.elements.namedItem(name);
  return control ? String(control.value).trim() : '';
};

function panel(title, ...children) {
  const id = slug(title);
  return h('section', { class: 'panel catalogue-panel', 'aria-labelledby': `cat-${id}` },
    h('h3', { id: `cat-${id}` }, title), ...children);
}

function table(caption, headers, rows) {
  const id = `cap-${slug(caption)}`;
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id },
    h('table', { class: 'queue catalogue-table' },
      h('caption', { id }, caption),
      h('thead', {}, h('tr', {}, headers.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rows)));
}

/** Save, then redraw the catalogue and only then say so (the message means the lists show it). */
async function submitForm(form, submitButton, work, done, message, reload) {
  clearErrors(form);
  try {
    await busy(submitButton, work, 'Enregistrement…');
  } catch (error) {
    showErrors(form, { message: error.message, fields: error.fields });
    return false;
  }
  await reload();
  announce(done, 'success', null, message);
  return true;
}

// --- structures ------------------------------------------------------------------------------------

function structureForm(catalogue, reload, done) {
  const p = 'cat-structure';
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Créer la structure');
  const form = h('form', { novalidate: true, class: 'catalogue-form' }, errorSummary(), requiredNote(),
    field({ name: 'name', label: 'Nom de la structure', required: true, idPrefix: p, autocomplete: 'off' }),
    field({ name: 'commune', label: 'Commune', required: true, idPrefix: p, autocomplete: 'off' }),
    field({ name: 'departement', label: 'Département', required: true, idPrefix: p, autocomplete: 'off', hint: 'Deux chiffres (67, 68, 57…) : il donne les jours fériés.' }),
    selectField({ name: 'zone', label: 'Zone de vacances scolaires', required: true, idPrefix: p, options: ['A', 'B', 'C'].map((z) => ({ value: z, label: `Zone ${z}` })) }),
    h('fieldset', { class: 'field', 'data-field': 'activities' }, h('legend', {}, 'Accueils proposés'),
      h('p', { class: 'field-error', hidden: true }),
      ACTIVITIES.map((a) => checkbox({ name: `activity-${a.value}`, label: a.label, idPrefix: p }))),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      name: value(form, 'name'), commune: value(form, 'commune'), departement: value(form, 'departement'),
      zone: value(form, 'zone'),
      activities: ACTIVITIES.map((a) => a.value).filter((a) => form.elements.namedItem(`activity-${a}`).checked),
    };
    const id = slug(body.name, new Set(catalogue.structures.map((s) => s.structure_id)));
    await submitForm(form, submit, () => put(`${PLANNING}/catalogue/structures/${enc(id)}`, body), done,
      `La structure ${body.name} est créée.`, reload);
  });
  return form;
}

function structuresPanel(catalogue, reload, done) {
  const rows = catalogue.structures.map((s) => {
    const archive = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, s.archived ? 'Réactiver' : 'Archiver');
    archive.addEventListener('click', async () => {
      try {
        await busy(archive, () => post(`${PLANNING}/catalogue/structures/${enc(s.structure_id)}/archive`, { archived: !s.archived }));
        await reload();
        announce(done, 'success', null, `${s.name} est ${s.archived ? 'réactivée' : 'archivée'}.`);
      } catch (error) {
        announce(done, 'error', null, error.message);
      }
    });
    return h('tr', {},
      h('th', { scope: 'row' }, s.name, s.archived ? h('span', { class: 'badge' }, ' Archivée') : null),
      h('td', {}, `${s.commune} (${s.departement})`),
      h('td', {}, `Zone ${s.zone}`),
      h('td', {}, s.activities.map((a) => (ACTIVITIES.find((x) => x.value === a) || {}).label || a).join(', ')),
      h('td', {}, catalogue.can_create_structures ? archive : ''));
  });
  return panel('Structures',
    rows.length ? table(`Structures (${rows.length})`, ['Structure', 'Commune', 'Zone', 'Accueils', 'Action'], rows)
      : h('p', {}, 'Aucune structure pour le moment.'),
    catalogue.can_create_structures
      ? h('details', { class: 'catalogue-new', open: !rows.length }, h('summary', {}, 'Nouvelle structure'),
        structureForm(catalogue, reload, done))
      : null);
}

// --- periods ---------------------------------------------------------------------------------------

function slotRow(prefix, slot = {}, index = 0) {
  const id = (name) => `${prefix}-slot-${index}-${name}`;
  const cell = (name, label, attrs = {}) => h('td', {}, h('label', { class: 'sr-only', for: id(name) }, label),
    h('input', { id: id(name), name: `slot-${name}`, 'data-field': `slots.${index}.${name}`, value: slot[name] ?? '', ...attrs }));
  return h('tr', { class: 'slot-row' },
    cell('code', 'Code', { maxlength: 20, size: 8, autocomplete: 'off' }),
    cell('label', 'Libellé', { maxlength: 60, autocomplete: 'off' }),
    cell('start', 'Début', { type: 'time' }),
    cell('end', 'Fin', { type: 'time' }),
    cell('capacity', 'Capacité', { type: 'number', min: 0, max: 10000, inputmode: 'numeric' }));
}

function periodForm(catalogue, structures, reload, done, existing = null) {
  const p = existing ? `cat-period-${existing.period_id}` : 'cat-period';
  const e = existing || {};
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, existing ? 'Enregistrer la période' : 'Créer la période');
  const slotBody = h('tbody', {}, (e.slots && e.slots.length ? e.slots : [{}]).map((s, i) => slotRow(p, s, i)));
  const addSlot = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Ajouter une plage');
  addSlot.addEventListener('click', () => {
    slotBody.append(slotRow(p, {}, slotBody.children.length));
    slotBody.lastElementChild.querySelector('input').focus();
  });
  const form = h('form', { novalidate: true, class: 'catalogue-form' }, errorSummary(), requiredNote(),
    selectField({ name: 'structure_id', label: 'Structure', required: true, idPrefix: p, value: e.structure_id || (structures.length === 1 ? structures[0].structure_id : ''), options: structures.map((s) => ({ value: s.structure_id, label: s.name })) }),
    field({ name: 'name', label: 'Nom de la période', required: true, idPrefix: p, value: e.name || '', autocomplete: 'off', hint: 'Par exemple : PERISCOLAIRE 2026 - 2027 - HAGUENAU' }),
    selectField({ name: 'activity', label: 'Accueil', required: true, idPrefix: p, value: e.activity || '', options: ACTIVITIES.filter((a) => a.value !== 'sejour') }),
    field({ name: 'start', label: 'Premier jour', type: 'date', required: true, idPrefix: p, value: e.start || '' }),
    field({ name: 'end', label: 'Dernier jour', type: 'date', required: true, idPrefix: p, value: e.end || '' }),
    h('fieldset', { class: 'field', 'data-field': 'weekdays' }, h('legend', {}, 'Jours d\'ouverture'),
      h('p', { class: 'field-error', hidden: true }),
      h('div', { class: 'weekday-checks' }, WEEKDAYS.map((d, i) => checkbox({ name: `weekday-${i}`, label: d, idPrefix: p, checked: (e.weekdays || [0, 1, 3, 4]).includes(i) })))),
    selectField({ name: 'type', label: 'Jours concernés', required: true, idPrefix: p, value: e.type || 'school_days', options: TYPES }),
    field({ name: 'booking_opens', label: 'Ouverture des réservations', type: 'date', required: true, idPrefix: p, value: e.booking_opens || '' }),
    field({ name: 'booking_closes', label: 'Fermeture des réservations', type: 'date', required: true, idPrefix: p, value: e.booking_closes || '' }),
    field({ name: 'booking_deadline.days_before', label: 'Délai de réservation (jours ouvrés avant)', type: 'number', min: 0, max: 60, required: true, idPrefix: p, value: String(e.booking_deadline ? e.booking_deadline.days_before : 2) }),
    field({ name: 'cancellation_deadline.days_before', label: 'Délai d\'annulation (jours ouvrés avant)', type: 'number', min: 0, max: 60, required: true, idPrefix: p, value: String(e.cancellation_deadline ? e.cancellation_deadline.days_before : 2) }),
    field({ name: 'deadline_hour', label: 'Heure limite', type: 'time', required: true, idPrefix: p, value: e.booking_deadline ? e.booking_deadline.hour : '10:00' }),
    h('div', { class: 'field', 'data-field': 'slots' }, h('p', { class: 'field-error', hidden: true }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'slots-table' },
        h('caption', {}, 'Plages d\'accueil'),
        h('thead', {}, h('tr', {}, ['Code', 'Libellé', 'Début', 'Fin', 'Capacité'].map((l) => h('th', { scope: 'col' }, l)))),
        slotBody)), addSlot),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const slots = [...slotBody.querySelectorAll('tr')].map((row) => {
      const get = (n) => row.querySelector(`[name="slot-${n}"]`).value.trim();
      return { code: get('code').toUpperCase(), label: get('label'), start: get('start'), end: get('end'), capacity: Number(get('capacity') || 0) };
    }).filter((s) => s.code || s.label);
    const hour = value(form, 'deadline_hour');
    const body = {
      ...Object.fromEntries(Object.entries(e).filter(([k]) => ['decision_mode', 'waitlist_mode', 'auto_confirm_cancellations', 'pre_enrolment', 'offer_reply_days'].includes(k))),
      structure_id: value(form, 'structure_id'), name: value(form, 'name'), activity: value(form, 'activity'),
      start: value(form, 'start'), end: value(form, 'end'), type: value(form, 'type'),
      weekdays: WEEKDAYS.map((_, i) => i).filter((i) => form.elements.namedItem(`weekday-${i}`).checked),
      booking_opens: value(form, 'booking_opens'), booking_closes: value(form, 'booking_closes'),
      booking_deadline: { days_before: Number(value(form, 'booking_deadline.days_before')), hour },
      cancellation_deadline: { days_before: Number(value(form, 'cancellation_deadline.days_before')), hour },
      slots,
    };
    const id = existing ? existing.period_id : slug(body.name, new Set(catalogue.periods.map((x) => x.period_id)));
    await submitForm(form, submit, () => put(`${PLANNING}/catalogue/periods/${enc(id)}`, body), done,
      `La période ${body.name} est enregistrée.`, reload);
  });
  return form;
}

function periodsPanel(catalogue, structures, reload, done) {
  const names = new Map(catalogue.structures.map((s) => [s.structure_id, s.name]));
  const periods = catalogue.periods.filter((x) => x.activity !== 'sejour');
  const rows = periods.map((period) => {
    const act = async (btn, work, message) => {
      try {
        await busy(btn, work);
        await reload();
        announce(done, 'success', null, message);
      } catch (error) {
        announce(done, 'error', null, error.message);
      }
    };
    const archive = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, period.archived ? 'Réactiver' : 'Archiver');
    archive.addEventListener('click', () => act(archive, () => post(`${PLANNING}/catalogue/periods/${enc(period.period_id)}/archive`, { archived: !period.archived }),
      `${period.name} est ${period.archived ? 'réactivée' : 'archivée'}.`));
    const remove = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Supprimer');
    remove.addEventListener('click', () => {
      if (window.confirm(`Supprimer la période ${period.name} ?`)) {
        act(remove, () => del(`${PLANNING}/catalogue/periods/${enc(period.period_id)}`), `${period.name} est supprimée.`);
      }
    });
    const edit = h('details', { class: 'catalogue-edit' }, h('summary', {}, 'Modifier'),
      periodForm(catalogue, structures, reload, done, period));
    return h('tr', {},
      h('th', { scope: 'row' }, period.name, period.archived ? h('span', { class: 'badge' }, ' Archivée') : null),
      h('td', {}, names.get(period.structure_id) || period.structure_id),
      h('td', {}, `du ${frDate(period.start)} au ${frDate(period.end)}`),
      h('td', {}, period.slots.map((s) => `${s.label} ${s.start}–${s.end} (${s.capacity})`).join(', ')),
      h('td', { class: 'actions' }, edit, archive, remove));
  });
  return panel('Périodes et plages d\'accueil',
    rows.length ? table(`Périodes (${rows.length})`, ['Période', 'Structure', 'Dates', 'Plages (capacité)', 'Actions'], rows)
      : h('p', {}, 'Aucune période pour le moment.'),
    structures.length ? h('details', { class: 'catalogue-new', open: !rows.length }, h('summary', {}, 'Nouvelle période'),
      periodForm(catalogue, structures, reload, done)) : null);
}

// --- closures --------------------------------------------------------------------------------------

function closuresPanel(structures, reload, done) {
  const p = 'cat-closure';
  const rows = structures.flatMap((s) => (s.closures || []).map((c) => {
    const remove = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Supprimer');
    remove.addEventListener('click', async () => {
      try {
        await busy(remove, () => del(`${PLANNING}/catalogue/structures/${enc(s.structure_id)}/closures/${enc(c.start)}`));
        await reload();
        announce(done, 'success', null, `La fermeture « ${c.label} » est supprimée.`);
      } catch (error) {
        announce(done, 'error', null, error.message);
      }
    });
    return h('tr', {}, h('th', { scope: 'row' }, c.label), h('td', {}, s.name),
      h('td', {}, c.start === c.end ? `le ${frDate(c.start)}` : `du ${frDate(c.start)} au ${frDate(c.end)}`),
      h('td', {}, remove));
  }));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Ajouter la fermeture');
  const form = h('form', { novalidate: true, class: 'catalogue-form' }, errorSummary(), requiredNote(),
    selectField({ name: 'structure_id', label: 'Structure', required: true, idPrefix: p, value: structures.length === 1 ? structures[0].structure_id : '', options: structures.map((s) => ({ value: s.structure_id, label: s.name })) }),
    field({ name: 'label', label: 'Motif', required: true, idPrefix: p, autocomplete: 'off', hint: 'Par exemple : Journée pédagogique' }),
    field({ name: 'start', label: 'Du', type: 'date', required: true, idPrefix: p }),
    field({ name: 'end', label: 'Au', type: 'date', required: true, idPrefix: p }),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const structureId = value(form, 'structure_id');
    if (!structureId) {
      showErrors(form, { message: 'Choisissez une structure.', fields: { structure_id: 'Choisissez une structure.' } });
      return;
    }
    const body = { start: value(form, 'start'), end: value(form, 'end') || value(form, 'start'), label: value(form, 'label') };
    await submitForm(form, submit, () => post(`${PLANNING}/catalogue/structures/${enc(structureId)}/closures`, body), done,
      `La fermeture « ${body.label} » est ajoutée.`, reload);
  });
  return panel('Fermetures',
    rows.length ? table(`Fermetures (${rows.length})`, ['Motif', 'Structure', 'Dates', 'Action'], rows)
      : h('p', {}, 'Aucune fermeture pour le moment.'),
    structures.length ? h('details', { class: 'catalogue-new' }, h('summary', {}, 'Nouvelle fermeture'), form) : null);
}

// --- séjours ---------------------------------------------------------------------------------------

function sejourForm(catalogue, structures, reload, done, existing = null) {
  const p = existing ? `cat-sejour-${existing.sejour_id}` : 'cat-sejour';
  const e = existing || {};
  const period = existing ? catalogue.periods.find((x) => x.period_id === existing.sejour_id) : null;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, existing ? 'Enregistrer le séjour' : 'Publier le séjour');
  const form = h('form', { novalidate: true, class: 'catalogue-form' }, errorSummary(), requiredNote(),
    selectField({ name: 'structure_id', label: 'Structure organisatrice', required: true, idPrefix: p, value: e.structure_id || (structures.length === 1 ? structures[0].structure_id : ''), options: structures.map((s) => ({ value: s.structure_id, label: s.name })) }),
    field({ name: 'name', label: 'Nom du séjour', required: true, idPrefix: p, value: e.name || '', autocomplete: 'off' }),
    field({ name: 'start', label: 'Premier jour', type: 'date', required: true, idPrefix: p, value: e.start || '' }),
    field({ name: 'end', label: 'Dernier jour', type: 'date', required: true, idPrefix: p, value: e.end || '' }),
    field({ name: 'places', label: 'Places', type: 'number', min: 1, max: 1000, required: true, idPrefix: p, value: e.places ? String(e.places) : '' }),
    field({ name: 'age_min', label: 'Âge minimum (ans)', type: 'number', min: 0, max: 17, required: true, idPrefix: p, value: e.age_min !== undefined ? String(e.age_min) : '' }),
    field({ name: 'age_max', label: 'Âge maximum (ans)', type: 'number', min: 0, max: 17, required: true, idPrefix: p, value: e.age_max !== undefined ? String(e.age_max) : '' }),
    field({ name: 'booking_opens', label: 'Ouverture des inscriptions', type: 'date', required: true, idPrefix: p, value: period ? period.booking_opens : '' }),
    field({ name: 'deadline_days', label: 'Délai de réservation et d\'annulation (jours ouvrés avant le départ)', type: 'number', min: 0, max: 60, required: true, idPrefix: p, value: period ? String(period.booking_deadline.days_before) : '7' }),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const num = (n) => (value(form, n) === '' ? null : Number(value(form, n)));
    const body = {
      structure_id: value(form, 'structure_id'), name: value(form, 'name'), start: value(form, 'start'), end: value(form, 'end'),
      places: num('places'), age_min: num('age_min'), age_max: num('age_max'), booking_opens: value(form, 'booking_opens'),
      deadline_days: num('deadline_days'),
    };
    const id = existing ? existing.sejour_id
      : slug(`${body.name} ${body.start.slice(0, 4)}`, new Set([...catalogue.sejours.map((x) => x.sejour_id), ...catalogue.periods.map((x) => x.period_id)]));
    await submitForm(form, submit, () => put(`${PLANNING}/catalogue/sejours/${enc(id)}`, body), done,
      `Le séjour ${body.name} est publié : les familles le voient dans « Pré-inscriptions séjours ».`, reload);
  });
  return form;
}

function sejoursPanel(catalogue, structures, reload, done) {
  const camps = structures.filter((s) => s.activities.includes('sejour') && !s.archived);
  const names = new Map(catalogue.structures.map((s) => [s.structure_id, s.name]));
  const rows = catalogue.sejours.map((s) => {
    const archive = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, s.archived ? 'Republier' : 'Retirer');
    archive.addEventListener('click', async () => {
      try {
        await busy(archive, () => post(`${PLANNING}/catalogue/sejours/${enc(s.sejour_id)}/archive`, { archived: !s.archived }));
        await reload();
        announce(done, 'success', null, s.archived ? `${s.name} est de nouveau proposé aux familles.` : `${s.name} n'est plus proposé aux familles.`);
      } catch (error) {
        announce(done, 'error', null, error.message);
      }
    });
    const edit = h('details', { class: 'catalogue-edit' }, h('summary', {}, 'Modifier'), sejourForm(catalogue, camps, reload, done, s));
    return h('tr', {},
      h('th', { scope: 'row' }, s.name, s.archived ? h('span', { class: 'badge' }, ' Retiré') : null),
      h('td', {}, names.get(s.structure_id) || s.structure_id),
      h('td', {}, `du ${frDate(s.start)} au ${frDate(s.end)}`),
      h('td', { class: 'num' }, String(s.places)),
      h('td', {}, `${s.age_min} à ${s.age_max} ans`),
      h('td', { class: 'actions' }, edit, archive));
  });
  return panel('Séjours',
    rows.length ? table(`Séjours (${rows.length})`, ['Séjour', 'Structure', 'Dates', 'Places', 'Âges', 'Actions'], rows)
      : h('p', {}, 'Aucun séjour pour le moment.'),
    camps.length ? h('details', { class: 'catalogue-new' }, h('summary', {}, 'Nouveau séjour'), sejourForm(catalogue, camps, reload, done))
      : h('p', { class: 'hint' }, 'Pour publier un séjour, une structure doit proposer l\'accueil « Séjours ».'));
}

// --- territory (admin) -----------------------------------------------------------------------------

function territoryPanel(done) {
  const holder = h('div', {}, h('p', {}, 'Chargement du territoire…'));
  (async () => {
    try {
      const data = await api('/api/enrolment/territory');
      const p = 'cat-territory';
      const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer le territoire');
      const form = h('form', { novalidate: true, class: 'catalogue-form' }, errorSummary(),
        textareaField({ name: 'communes', label: 'Communes du territoire (résidents prioritaires à la commission)', idPrefix: p, rows: 6, hint: 'Une commune par ligne : nom ; code postal', value: data.communes.map((c) => `${c.name} ; ${c.postal_code}`).join('\n') }),
        textareaField({ name: 'schools', label: 'Écoles proposées aux familles', idPrefix: p, rows: 6, hint: 'Une école par ligne : nom ; commune', value: data.schools.map((s) => `${s.name} ; ${s.commune}`).join('\n') }),
        h('div', { class: 'form-actions' }, submit));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const lines = (name) => value(form, name).split('\n').map((l) => l.split(';').map((x) => x.trim())).filter((l) => l[0]);
        const taken = new Set();
        const body = {
          version: data.version,
          communes: lines('communes').map(([name, code]) => ({ name, postal_code: code || '' })),
          schools: lines('schools').map(([name, commune]) => {
            const known = data.schools.find((s) => s.name === name);
            const id = known && !taken.has(known.school_id) ? known.school_id : slug(name, taken);
            taken.add(id);
            return { school_id: id, name, commune: commune || '' };
          }),
        };
        try {
          await busy(submit, async () => { Object.assign(data, await put('/api/enrolment/territory', body)); }, 'Enregistrement…');
          clearErrors(form);
          announce(done, 'success', null, 'Le territoire est enregistré.');
        } catch (error) {
          showErrors(form, { message: error.message, fields: Object.fromEntries(Object.entries(error.fields || {}).map(([k, v]) => [k.split('.')[0], `${k} : ${v}`])) });
        }
      });
      holder.replaceChildren(form);
    } catch (error) {
      holder.replaceChildren(alertBox('error', null, error.message));
    }
  })();
  return panel('Territoire : écoles et communes', holder);
}

export async function render({ account }) {
  const done = statusRegion();
  const body = h('div', { class: 'catalogue-body', 'aria-live': 'polite' });
  const load = async () => {
    body.setAttribute('aria-busy', 'true');
    try {
      const catalogue = await api(`${PLANNING}/staff/catalogue`);
      const structures = catalogue.structures.filter((s) => !s.archived);
      body.replaceChildren(
        structuresPanel(catalogue, load, done),
        periodsPanel(catalogue, structures, load, done),
        closuresPanel(structures, load, done),
        sejoursPanel(catalogue, structures, load, done),
        account.role === 'admin' ? territoryPanel(done) : null);
    } catch (error) {
      body.replaceChildren(alertBox('error', null, error.message));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  };
  await load();
  return h('div', { class: 'staff-catalogue' },
    h('p', {}, h('a', { href: '/gestion' }, '← Espace professionnel')),
    pageTitle('Catalogue'),
    h('p', { class: 'lead' }, 'Structures, périodes, plages d\'accueil, capacités, fermetures et séjours.'),
    done, body);
}
