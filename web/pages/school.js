// "/mon-compte/scolarite" — Informations scolaires: per child, the school
// (from the territory's list, or "Autre école" typed), the class level and the
// school year (PUT /api/enrolment/children/{id}/school).

import { put } from '../api.js';
import {
  h, field, selectField, pageTitle, requiredNote, errorSummary, showErrors, clearErrors, busy,
  statusRegion, formValue,
} from '../ui.js';
import {
  ENROLMENT, loadFamily, loadCatalogue, childName, currentSchoolYear, pendingOf, markPending, announceSaved,
  accountCrumbs,
} from '../family-file.js';

const OTHER = 'autre';

function schoolForm(child, index, catalogue, file) {
  const p = `school-${index}`;
  const school = child.school || {};
  const schools = catalogue.schools || [];
  const known = school.school_id && schools.some((s) => s.school_id === school.school_id);
  const chosen = known ? school.school_id : (school.school_name ? OTHER : '');
  const titleId = `${p}-title`;

  const choice = selectField({
    name: 'school_id', label: 'École', required: true, value: chosen, idPrefix: p,
    hint: "Les écoles de nos territoires. Votre école n'est pas dans la liste ? Choisissez « Autre école ».",
    options: [
      ...schools.map((s) => ({ value: s.school_id, label: `${s.name} (${s.commune})` })),
      { value: OTHER, label: 'Autre école' },
    ],
  });
  const other = field({ name: 'school_name', label: "Nom et commune de l'école", required: true, value: known ? '' : school.school_name || '', autocomplete: 'off', idPrefix: p });
  other.hidden = chosen !== OTHER;
  const select = choice.querySelector('select');
  select.addEventListener('change', () => { other.hidden = select.value !== OTHER; });

  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer', h('span', { class: 'sr-only' }, ` : ${child.first_name}`));
  const form = h('form', { novalidate: true, class: 'file-form', 'aria-labelledby': titleId, 'data-pending': 'school' },
    errorSummary(),
    choice, other,
    selectField({
      name: 'class_level', label: 'Classe', required: true, value: school.class_level || '', idPrefix: p,
      options: (catalogue.class_levels || []).map((level) => ({ value: level, label: level })),
    }),
    field({ name: 'school_year', label: 'Année scolaire', required: true, value: school.school_year || currentSchoolYear(), autocomplete: 'off', idPrefix: p, hint: 'Sous la forme 2026-2027' }),
    h('div', { class: 'form-actions' }, submit));
  markPending(form, pendingOf(file, 'child', child.child_id).filter((c) => c.field === 'school'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const get = (name) => formValue(form, name);
    const fields = {};
    const id = get('school_id');
    if (!id) fields.school_id = "Choisissez l'école de l'enfant.";
    if (id === OTHER && !get('school_name')) fields.school_name = "Indiquez le nom et la commune de l'école.";
    if (!get('class_level')) fields.class_level = 'Choisissez la classe.';
    const year = get('school_year');
    const parts = year.split('-');
    if (!year) fields.school_year = "Indiquez l'année scolaire.";
    else if (parts.length !== 2 || !/^\d{4}$/.test(parts[0]) || Number(parts[1]) !== Number(parts[0]) + 1) {
      fields.school_year = "Indiquez l'année scolaire sous la forme 2026-2027.";
    }
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    const listed = schools.find((s) => s.school_id === id);
    const body = {
      school_id: listed ? listed.school_id : null,
      school_name: listed ? listed.name : get('school_name'),
      class_level: get('class_level'),
      school_year: year,
    };
    try {
      const saved = await busy(submit, () => put(`${ENROLMENT}/children/${encodeURIComponent(child.child_id)}/school`, body), 'Enregistrement…');
      clearErrors(form);
      const pending = pendingOf(saved, 'child', child.child_id).filter((c) => c.field === 'school');
      markPending(form, pending);
      announceSaved(done, pending, `Les informations scolaires de ${child.first_name} sont enregistrées.`);
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });

  return h('section', { class: 'panel', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, childName(child)),
    form, done);
}

export async function render() {
  const [file, catalogue] = await Promise.all([loadFamily(), loadCatalogue()]);
  const children = file.children || [];
  const forms = children.map((child, i) => schoolForm(child, i, catalogue, file));
  return h('div', { class: 'school' },
    accountCrumbs({ label: 'Informations scolaires' }),
    pageTitle('Informations scolaires'),
    h('p', { class: 'lead' }, "Renseignez les informations scolaires de vos enfants inscrits dans l'une des écoles de nos territoires."),
    children.length ? requiredNote() : null,
    children.length
      ? forms
      : h('p', {}, "Ajoutez d'abord vos enfants dans « ", h('a', { href: '/mon-compte/enfants/nouveau' }, 'Mes enfants'), ' ».'));
}
