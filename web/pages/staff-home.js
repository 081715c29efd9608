// "/gestion" — back-office home: who is signed in, the tools ("Validation des
// dossiers", "Demandes de réservation" and the answers screens are open), and for
// the administrator the professional accounts.

import { api, apiAll, post, put } from '../api.js';
import {
  h, field, radioGroup, selectField, pageTitle, requiredNote, errorSummary, showErrors, clearErrors,
  busy, alertBox, statusRegion, announce, EMAIL_RE,
} from '../ui.js';
import { ROLE_LABELS } from '../session.js';

const STAFF_ROLES = ['manager', 'coordinator', 'committee', 'admin'];

const TILES = [
  { name: 'Validation des dossiers', href: '/gestion/dossiers', roles: ['manager', 'coordinator', 'admin'], text: 'Valider les comptes, les dossiers des familles, les modifications d\'informations et les documents.' },
  { name: 'Demandes de réservation', href: '/gestion/reservations', roles: ['manager', 'coordinator', 'admin'], text: 'Consulter l\'occupation des plages d\'accueil, les demandes en attente de réponse et les annulations demandées par les familles.' },
  { name: 'Réponses aux demandes', href: '/gestion/reponses', roles: ['manager', 'coordinator', 'admin'], text: 'Accepter, mettre sur liste d\'attente ou refuser les demandes de réservation, jour et plage par jour et plage ou date par date.' },
  { name: "Commission d'attribution", href: '/gestion/commission', roles: ['manager', 'coordinator', 'committee', 'admin'], text: 'Préparer, simuler et publier les décisions de la commission d\'attribution des places.' },
  { name: "Liste d'attente", href: '/gestion/liste-attente', roles: ['manager', 'coordinator', 'admin'], text: 'Suivre la liste d\'attente et proposer les places qui se libèrent.' },
  { name: 'Places par jour', href: '/gestion/places', roles: ['manager', 'coordinator', 'admin'], text: 'Les places prises et libres de chaque plage, jour par jour, et les réglages de chaque période.' },
  { name: 'Liste du jour', href: '/gestion/liste-du-jour', roles: ['manager', 'coordinator', 'admin'], text: 'Les enfants attendus par plage, avec leur classe, leurs allergies, PAI et régime, et les personnes autorisées à venir les chercher ; impression et export CSV.' },
  { name: 'Journal des actions', href: '/gestion/journal', roles: ['admin'], text: 'Qui a fait quoi et quand : validations, documents, décisions, commission, catalogue et comptes ; filtres et export CSV.' },
  { name: 'Catalogue', href: '/gestion/catalogue', roles: ['manager', 'coordinator', 'admin'], text: 'Structures, périodes, plages d\'accueil, capacités, séjours et fermetures.' },
];

// Structure names by id, from planning's catalogue (staff read it; ids are never shown).
let structureNames = new Map();
async function loadStructureNames() {
  try {
    const data = await api('/api/planning/catalogue');
    structureNames = new Map((data.structures || []).map((s) => [s.structure_id, s.name]));
  } catch {
    structureNames = new Map();
  }
  return structureNames;
}

function structuresText(list, role) {
  if (list && list.length) return list.map((id) => structureNames.get(id) || id).join(', ');
  return role === 'manager' ? 'Aucune structure' : 'Toutes les structures';
}

/** Checkboxes of the catalogue's structures (the picker of a staff account's scope). */
function structurePicker(p, chosen = []) {
  const options = [...structureNames.entries()].sort((a, b) => a[1].localeCompare(b[1], 'fr'));
  return h('fieldset', { class: 'field structure-picker', 'data-field': 'structures', id: `${p}-structures` },
    h('legend', {}, 'Structures'),
    h('p', { class: 'hint' }, 'Obligatoire pour un responsable de structure et un coordinateur. Sans structure, un membre de la commission ou un administrateur voit toutes les structures.'),
    h('p', { class: 'field-error', id: `${p}-structures-error`, hidden: true }),
    options.length
      ? h('div', { class: 'checks' }, options.map(([id, name]) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `${p}-structure-${id}`, name: 'structure', value: id, checked: chosen.includes(id) }),
        h('label', { for: `${p}-structure-${id}` }, name))))
      : h('p', {}, 'Aucune structure dans le catalogue : créez-en une dans « Catalogue ».'));
}

const pickedStructures = (form) => [...form.querySelectorAll('input[name="structure"]:checked')].map((c) => c.value);

const STATUS_LABELS = { active: 'Actif', invited: 'Invitation envoyée', disabled: 'Désactivé' };

/** « Modifier »: names, role and structures of an account (the admin's own role cannot change). */
function editForm(item, onDone) {
  const p = `staff-edit-${item.account_id}`;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer');
  const form = h('form', { novalidate: true, class: 'staff-edit' }, errorSummary(),
    radioGroup({ name: 'civility', legend: 'Civilité', required: true, idPrefix: p, value: item.civility, options: [{ value: 'Mme', label: 'Madame' }, { value: 'M.', label: 'Monsieur' }] }),
    field({ name: 'last_name', label: 'Nom', required: true, autocomplete: 'off', idPrefix: p, value: item.last_name }),
    field({ name: 'first_name', label: 'Prénom', required: true, autocomplete: 'off', idPrefix: p, value: item.first_name }),
    selectField({ name: 'role', label: 'Rôle', required: true, idPrefix: p, value: item.role, options: STAFF_ROLES.map((value) => ({ value, label: ROLE_LABELS[value] })) }),
    structurePicker(p, item.structures || []),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const get = (name) => form.elements.namedItem(name).value.trim();
    const body = { civility: get('civility'), first_name: get('first_name'), last_name: get('last_name'), role: get('role'), structures: pickedStructures(form) };
    try {
      await busy(submit, () => put(`/api/accounts/staff/${encodeURIComponent(item.account_id)}`, body), 'Enregistrement…');
      onDone(`Le compte de ${body.first_name} ${body.last_name} est modifié. Ses sessions en cours sont terminées.`);
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return h('details', { class: 'staff-edit-details' }, h('summary', {}, 'Modifier'), form);
}

function staffActions(item, onDone, onError) {
  const who = [item.first_name, item.last_name].filter(Boolean).join(' ');
  const action = (label, path, message) => {
    const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, label);
    btn.addEventListener('click', async () => {
      try {
        await busy(btn, () => post(`/api/accounts/staff/${encodeURIComponent(item.account_id)}/${path}`, {}));
        onDone(message);
      } catch (error) {
        onError(error.message);
      }
    });
    return btn;
  };
  return [
    editForm(item, onDone),
    item.status === 'disabled'
      ? action('Réactiver', 'reactivate', `Le compte de ${who} est réactivé.`)
      : action('Désactiver', 'deactivate', `Le compte de ${who} est désactivé : ses sessions sont terminées.`),
    item.status === 'invited' ? action("Renvoyer l'invitation", 'invitation', `Une nouvelle invitation a été envoyée à ${item.email}.`) : null,
  ];
}

function staffList() {
  const done = statusRegion();
  const holder = h('div', { class: 'staff-list', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('p', {}, 'Chargement des comptes…'));
  const load = async () => {
    holder.setAttribute('aria-busy', 'true');
    try {
      const data = await apiAll('/api/accounts/staff');
      const items = (data && data.items) || [];
      if (!items.length) {
        holder.replaceChildren(h('p', {}, 'Aucun compte professionnel pour le moment.'));
        return;
      }
      const after = (message) => { announce(done, 'success', null, message); load(); };
      const failed = (message) => announce(done, 'error', null, message);
      holder.replaceChildren(h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'staff-caption' },
        h('table', {},
          h('caption', { id: 'staff-caption' }, `Comptes professionnels (${items.length})`),
          h('thead', {}, h('tr', {},
            ['Nom', 'Adresse e-mail', 'Rôle', 'Structures', 'État', 'Actions'].map((label) => h('th', { scope: 'col' }, label)))),
          h('tbody', {}, items.map((item) => h('tr', {},
            h('th', { scope: 'row' }, [item.first_name, item.last_name].filter(Boolean).join(' ')),
            h('td', {}, item.email),
            h('td', {}, ROLE_LABELS[item.role] || item.role),
            h('td', {}, structuresText(item.structures, item.role)),
            h('td', {}, STATUS_LABELS[item.status] || item.status),
            h('td', { class: 'actions' }, staffActions(item, after, failed))))))));
    } catch (error) {
      holder.replaceChildren(alertBox('error', null, error.message));
    } finally {
      holder.setAttribute('aria-busy', 'false');
    }
  };
  load();
  return { node: h('div', {}, done, holder), reload: load };
}

function createForm(onCreated) {
  const p = 'staff-new';
  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Créer le compte');
  const form = h('form', { novalidate: true, 'aria-labelledby': `${p}-title` },
    errorSummary(), requiredNote(),
    radioGroup({ name: 'civility', legend: 'Civilité', required: true, idPrefix: p, options: [{ value: 'Mme', label: 'Madame' }, { value: 'M.', label: 'Monsieur' }] }),
    field({ name: 'last_name', label: 'Nom', required: true, autocomplete: 'off', idPrefix: p }),
    field({ name: 'first_name', label: 'Prénom', required: true, autocomplete: 'off', idPrefix: p }),
    field({ name: 'email', label: 'Adresse e-mail', type: 'email', required: true, autocomplete: 'off', spellcheck: 'false', idPrefix: p, hint: "L'invitation à choisir un mot de passe sera envoyée à cette adresse." }),
    selectField({ name: 'role', label: 'Rôle', required: true, idPrefix: p, options: STAFF_ROLES.map((value) => ({ value, label: ROLE_LABELS[value] })) }),
    structurePicker(p),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const get = (name) => {
      const control = form.elements.namedItem(name);
      return control ? control.value.trim() : '';
    };
    const body = {
      email: get('email'), civility: get('civility'), first_name: get('first_name'), last_name: get('last_name'),
      role: get('role'), structures: pickedStructures(form),
    };
    const fields = {};
    if (!body.civility) fields.civility = 'Indiquez la civilité.';
    if (!body.last_name) fields.last_name = 'Indiquez le nom.';
    if (!body.first_name) fields.first_name = 'Indiquez le prénom.';
    if (!body.email) fields.email = "Indiquez l'adresse e-mail.";
    else if (!EMAIL_RE.test(body.email)) fields.email = "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr";
    if (!body.role) fields.role = 'Choisissez un rôle.';
    if (['manager', 'coordinator'].includes(body.role) && !body.structures.length) fields.structures = 'Choisissez au moins une structure.';
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    try {
      await busy(submit, () => post('/api/accounts/staff', body), 'Création en cours…');
      clearErrors(form);
      form.reset();
      announce(done, 'success', null,
        `Le compte de ${body.first_name} ${body.last_name} est créé. Une invitation à choisir un mot de passe a été envoyée à ${body.email}.`);
      onCreated();
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': `${p}-title` },
    h('h3', { id: `${p}-title` }, 'Créer un compte professionnel'), form, done);
}

export async function render({ account }) {
  await loadStructureNames();
  const admin = account.role === 'admin';
  const name = [account.first_name, account.last_name].filter(Boolean).join(' ');
  let adminSection = null;
  if (admin) {
    const list = staffList();
    adminSection = h('section', { class: 'admin', 'aria-labelledby': 'admin-title' },
      h('h2', { id: 'admin-title' }, 'Comptes professionnels'),
      h('div', { class: 'stack' }, createForm(list.reload), h('section', { class: 'panel', 'aria-label': 'Liste des comptes professionnels' }, list.node)));
  }
  return h('div', { class: 'staff-home' },
    pageTitle('Espace professionnel'),
    h('p', { class: 'lead' }, `Bonjour ${name},`),
    h('dl', { class: 'details' },
      h('dt', {}, 'Rôle'), h('dd', {}, ROLE_LABELS[account.role] || account.role),
      h('dt', {}, 'Structures'), h('dd', {}, structuresText(account.structures, account.role))),
    h('h2', {}, 'Mes outils'),
    h('ul', { class: 'tiles', 'aria-label': 'Outils de gestion' }, TILES.filter((t) => !t.roles || t.roles.includes(account.role)).map((t, i) => {
      const active = t.href && (!t.roles || t.roles.includes(account.role));
      return h('li', { class: `tile ${active ? 'tile-active' : 'tile-soon'}` },
        h('article', { 'aria-labelledby': `staff-tile-${i}` },
          h('h3', { id: `staff-tile-${i}` }, active ? h('a', { href: t.href, class: 'tile-link' }, t.name) : t.name),
          active ? null : h('p', { class: 'badge' }, 'Bientôt disponible'),
          h('p', {}, t.text)));
    })),
    adminSection);
}
