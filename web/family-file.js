// The family file (enrolment API) as the family's screens use it: loading,
// catalogue, French labels of kinds and statuses, formatting of values, and
// the "en attente de validation" notes of pending changes.

import { api } from './api.js';
import { h, describe, breadcrumb, announce } from './ui.js';

export const ENROLMENT = '/api/enrolment';

const wait = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * GET /family. Just after the e-mail confirmation the file may still be on its
 * way (it is opened by an event): a 404 is retried a few times.
 */
export async function loadFamily() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api(`${ENROLMENT}/family`);
    } catch (error) {
      if (error.status !== 404 || attempt >= 4) throw error;
      await wait(800);
    }
  }
}

let cataloguePromise = null;
/** Structures, séjours, schools and class levels (read once per page load). */
export function loadCatalogue() {
  if (!cataloguePromise) {
    cataloguePromise = api(`${ENROLMENT}/catalogue`).catch((error) => {
      cataloguePromise = null;
      throw error;
    });
  }
  return cataloguePromise;
}

// --- words -----------------------------------------------------------------

export const KINDS = {
  periscolaire: { label: 'Périscolaire', title: 'Pré-inscriptions périscolaire', path: '/mon-compte/preinscriptions/periscolaire' },
  creche: { label: 'Crèche', title: 'Pré-inscriptions crèche', path: '/mon-compte/preinscriptions/creche' },
  sejour: { label: 'Séjours', title: 'Pré-inscriptions séjours', path: '/mon-compte/preinscriptions/sejours' },
};

/** Status of a request as the family reads it. */
export const STATUS = {
  draft: { label: 'Brouillon', short: 'brouillon, à valider' },
  submitted: { label: 'Transmise – en attente de validation', short: 'transmise, en attente de validation' },
  validated: { label: 'Validée', short: 'validée' },
  returned: { label: 'À compléter', short: 'à compléter' },
  revoked: { label: 'Validation suspendue', short: 'validation suspendue' },
};

export const statusLabel = (status) => (STATUS[status] || { label: status }).label;

export function statusBadge(status) {
  return h('span', { class: `status status-${status}` }, statusLabel(status));
}

export const WEEKDAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi'];

export const CIVILITIES = [{ value: 'Mme', label: 'Madame' }, { value: 'M.', label: 'Monsieur' }];
export const civilityLabel = (value) => (CIVILITIES.find((c) => c.value === value) || {}).label || value || '';

export const SEX = [{ value: 'F', label: 'Fille' }, { value: 'M', label: 'Garçon' }];

export const AUTHORISATIONS = [
  { key: 'photos', label: "J'autorise la prise de photos de mon enfant" },
  { key: 'leave_alone', label: 'Mon enfant est autorisé à partir seul' },
  { key: 'transport', label: 'J\'autorise le transport de mon enfant (sorties, navettes)' },
  { key: 'emergency_care', label: "J'autorise les soins d'urgence (appel des secours, hospitalisation)" },
];

/** "2026-2027" in November 2026, "2025-2026" in March 2026 (a school year starts in September). */
export function currentSchoolYear(today = new Date()) {
  const start = today.getMonth() >= 8 ? today.getFullYear() : today.getFullYear() - 1;
  return `${start}-${start + 1}`;
}

// --- values ----------------------------------------------------------------

/** "+33612345678" (as stored) -> "06 12 34 56 78". */
export function frenchPhone(value) {
  const match = /^\+33([1-9]\d{8})$/.exec(value || '');
  return match ? `0${match[1]}`.replace(/(\d{2})(?=\d)/g, '$1 ') : value;
}

/** "2026-09-01" or an ISO date-time -> "01/09/2026". */
export function frenchDate(value) {
  if (!value) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match) return `${match[3]}/${match[2]}/${match[1]}`;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleDateString('fr-FR');
}

export function addressLines(a) {
  if (!a) return [];
  return [a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' ')].filter(Boolean);
}

/** Any value of the file (old or new value of a change) as one line of French text. */
export function formatValue(value) {
  if (value === null || value === undefined || value === '') return 'Non renseigné';
  if (typeof value === 'boolean') return value ? 'Oui' : 'Non';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (/^\+33\d{9}$/.test(value)) return frenchPhone(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return frenchDate(value);
    return value;
  }
  if (Array.isArray(value)) return value.length ? value.map(formatValue).join(' ; ') : 'Aucun';
  const v = value;
  if ('postal_code' in v && 'city' in v) return addressLines(v).join(', ');
  if ('regime' in v) return v.number ? `${v.regime} – n° ${v.number}` : v.regime;
  if ('school_name' in v) return [v.school_name, v.class_level, v.school_year].filter(Boolean).join(', ');
  if ('relationship' in v) return `${v.name} (${[v.relationship, frenchPhone(v.phone)].filter(Boolean).join(', ')})`;
  if ('name' in v && 'address' in v) return [v.name, formatValue(v.address), v.email].filter(Boolean).join(', ');
  if ('name' in v && 'date' in v) return `${v.name} (${frenchDate(v.date)})`;
  if ('value' in v && 'date' in v) return `${v.value} (au ${frenchDate(v.date)})`;
  if ('birth_date' in v && !('last_name' in v)) return `${v.first_name} (né(e) le ${frenchDate(v.birth_date)})`;
  if ('last_name' in v) {
    return [[civilityLabel(v.civility), v.first_name, v.last_name].filter(Boolean).join(' '),
      frenchPhone(v.mobile_phone), v.email, v.profession, v.employer].filter(Boolean).join(', ');
  }
  return Object.values(v).filter((x) => x !== null && x !== '' && x !== undefined).map(formatValue).join(', ');
}

export const childName = (child) => [child.first_name, child.last_name].filter(Boolean).join(' ');

/** The structures (and séjours) a request is about, as names. */
export function requestPlaces(request, catalogue) {
  if (request.kind === 'sejour') {
    const sejours = (catalogue && catalogue.sejours) || [];
    return (request.sejour_ids || []).map((id) => {
      const s = sejours.find((item) => item.sejour_id === id);
      return s ? `${s.name} (du ${frenchDate(s.start)} au ${frenchDate(s.end)})` : id;
    });
  }
  return request.structure_names && request.structure_names.length
    ? request.structure_names : [request.structure_id].filter(Boolean);
}

/** "Périscolaire – Léa". */
export const requestTitle = (request) =>
  `${(KINDS[request.kind] || { label: request.kind }).label} – ${request.child_first_name || 'enfant'}`;

// --- pending changes ---------------------------------------------------------

export const PENDING_NOTICE =
  'Vos modifications seront prises en compte après validation par le responsable de la structure.';

/** Pending changes of one section: scope "profile", "household" or "child" (with its id). */
export const pendingOf = (file, scope, childId = null) => ((file && file.pending_changes) || [])
  .filter((c) => c.scope === scope && (scope !== 'child' || c.child_id === childId));

/**
 * Beside each field or section a pending change is about, a note "En attente
 * de validation : <new value>" (read with the control through aria-describedby).
 * The field is the input with data-field=<field>, or the element with
 * data-pending=<field> (a fieldset of several inputs).
 */
export function markPending(root, changes) {
  root.querySelectorAll('[data-pending-owner]').forEach((el) => {
    describe(el, el.dataset.pendingOwner, false);
    el.removeAttribute('data-pending-owner');
  });
  root.querySelectorAll('.pending-note').forEach((note) => note.remove());
  for (const change of changes) {
    const key = CSS.escape(change.field);
    const target = root.querySelector(`[data-pending="${key}"]`) || root.querySelector(`[data-field="${key}"]`);
    if (!target) continue;
    const id = `pending-${change.change_id}`;
    const note = h('p', { class: 'pending-note', id },
      h('strong', {}, 'En attente de validation'), ' – nouvelle valeur : ', formatValue(change.new));
    if (target.matches('fieldset')) {
      target.querySelector('legend').after(note);
    } else if (target.matches('input, select, textarea')) {
      const wrapper = target.closest('.field') || target.parentElement;
      const error = wrapper.querySelector(':scope > .field-error');
      wrapper.insertBefore(note, error || target);
    } else {
      target.prepend(note); // a block of text or a whole form: the note comes first
      continue;
    }
    describe(target, id, true);
    target.dataset.pendingOwner = id;
  }
}

/** After a save: the pending-changes notice when some changes wait for the staff, else `done`. */
export function announceSaved(region, pending, done) {
  if (pending.length) {
    announce(region, 'info', PENDING_NOTICE,
      h('p', {}, 'En attente de validation : ', pending.map((c) => c.label).join(', '), '.'));
  } else {
    announce(region, 'success', null, done);
  }
}

export const accountCrumbs = (...items) => breadcrumb([
  { label: 'Accueil', href: '/' }, { label: 'Mon compte', href: '/mon-compte' }, ...items]);

// --- staff -------------------------------------------------------------------

/** Status of a request as the staff read it (filters of the queue). */
export const STAFF_STATUS = {
  submitted: { label: 'Transmise', filter: 'Transmises' },
  validated: { label: 'Validée', filter: 'Validées' },
  returned: { label: 'Renvoyée à la famille', filter: 'Renvoyées' },
  revoked: { label: 'Validation suspendue', filter: 'Suspendues' },
  draft: { label: 'Brouillon', filter: 'Brouillons' },
};

export function staffStatusBadge(status) {
  return h('span', { class: `status status-${status}` }, (STAFF_STATUS[status] || { label: status }).label);
}

export const staffCrumbs = (...items) => breadcrumb([
  { label: 'Espace professionnel', href: '/gestion' }, ...items]);

/** The two lists of "Validation des dossiers", current one marked. */
export function staffTabs(current) {
  const tabs = [
    { href: '/gestion/dossiers', label: 'Dossiers des familles' },
    { href: '/gestion/modifications', label: 'Modifications à valider' },
  ];
  return h('nav', { class: 'subnav', 'aria-label': 'Validation des dossiers' },
    h('ul', {}, tabs.map((t) => h('li', {},
      h('a', { href: t.href, 'aria-current': t.href === current ? 'page' : null }, t.label)))));
}

/** Whether a staff account handles this structure (admins: all). */
export const manages = (account, structureId) =>
  account.role === 'admin' || (account.structures || []).includes(structureId);

/** Where a missing item of the completeness check leads: its screen, and for a document the line of
 * « Mes documents » that takes it (?manquant=<code>, which the page scrolls to and focuses). */
export function missingHref(item) {
  return item.code && item.code.startsWith('document_') && item.link === '/mon-compte/documents'
    ? `${item.link}?manquant=${encodeURIComponent(item.code)}` : item.link;
}

/** The completeness code of a document line (``document_<type>`` or ``document_<type>_<child>``). */
export const documentCode = (type, childId) => `document_${type}${childId ? `_${childId}` : ''}`;

