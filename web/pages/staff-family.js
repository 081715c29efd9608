// "/gestion/familles/{family_id}" — a family's file for the staff, read-only:
// the requests of the person's structures ("Valider le dossier", "Renvoyer à
// la famille"), the documents ("Ouvrir", "Accepter", "Refuser"), the pending
// changes, then profile, household and children.

import { api, apiAll, post } from '../api.js';
import {
  h, pageTitle, busy, alertBox, statusRegion, announce, reasonDisclosure,
} from '../ui.js';
import {
  ENROLMENT, loadCatalogue, frenchDate, frenchPhone, formatValue, addressLines, civilityLabel, childName,
  requestPlaces, staffStatusBadge, staffCrumbs, manages, KINDS, WEEKDAYS, SEX, AUTHORISATIONS,
} from '../family-file.js';
import { documentStatusText, openInNewTab } from './documents.js';
import { changeItem } from './staff-changes.js';

const enc = encodeURIComponent;
const VISIBLE = ['submitted', 'validated', 'returned', 'revoked'];

/** « Historique des actions »: who of the team did what on this file, newest first (the audit log). */
function auditSection(familyId) {
  const holder = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Chargement de l\'historique…'));
  apiAll(`${ENROLMENT}/staff/families/${enc(familyId)}/audit`).then((data) => {
    const items = (data && data.items) || [];
    holder.replaceChildren(items.length
      ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'file-audit' },
        h('table', { class: 'queue audit-table' },
          h('thead', {}, h('tr', {}, ['Date', 'Action', 'Par'].map((l) => h('th', { scope: 'col' }, l)))),
          h('tbody', {}, items.map((e) => h('tr', {},
            h('td', {}, new Date(e.at).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' })),
            h('td', {}, e.label),
            h('td', {}, e.actor_name))))))
      : h('p', {}, 'Aucune action enregistrée.'));
  }).catch((error) => holder.replaceChildren(alertBox('error', null, error.message)))
    .finally(() => holder.setAttribute('aria-busy', 'false'));
  return h('section', { class: 'file-audit', 'aria-labelledby': 'file-audit' },
    h('h2', { id: 'file-audit' }, 'Historique des actions'), holder);
}

function dl(rows) {
  return h('dl', { class: 'details' }, rows.map(([term, value]) => [
    h('dt', {}, term),
    h('dd', {}, Array.isArray(value)
      ? (value.length ? value.map((line, i) => [i ? h('br') : null, line]) : 'Non renseigné')
      : (value === null || value === undefined || value === '' ? 'Non renseigné' : value)),
  ]));
}

const yesNo = (value) => (value === true ? 'Oui' : value === false ? 'Non' : 'Non renseigné');

function ageOf(birth) {
  if (!birth) return '';
  const [y, m, d] = birth.split('-').map(Number);
  const now = new Date();
  let age = now.getFullYear() - y;
  if (now.getMonth() + 1 < m || (now.getMonth() + 1 === m && now.getDate() < d)) age -= 1;
  return `${age} an${age > 1 ? 's' : ''}`;
}

function profileSection(file) {
  const p = file.profile;
  return h('section', { class: 'panel', 'aria-labelledby': 'file-profile' },
    h('h2', { id: 'file-profile' }, 'Profil'),
    p ? dl([
      ['Civilité', civilityLabel(p.civility)], ['Nom', p.last_name], ['Prénom', p.first_name],
      ['Adresse e-mail', file.email], ['Adresse postale', addressLines(p.address)],
      ['Téléphone mobile', frenchPhone(p.mobile_phone)], ['Téléphone fixe', frenchPhone(p.home_phone)],
      ['Profession', p.profession], ['Employeur', p.employer], ['Téléphone professionnel', frenchPhone(p.work_phone)],
    ]) : h('p', {}, 'Profil non renseigné. Adresse e-mail du compte : ', file.email || ''));
}

function householdSection(file) {
  const v = file.household;
  return h('section', { class: 'panel', 'aria-labelledby': 'file-household' },
    h('h2', { id: 'file-household' }, 'Foyer'),
    v ? dl([
      ['Conjoint(e)', v.spouse ? formatValue(v.spouse) : 'Aucun(e) déclaré(e)'],
      ['Facturation', v.billing ? [v.billing.name, ...addressLines(v.billing.address), v.billing.email].filter(Boolean) : null],
      ['Régime allocataire', v.allocataire ? formatValue(v.allocataire) : null],
      ['Quotient familial', v.quotient ? formatValue(v.quotient) : null],
      ['Autres enfants du foyer', (v.other_children || []).map(formatValue)],
    ]) : h('p', {}, 'Foyer non renseigné.'));
}

function childSection(child) {
  const id = `file-child-${child.child_id}`;
  const m = child.medical || {};
  const a = child.authorisations || {};
  return h('section', { class: 'panel', 'aria-labelledby': id },
    h('h3', { id }, childName(child)),
    dl([
      ['Sexe', (SEX.find((s) => s.value === child.sex) || {}).label],
      ['Date de naissance', child.birth_date ? `${frenchDate(child.birth_date)} (${ageOf(child.birth_date)})` : null],
      ['Scolarité', child.school ? formatValue(child.school) : null],
    ]),
    h('h4', {}, 'Dossier médical'),
    dl([
      ['Médecin traitant', [m.doctor_name, frenchPhone(m.doctor_phone)].filter(Boolean).join(' – ')],
      ['Vaccinations', (m.vaccinations || []).map(formatValue)],
      ['Allergies', m.allergies], ['Régime alimentaire', m.diet], ['PAI', yesNo(m.pai)],
      ['Traitements', m.treatments], ['Observations', m.notes],
    ]),
    h('h4', {}, 'Autorisations'),
    dl(AUTHORISATIONS.map((item) => [item.label, yesNo(a[item.key])])),
    h('h4', {}, "Personnes autorisées à récupérer l'enfant"),
    (child.authorised_persons || []).length
      ? h('ul', {}, child.authorised_persons.map((person) => h('li', {}, formatValue(person))))
      : h('p', {}, 'Aucune.'));
}

export async function render({ params, query, account }) {
  const familyId = params.id;
  const catalogue = await loadCatalogue().catch(() => ({ structures: [], sejours: [] }));
  const status = statusRegion();
  status.tabIndex = -1;
  const body = h('div');
  let file = await api(`${ENROLMENT}/staff/families/${enc(familyId)}`);

  async function reload(message) {
    file = await api(`${ENROLMENT}/staff/families/${enc(familyId)}`);
    draw();
    announce(status, 'success', null, message);
    status.focus();
  }
  const failure = (holder) => (error) => {
    const lines = error.code === 'incomplete' ? Object.values(error.fields || {}) : [];
    const alert = alertBox('error', null, h('p', {}, error.message), lines.length ? h('ul', {}, lines.map((text) => h('li', {}, text))) : null);
    alert.tabIndex = -1;
    holder.replaceChildren(alert);
    alert.focus();
  };

  function requestItem(request) {
    const id = `req-${request.request_id}`;
    const outcome = h('div');
    const structureIds = request.structure_ids || [request.structure_id, request.wednesday_structure_id].filter(Boolean);
    const mine = structureIds.filter((s) => manages(account, s));
    const done = request.validated_structures || [];
    const actions = [];
    const title = `${(KINDS[request.kind] || { label: request.kind }).label} – ${request.child_first_name || ''}`;
    if (request.status === 'submitted' || (request.status === 'validated' && mine.some((s) => !done.includes(s)))) {
      const validate = h('button', { type: 'button', class: 'btn btn-primary' }, 'Valider le dossier',
        h('span', { class: 'sr-only' }, ` : ${title}`));
      validate.addEventListener('click', async () => {
        outcome.replaceChildren();
        try {
          await busy(validate, () => post(`${ENROLMENT}/staff/requests/${enc(request.request_id)}/validate`, { family_id: familyId }), 'Validation…');
          await reload(`Le dossier est validé : ${title}. La famille est prévenue par e-mail.`);
        } catch (error) {
          failure(outcome)(error);
        }
      });
      actions.push(validate);
    }
    let back = null;
    if (request.status === 'submitted' || request.status === 'revoked') {
      back = reasonDisclosure({
        idPrefix: `return-${request.request_id}`, openLabel: 'Renvoyer à la famille', srSuffix: title,
        fieldLabel: 'Message à la famille', hint: 'Ce qu\'elle doit compléter ou corriger ; il lui est envoyé par e-mail.',
        submitLabel: 'Renvoyer le dossier', requiredMessage: 'Écrivez le message à la famille.',
        onSubmit: async (message) => {
          await post(`${ENROLMENT}/staff/requests/${enc(request.request_id)}/return`, { family_id: familyId, message });
          await reload(`Le dossier est renvoyé à la famille : ${title}.`);
        },
      });
      actions.push(back.toggle);
    }
    const rows = [];
    const places = requestPlaces(request, catalogue);
    rows.push([request.kind === 'sejour' ? 'Séjour(s)' : 'Structure(s)', places]);
    if (request.desired_start) rows.push(['Date de début souhaitée', frenchDate(request.desired_start)]);
    if (request.kind === 'creche') {
      rows.push(['Programmation semaine', (request.weekly_programme || []).map((s) => `${WEEKDAYS[s.weekday]} : ${s.arrival} – ${s.departure}`)]);
    }
    if (request.notes) rows.push(['Informations supplémentaires', request.notes]);
    rows.push(['Transmise le', frenchDate(request.submitted_at)]);
    if (request.validated_at && request.status === 'validated') rows.push(['Validée le', frenchDate(request.validated_at)]);
    if (request.staff_message && request.status !== 'validated') rows.push(['Message', request.staff_message]);
    return h('li', { class: 'card request-card' }, h('article', { 'aria-labelledby': id },
      h('h3', { id }, title),
      h('p', {}, 'Statut : ', staffStatusBadge(request.status)),
      dl(rows),
      actions.length ? h('div', { class: 'actions actions-inline' }, actions) : null,
      back ? back.form : null, outcome));
  }

  function documentRow(doc) {
    const child = (file.children || []).find((c) => c.child_id === doc.child_id);
    const label = child ? `${doc.label} – ${child.first_name}` : doc.label;
    const id = `doc-${doc.document_id}`;
    const outcome = h('div');
    const path = `${ENROLMENT}/staff/families/${enc(familyId)}/documents/${enc(doc.document_id)}`;
    const open = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Ouvrir', h('span', { class: 'sr-only' }, ` : ${label}`));
    open.addEventListener('click', () => openInNewTab(() => api(`${path}/download`)).catch(failure(outcome)));
    const actions = [open];
    if (doc.status !== 'accepted') {
      const accept = h('button', { type: 'button', class: 'btn btn-primary btn-small' }, 'Accepter', h('span', { class: 'sr-only' }, ` : ${label}`));
      accept.addEventListener('click', async () => {
        try {
          await busy(accept, () => post(`${path}/review`, { decision: 'accepted' }), 'Envoi…');
          await reload(`Document accepté : ${label}.`);
        } catch (error) {
          failure(outcome)(error);
        }
      });
      actions.push(accept);
    }
    let refuse = null;
    if (doc.status !== 'rejected') {
      refuse = reasonDisclosure({
        idPrefix: `reject-${doc.document_id}`, openLabel: 'Refuser', srSuffix: label,
        fieldLabel: 'Motif du refus', hint: 'Il sera communiqué à la famille, qui pourra envoyer un nouveau document.',
        submitLabel: 'Confirmer le refus', requiredMessage: 'Indiquez le motif du refus.',
        onSubmit: async (reason) => {
          await post(`${path}/review`, { decision: 'rejected', reason });
          await reload(`Document refusé : ${label}.`);
        },
      });
      actions.push(refuse.toggle);
    }
    return h('li', { class: `card doc doc-${doc.status}` }, h('article', { 'aria-labelledby': id },
      h('h3', { id }, label),
      h('p', { class: 'doc-name' }, doc.filename, doc.uploaded_at ? ` – reçu le ${frenchDate(doc.uploaded_at)}` : ''),
      h('p', {}, 'Statut : ', h('span', { class: `status status-doc-${doc.status}` }, documentStatusText(doc))),
      h('div', { class: 'actions actions-inline' }, actions),
      refuse ? refuse.form : null, outcome));
  }

  function draw() {
    const wanted = query.get('demande');
    const requests = (file.requests || [])
      .filter((r) => VISIBLE.includes(r.status)
        && (r.structure_ids || [r.structure_id, r.wednesday_structure_id]).some((s) => s && manages(account, s)))
      .sort((a, b) => (b.request_id === wanted) - (a.request_id === wanted));
    const documents = file.documents || [];
    const changes = file.pending_changes || [];
    body.replaceChildren(...[
      h('section', { 'aria-labelledby': 'file-requests' },
        h('h2', { id: 'file-requests' }, 'Demandes de pré-inscription'),
        requests.length
          ? h('ul', { class: 'cards cards-wide' }, requests.map(requestItem))
          : h('p', {}, 'Aucune demande transmise dans vos structures.')),
      h('section', { 'aria-labelledby': 'file-documents' },
        h('h2', { id: 'file-documents' }, 'Documents'),
        documents.length
          ? h('ul', { class: 'cards' }, documents.map(documentRow))
          : h('p', {}, 'Aucun document transmis.')),
      changes.length ? h('section', { 'aria-labelledby': 'file-changes' },
        h('h2', { id: 'file-changes' }, 'Modifications en attente de validation'),
        h('ul', { class: 'cards' }, changes.map((change) => {
          const child = (file.children || []).find((c) => c.child_id === change.child_id);
          return changeItem(change, { familyId, childLabel: child ? child.first_name : null, onDone: (text) => reload(text) });
        }))) : null,
      h('div', { class: 'panels' }, profileSection(file), householdSection(file)),
      h('section', { 'aria-labelledby': 'file-children' },
        h('h2', { id: 'file-children' }, 'Enfants'),
        (file.children || []).length ? (file.children || []).map(childSection) : h('p', {}, 'Aucun enfant.')),
    ].filter(Boolean));
  }
  draw();

  const who = file.profile || file;
  const name = who.last_name || '';
  return h('div', { class: 'staff-family' },
    staffCrumbs({ label: 'Validation des dossiers', href: '/gestion/dossiers' }, { label: `Famille ${name}` }),
    pageTitle(`Dossier de la famille ${name}`),
    h('p', { class: 'lead' }, [civilityLabel(who.civility), who.first_name, who.last_name].filter(Boolean).join(' '),
      file.email ? ` – ${file.email}` : ''),
    h('p', {}, h('a', { href: '/gestion/dossiers' }, 'Retour à la liste des dossiers')),
    status, body, auditSection(familyId));
}
