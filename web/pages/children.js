// "/mon-compte/enfants" — Mes enfants: the list, and "Ajouter un enfant".

import { h, pageTitle } from '../ui.js';
import {
  loadFamily, frenchDate, childName, pendingOf, accountCrumbs, SEX,
} from '../family-file.js';

function missingHints(child) {
  const hints = [];
  const medical = child.medical || {};
  if (!medical.doctor_name) hints.push('médecin traitant');
  if (!(medical.vaccinations || []).length) hints.push('vaccinations');
  const auth = child.authorisations || {};
  if (['photos', 'leave_alone', 'transport', 'emergency_care'].some((key) => auth[key] === null || auth[key] === undefined)) {
    hints.push('autorisations');
  }
  if (!(child.authorised_persons || []).length) hints.push("personnes autorisées à récupérer l'enfant");
  return hints;
}

function childCard(child, file) {
  const id = `child-${child.child_id}`;
  const sex = (SEX.find((s) => s.value === child.sex) || {}).label;
  const hints = missingHints(child);
  const pending = pendingOf(file, 'child', child.child_id);
  return h('li', { class: 'card' },
    h('article', { 'aria-labelledby': id },
      h('h2', { id }, h('a', { href: `/mon-compte/enfants/${encodeURIComponent(child.child_id)}` }, childName(child))),
      h('p', {}, [sex, child.birth_date ? `né(e) le ${frenchDate(child.birth_date)}` : null].filter(Boolean).join(', ')),
      child.school
        ? h('p', {}, `${child.school.school_name} – ${child.school.class_level} (${child.school.school_year})`)
        : h('p', {}, 'Informations scolaires : ', h('a', { href: '/mon-compte/scolarite' }, 'à renseigner')),
      hints.length
        ? h('p', { class: 'card-todo' }, 'À compléter : ', hints.join(', '), '.')
        : h('p', { class: 'card-ok' }, 'Dossier de l\'enfant complet.'),
      pending.length
        ? h('p', { class: 'pending-note' }, h('strong', {}, 'En attente de validation'), ' : ', pending.map((c) => c.label).join(', '), '.')
        : null));
}

export async function render() {
  const file = await loadFamily();
  const children = file.children || [];
  return h('div', { class: 'children' },
    accountCrumbs({ label: 'Mes enfants' }),
    pageTitle('Mes enfants'),
    h('p', { class: 'lead' }, 'Informations concernant vos enfants (nom, prénom, date de naissance etc.), dossier médical et informations complémentaires (autorisations, etc.).'),
    h('p', {}, h('a', { class: 'btn btn-primary', href: '/mon-compte/enfants/nouveau' }, 'Ajouter un enfant')),
    children.length
      ? h('ul', { class: 'cards', 'aria-label': 'Mes enfants' }, children.map((child) => childCard(child, file)))
      : h('p', {}, "Vous n'avez pas encore ajouté d'enfant."));
}
