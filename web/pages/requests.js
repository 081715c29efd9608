// "/mon-compte/preinscriptions/periscolaire", "/creche", "/sejours" — the
// family's pre-enrolment requests of one kind (status, what is still missing
// with links to the screens that fix it, "Valider ma demande", "Retirer la
// demande") and the form to make a new one (POST /api/enrolment/requests).

import { api, post, del } from '../api.js';
import {
  h, field, textareaField, selectField, pageTitle, requiredNote, errorSummary, showErrors, clearErrors,
  busy, statusRegion, announce, alertBox, formValue,
} from '../ui.js';
import {
  ENROLMENT, loadFamily, loadCatalogue, frenchDate, childName, requestPlaces, requestTitle, statusBadge,
  accountCrumbs, KINDS, WEEKDAYS, missingHref,
} from '../family-file.js';

const INTRO = {
  periscolaire: "Formulez votre demande d'inscription sur une Structure Enfance : choix de l'établissement, informations supplémentaires.",
  creche: 'Formulez votre demande de pré-inscription sur une Structure Petite Enfance : choix de l\'établissement, programmation semaine, informations supplémentaires.',
  sejour: 'Formulez votre demande de pré-inscription pour un ou plusieurs séjours de vacances : choix du ou des séjours, informations supplémentaires.',
};
const VALIDATOR = { periscolaire: 'le responsable de la structure', creche: 'le responsable de la structure', sejour: 'le coordinateur séjours' };
const WITHDRAWABLE = ['draft', 'submitted', 'returned'];
const TO_COMPLETE = ['draft', 'returned', 'revoked'];
const today = () => new Date().toISOString().slice(0, 10);
const enc = encodeURIComponent;

// --- one request -------------------------------------------------------------------

function details(request, catalogue) {
  const rows = [];
  const places = requestPlaces(request, catalogue);
  if (request.kind === 'sejour') {
    rows.push([places.length > 1 ? 'Séjours' : 'Séjour', places]);
  } else if (request.kind === 'periscolaire' && request.wednesday_structure_id) {
    rows.push(['Établissement (jours scolaires)', places[0]]);
    rows.push(['Deuxième établissement (mercredi)', places[1] || request.wednesday_structure_id]);
  } else {
    rows.push(['Établissement', places[0]]);
  }
  if (request.desired_start) rows.push(['Date de début souhaitée', frenchDate(request.desired_start)]);
  if (request.kind === 'creche') {
    rows.push(['Programmation semaine', (request.weekly_programme || []).map((slot) =>
      `${WEEKDAYS[slot.weekday]} : ${slot.arrival} – ${slot.departure}`)]);
  }
  if (request.notes) rows.push(['Informations supplémentaires', request.notes]);
  rows.push(['Demande créée le', frenchDate(request.created_at)]);
  if (request.submitted_at) rows.push(['Transmise le', frenchDate(request.submitted_at)]);
  if (request.validated_at && request.status === 'validated') rows.push(['Validée le', frenchDate(request.validated_at)]);
  return h('dl', { class: 'details' }, rows.map(([term, value]) => [
    h('dt', {}, term),
    h('dd', {}, Array.isArray(value) ? value.map((line, i) => [i ? h('br') : null, line]) : value),
  ]));
}

function missingList(missing) {
  return h('div', { class: 'alert alert-info missing' },
    h('p', { class: 'alert-title' }, 'Il vous reste à compléter :'),
    h('ul', {}, missing.map((item) => h('li', {}, h('a', { href: missingHref(item) }, item.label)))),
    h('p', { class: 'hint' }, 'En cliquant sur les informations manquantes, vous serez automatiquement redirigé(e) vers les informations à compléter. Revenez ensuite sur cette page pour valider votre demande.'));
}

/** "Compléter / Valider ma demande": what is missing (links) or the button that submits. */
function completeness(request, refresh) {
  const id = `complete-${request.request_id}`;
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Vérification de votre dossier…'));
  const feedback = h('div');
  const box = h('div', { class: 'completeness', role: 'group', 'aria-labelledby': id },
    h('h4', { id }, 'Compléter / Valider ma demande'), feedback, body);

  const show = async () => {
    body.setAttribute('aria-busy', 'true');
    try {
      const result = await api(`${ENROLMENT}/requests/${enc(request.request_id)}/completeness`);
      if (!result.complete) {
        body.replaceChildren(missingList(result.missing || []));
        return;
      }
      const submit = h('button', { type: 'button', class: 'btn btn-primary' }, 'Valider ma demande');
      submit.addEventListener('click', async () => {
        feedback.replaceChildren();
        try {
          await busy(submit, () => post(`${ENROLMENT}/requests/${enc(request.request_id)}/submit`), 'Envoi en cours…');
          await refresh(request.request_id, 'success',
            `Votre demande est transmise. Elle reste en attente jusqu'à la validation par ${VALIDATOR[request.kind]}.`);
        } catch (error) {
          const alert = alertBox('error', null, error.message);
          alert.tabIndex = -1;
          feedback.replaceChildren(alert);
          await show();
          alert.focus();
        }
      });
      body.replaceChildren(
        h('p', {}, 'Toutes les informations et tous les documents obligatoires sont renseignés : vous pouvez valider votre demande.'),
        h('div', { class: 'actions' }, submit));
    } catch (error) {
      body.replaceChildren(alertBox('error', null, error.message));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  };
  show();
  return box;
}

function requestCard(request, catalogue, refresh) {
  const id = `request-${request.request_id}`;
  const outcome = h('div');
  const parts = [
    h('h3', { id, tabindex: '-1' }, requestTitle(request)),
    h('p', { class: 'request-status' }, 'Statut : ', statusBadge(request.status)),
    details(request, catalogue),
  ];
  if ((request.status === 'returned' || request.status === 'revoked') && request.staff_message) {
    parts.push(alertBox('info', request.status === 'returned' ? 'Message du responsable :' : 'Motif de la suspension :',
      h('p', {}, request.staff_message)));
  }
  if (TO_COMPLETE.includes(request.status)) parts.push(completeness(request, refresh));
  if (request.status === 'submitted') {
    parts.push(h('p', {}, `Votre demande est transmise. Elle reste en attente jusqu'à la validation par ${VALIDATOR[request.kind]}. Un mail vous sera adressé dès que la validation sera effective.`));
  }
  if (request.status === 'validated') {
    parts.push(h('p', {}, 'Votre dossier est validé : vous pourrez saisir votre planning de réservation dans l\'onglet « Mon planning ». Si votre planning n\'est pas saisi, votre demande ne pourra pas être traitée.'));
  }
  if (WITHDRAWABLE.includes(request.status)) {
    const withdraw = h('button', { type: 'button', class: 'btn btn-secondary btn-danger' },
      'Retirer la demande', h('span', { class: 'sr-only' }, ` : ${requestTitle(request)}`));
    withdraw.addEventListener('click', async () => {
      // eslint-disable-next-line no-alert
      if (!window.confirm(`Retirer la demande « ${requestTitle(request)} » ?`)) return;
      try {
        await busy(withdraw, () => del(`${ENROLMENT}/requests/${enc(request.request_id)}`), 'Retrait…');
        await refresh(null, 'success', `La demande « ${requestTitle(request)} » est retirée.`);
      } catch (error) {
        const alert = alertBox('error', null, error.message);
        alert.tabIndex = -1;
        outcome.replaceChildren(alert);
        alert.focus();
      }
    });
    parts.push(h('div', { class: 'actions' }, withdraw), outcome);
  }
  return h('li', { class: 'card request-card' }, h('article', { 'aria-labelledby': id }, parts));
}

// --- the new request's form ---------------------------------------------------------

function structureOptions(catalogue, activity) {
  return (catalogue.structures || []).filter((s) => (s.activities || []).includes(activity))
    .map((s) => ({ value: s.structure_id, label: `${s.name} (${s.commune})` }));
}

function programmeFields(p) {
  return h('fieldset', { class: 'field programme', id: `${p}-weekly_programme`, 'data-field': 'weekly_programme', tabindex: '-1' },
    h('legend', {}, 'Programmation semaine', h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    h('p', { class: 'hint', id: `${p}-programme-hint` }, "Pour chaque jour d'accueil souhaité, l'heure d'arrivée et l'heure de départ (par exemple 08:00 et 17:30). Laissez vides les jours sans accueil."),
    h('p', { class: 'field-error', id: `${p}-weekly_programme-error`, hidden: true }),
    h('div', { class: 'programme-days' }, WEEKDAYS.map((day, weekday) => h('fieldset', { class: 'day' },
      h('legend', {}, day),
      field({ name: `programme.${weekday}.arrival`, label: "Heure d'arrivée", type: 'time', idPrefix: p }),
      field({ name: `programme.${weekday}.departure`, label: 'Heure de départ', type: 'time', idPrefix: p })))));
}

function sejourChoices(p, catalogue) {
  const sejours = [...(catalogue.sejours || [])].sort((a, b) => a.start.localeCompare(b.start));
  return h('fieldset', { class: 'field checks', id: `${p}-sejour_ids`, 'data-field': 'sejour_ids', tabindex: '-1' },
    h('legend', {}, 'Séjours', h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    h('p', { class: 'hint' }, 'Sélectionnez uniquement le ou les séjour(s) concerné(s) par votre inscription.'),
    h('p', { class: 'field-error', id: `${p}-sejour_ids-error`, hidden: true }),
    sejours.length
      ? sejours.map((s, i) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `${p}-sejour-${i}`, name: 'sejour_ids', value: s.sejour_id }),
        h('label', { for: `${p}-sejour-${i}` },
          h('strong', {}, s.name), ` – du ${frenchDate(s.start)} au ${frenchDate(s.end)}, de ${s.age_min} à ${s.age_max} ans`)))
      : h('p', {}, 'Aucun séjour n\'est proposé pour le moment.'));
}

function newRequestForm(kind, file, catalogue, refresh) {
  const p = `new-${kind}`;
  const children = file.children || [];
  if (!children.length) {
    return h('p', {}, "Ajoutez d'abord votre enfant dans « ",
      h('a', { href: '/mon-compte/enfants/nouveau' }, 'Mes enfants'), ' ».');
  }
  const parts = [
    errorSummary(), requiredNote(),
    selectField({
      name: 'child_id', label: 'Enfant', required: true, idPrefix: p,
      value: children.length === 1 ? children[0].child_id : '',
      options: children.map((c) => ({ value: c.child_id, label: childName(c) })),
    }),
  ];
  if (kind === 'periscolaire') {
    parts.push(
      h('div', { class: 'callout callout-warning' }, h('p', {},
        h('strong', {}, 'Important : '),
        'pour une demande concernant ', h('strong', {}, 'plusieurs établissements'),
        ' (premier établissement pour les jours scolaires, deuxième établissement pour le mercredi), il faudra sélectionner les ',
        h('strong', {}, 'deux établissements'), ' ci-dessous.')),
      selectField({ name: 'structure_id', label: 'Établissement (jours scolaires)', required: true, idPrefix: p, options: structureOptions(catalogue, 'periscolaire') }),
      selectField({ name: 'wednesday_structure_id', label: 'Deuxième établissement (mercredi)', idPrefix: p, placeholder: '— Aucun —', hint: 'Facultatif : seulement si votre enfant est accueilli le mercredi dans un autre établissement.', options: structureOptions(catalogue, 'mercredi') }),
      field({ name: 'desired_start', label: 'Date de début souhaitée', type: 'date', required: true, min: today(), idPrefix: p }));
  } else if (kind === 'creche') {
    parts.push(
      selectField({ name: 'structure_id', label: 'Établissement', required: true, idPrefix: p, options: structureOptions(catalogue, 'creche') }),
      field({ name: 'desired_start', label: 'Date de début souhaitée', type: 'date', required: true, min: today(), idPrefix: p }),
      programmeFields(p));
  } else {
    parts.push(sejourChoices(p, catalogue));
  }
  parts.push(textareaField({ name: 'notes', label: 'Informations supplémentaires', idPrefix: p, hint: 'Facultatif : toute précision utile à votre demande.', maxlength: 2000 }));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer ma demande');
  parts.push(h('div', { class: 'form-actions' }, submit));
  const form = h('form', { novalidate: true, class: 'file-form', 'aria-labelledby': 'new-request-title' }, parts);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const get = (name) => formValue(form, name);
    const fields = {};
    const body = { kind, child_id: get('child_id'), notes: get('notes') };
    if (!body.child_id) fields.child_id = "Choisissez l'enfant concerné.";
    let weekdays = [];
    if (kind === 'periscolaire' || kind === 'creche') {
      body.structure_id = get('structure_id');
      body.desired_start = get('desired_start');
      if (!body.structure_id) fields.structure_id = "Choisissez l'établissement.";
      if (!body.desired_start) fields.desired_start = 'Indiquez la date de début souhaitée.';
    }
    if (kind === 'periscolaire' && get('wednesday_structure_id')) body.wednesday_structure_id = get('wednesday_structure_id');
    if (kind === 'creche') {
      body.weekly_programme = [];
      WEEKDAYS.forEach((day, weekday) => {
        const arrival = get(`programme.${weekday}.arrival`);
        const departure = get(`programme.${weekday}.departure`);
        if (!arrival && !departure) return;
        if (!arrival) fields[`programme.${weekday}.arrival`] = `Indiquez l'heure d'arrivée du ${day.toLowerCase()}.`;
        else if (!departure) fields[`programme.${weekday}.departure`] = `Indiquez l'heure de départ du ${day.toLowerCase()}.`;
        else if (departure <= arrival) fields[`programme.${weekday}.departure`] = "L'heure de départ doit être après l'heure d'arrivée.";
        body.weekly_programme.push({ weekday, arrival, departure });
      });
      weekdays = body.weekly_programme.map((slot) => slot.weekday);
      if (!body.weekly_programme.length) fields.weekly_programme = "Indiquez les horaires d'au moins un jour de la semaine.";
    }
    if (kind === 'sejour') {
      body.sejour_ids = [...form.querySelectorAll('input[name="sejour_ids"]:checked')].map((box) => box.value);
      if (!body.sejour_ids.length) fields.sejour_ids = 'Choisissez au moins un séjour.';
    }
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    try {
      const created = await busy(submit, () => post(`${ENROLMENT}/requests`, body), 'Enregistrement…');
      clearErrors(form);
      form.reset();
      await refresh(created.request_id, 'success',
        'Votre demande est enregistrée. Complétez les informations manquantes, puis validez-la avec le bouton « Valider ma demande ».');
    } catch (error) {
      // The API names the slots of the programme by their place in the list: back to weekdays.
      const mapped = {};
      for (const [name, text] of Object.entries(error.fields || {})) {
        const match = /^weekly_programme\.(\d+)\.(.+)$/.exec(name);
        mapped[match && weekdays[Number(match[1])] !== undefined ? `programme.${weekdays[Number(match[1])]}.${match[2]}` : name] = text;
      }
      showErrors(form, { message: error.message, fields: mapped });
    }
  });
  return form;
}

// --- the page ------------------------------------------------------------------------

export async function render({ route }) {
  const kind = route.variant;
  const info = KINDS[kind];
  const [file, catalogue] = await Promise.all([loadFamily(), loadCatalogue()]);
  const status = statusRegion();
  const list = h('div', { class: 'request-list' });

  const draw = (current) => {
    const mine = (current.requests || []).filter((r) => r.kind === kind);
    list.replaceChildren(mine.length
      ? h('ul', { class: 'cards cards-wide', 'aria-label': 'Mes demandes' }, mine.map((r) => requestCard(r, catalogue, refresh)))
      : h('p', {}, "Vous n'avez pas encore de demande de ce type."));
  };
  // After a change: reload the file, redraw, say what happened, focus the request.
  async function refresh(requestId, kindOfMessage, message) {
    const current = await loadFamily();
    draw(current);
    announce(status, kindOfMessage, null, message);
    const heading = requestId && list.querySelector(`#request-${CSS.escape(requestId)}`);
    (heading || list.closest('section').querySelector('h2')).focus();
  }
  draw(file);

  return h('div', { class: 'requests' },
    accountCrumbs({ label: info.title }),
    pageTitle(info.title),
    h('p', { class: 'lead' }, INTRO[kind]),
    h('p', {}, "Les champs marqués d'un * sont obligatoires. Si une mention ou un document obligatoire n'est pas renseigné, vous ne pourrez pas valider."),
    h('section', { 'aria-labelledby': 'my-requests-title' },
      h('h2', { id: 'my-requests-title', tabindex: '-1' }, 'Mes demandes'),
      status, list),
    h('section', { class: 'panel panel-wide', 'aria-labelledby': 'new-request-title' },
      h('h2', { id: 'new-request-title' }, 'Nouvelle demande'),
      newRequestForm(kind, file, catalogue, refresh)));
}
