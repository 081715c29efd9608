// "/gestion/modifications" — changes of validated information waiting for the
// staff (GET /api/enrolment/staff/changes): old value → new value, "Approuver"
// or "Refuser" with a reason (POST …/changes/{id}/review).

import { api, apiAll, post } from '../api.js';
import {
  h, pageTitle, busy, alertBox, statusRegion, announce, reasonDisclosure,
} from '../ui.js';
import {
  ENROLMENT, frenchDate, formatValue, staffCrumbs, staffTabs,
} from '../family-file.js';

const enc = encodeURIComponent;

/**
 * One pending change with its two decisions. `onDone(message)` is called after
 * a decision; `childLabel` names the child the change is about, if any.
 */
export function changeItem(change, { familyId, familyLabel, childLabel, onDone }) {
  const id = `change-${change.change_id}`;
  const path = `${ENROLMENT}/staff/families/${enc(familyId)}/changes/${enc(change.change_id)}/review`;
  const title = childLabel ? `${change.label} – ${childLabel}` : change.label;
  const outcome = h('div');
  const approve = h('button', { type: 'button', class: 'btn btn-primary btn-small' },
    'Approuver', h('span', { class: 'sr-only' }, ` : ${title}`));
  approve.addEventListener('click', async () => {
    try {
      await busy(approve, () => post(path, { decision: 'approved' }), 'Envoi…');
      await onDone(`Modification approuvée : ${title}.`);
    } catch (error) {
      const alert = alertBox('error', null, error.message);
      alert.tabIndex = -1;
      outcome.replaceChildren(alert);
      alert.focus();
    }
  });
  const refuse = reasonDisclosure({
    idPrefix: `refuse-${change.change_id}`, openLabel: 'Refuser', srSuffix: title,
    fieldLabel: 'Motif du refus', hint: 'Il sera communiqué à la famille.',
    submitLabel: 'Confirmer le refus', requiredMessage: 'Indiquez le motif du refus.',
    onSubmit: async (reason) => {
      await post(path, { decision: 'rejected', reason });
      await onDone(`Modification refusée : ${title}.`);
    },
  });
  return h('li', { class: 'card change' }, h('article', { 'aria-labelledby': id },
    h('h3', { id }, title),
    familyLabel ? h('p', {}, 'Famille : ', familyLabel) : null,
    h('dl', { class: 'details change-values' },
      h('dt', {}, 'Valeur actuelle'), h('dd', {}, formatValue(change.old)),
      h('dt', {}, 'Nouvelle valeur'), h('dd', { class: 'new-value' }, formatValue(change.new)),
      h('dt', {}, 'Demandée le'), h('dd', {}, frenchDate(change.created_at))),
    h('div', { class: 'actions actions-inline' }, approve, refuse.toggle),
    refuse.form, outcome));
}

export function render() {
  const status = statusRegion();
  status.tabIndex = -1;
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Chargement des modifications…'));

  async function load(message) {
    body.setAttribute('aria-busy', 'true');
    try {
      const data = await apiAll(`${ENROLMENT}/staff/changes`);
      const items = (data && data.items) || [];
      // Child first names come from each family's file (read once per family).
      const families = {};
      await Promise.all([...new Set(items.map((c) => c.family_id))].map(async (familyId) => {
        families[familyId] = await api(`${ENROLMENT}/staff/families/${enc(familyId)}`).catch(() => null);
      }));
      body.replaceChildren(items.length
        ? h('ul', { class: 'cards cards-wide', 'aria-label': 'Modifications à valider' }, items.map((change) => {
          const file = families[change.family_id];
          const child = file && change.child_id ? (file.children || []).find((c) => c.child_id === change.child_id) : null;
          return changeItem(change, {
            familyId: change.family_id,
            familyLabel: h('a', { href: `/gestion/familles/${enc(change.family_id)}` },
              [change.family_name, file && file.first_name].filter(Boolean).join(' ')),
            childLabel: child ? child.first_name : null,
            onDone: (text) => load(text),
          });
        }))
        : h('p', {}, 'Aucune modification en attente de validation.'));
      if (message) {
        announce(status, 'success', null, message);
        status.focus();
      }
    } catch (error) {
      body.replaceChildren(alertBox('error', null, error.message));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }
  load();

  return h('div', { class: 'staff-changes' },
    staffCrumbs({ label: 'Validation des dossiers', href: '/gestion/dossiers' }, { label: 'Modifications à valider' }),
    pageTitle('Modifications à valider'),
    staffTabs('/gestion/modifications'),
    h('p', { class: 'lead' }, 'Les familles validées ont modifié des informations (téléphone, personnes autorisées, vaccins…) : la nouvelle valeur ne s\'applique qu\'après votre approbation.'),
    status, body);
}
