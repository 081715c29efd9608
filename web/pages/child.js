// "/mon-compte/enfants/{child_id}" and "/mon-compte/enfants/nouveau" — the
// child's file in sections: identité, dossier médical, autorisations,
// personnes autorisées à récupérer l'enfant (POST /children, PUT /children/{id}).

import { post, put, del } from '../api.js';
import {
  h, field, textareaField, radioGroup, yesNoGroup, yesNoValue, repeater, pageTitle, requiredNote,
  errorSummary, showErrors, clearErrors, busy, statusRegion, alertBox, formValue, isFrenchPhone,
} from '../ui.js';
import { setFlash } from '../session.js';
import {
  ENROLMENT, loadFamily, frenchPhone, childName, pendingOf, markPending, announceSaved, accountCrumbs,
  formatValue, SEX, AUTHORISATIONS,
} from '../family-file.js';

const p = 'child';
const compactPhone = (value) => value.replace(/[\s.()-]/g, '');
const today = () => new Date().toISOString().slice(0, 10);
const FOR_REQUESTS = 'Nécessaire pour valider une demande de pré-inscription.';

function section(id, title, ...children) {
  return h('section', { class: 'form-section', 'aria-labelledby': id },
    h('h2', { id }, title), children);
}

function notFound() {
  return h('div', {},
    accountCrumbs({ label: 'Mes enfants', href: '/mon-compte/enfants' }, { label: 'Enfant introuvable' }),
    pageTitle('Enfant introuvable'),
    alertBox('error', null, "Cet enfant n'existe pas dans votre dossier."),
    h('p', {}, h('a', { href: '/mon-compte/enfants' }, 'Revenir à « Mes enfants »')));
}

export async function render({ params, navigate }) {
  const file = await loadFamily();
  const isNew = params.id === 'nouveau';
  const child = isNew ? null : (file.children || []).find((c) => c.child_id === params.id);
  if (!isNew && !child) return notFound();
  const c = child || {};
  const medical = c.medical || {};
  const auth = c.authorisations || {};
  const title = isNew ? 'Ajouter un enfant' : childName(c);

  const vaccinations = repeater({
    name: 'medical.vaccinations', legend: 'Vaccinations', idPrefix: p, hint: `Au moins un vaccin. ${FOR_REQUESTS}`,
    itemLabel: 'Vaccin', addLabel: 'Ajouter un vaccin', emptyText: 'Aucun vaccin renseigné.',
    columns: [
      { key: 'name', label: 'Nom du vaccin', required: true, hint: 'Par exemple : DTP, ROR, Hépatite B' },
      { key: 'date', label: 'Date du vaccin', type: 'date', required: true, max: today() },
    ],
    rows: medical.vaccinations || [],
  });
  const persons = repeater({
    name: 'authorised_persons', legend: 'Personnes autorisées', idPrefix: p,
    hint: `Au moins une personne. ${FOR_REQUESTS}`,
    itemLabel: 'Personne', addLabel: 'Ajouter une personne', emptyText: 'Aucune personne renseignée.',
    columns: [
      { key: 'name', label: 'Nom et prénom', required: true },
      { key: 'relationship', label: 'Lien de parenté', required: true, hint: 'Par exemple : grand-mère, voisin' },
      { key: 'phone', label: 'Téléphone', type: 'tel', required: true, hint: 'Format attendu : 06 12 34 56 78' },
    ],
    rows: (c.authorised_persons || []).map((row) => ({ ...row, phone: frenchPhone(row.phone) })),
  });

  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, isNew ? "Enregistrer l'enfant" : 'Enregistrer les modifications');
  const form = h('form', { novalidate: true, class: 'file-form', 'aria-label': title },
    errorSummary(), requiredNote(),
    section(`${p}-identity`, 'Identité',
      field({ name: 'last_name', label: 'Nom', required: true, value: c.last_name || '', autocomplete: 'off', idPrefix: p }),
      field({ name: 'first_name', label: 'Prénom', required: true, value: c.first_name || '', autocomplete: 'off', idPrefix: p }),
      radioGroup({ name: 'sex', legend: 'Sexe', options: SEX, required: true, value: c.sex || '', idPrefix: p }),
      field({ name: 'birth_date', label: 'Date de naissance', type: 'date', required: true, value: c.birth_date || '', max: today(), idPrefix: p })),
    section(`${p}-medical`, 'Dossier médical',
      field({ name: 'medical.doctor_name', label: 'Médecin traitant', value: medical.doctor_name || '', autocomplete: 'off', idPrefix: p, hint: `Nom du médecin. ${FOR_REQUESTS}` }),
      field({ name: 'medical.doctor_phone', label: 'Téléphone du médecin', type: 'tel', value: frenchPhone(medical.doctor_phone) || '', autocomplete: 'off', idPrefix: p, hint: 'Format attendu : 03 88 12 34 56' }),
      vaccinations.node,
      textareaField({ name: 'medical.allergies', label: 'Allergies', value: medical.allergies || '', idPrefix: p, hint: 'Alimentaires, médicamenteuses… Laissez vide si aucune.' }),
      field({ name: 'medical.diet', label: 'Régime alimentaire', value: medical.diet || '', autocomplete: 'off', idPrefix: p, hint: 'Par exemple : sans porc, végétarien. Laissez vide si aucun.' }),
      yesNoGroup({ name: 'medical.pai', legend: "Projet d'accueil individualisé (PAI)", value: medical.pai === true, idPrefix: p, hint: "Un PAI est établi avec le médecin pour une allergie ou une maladie chronique." }),
      textareaField({ name: 'medical.treatments', label: 'Traitements en cours', value: medical.treatments || '', idPrefix: p }),
      textareaField({ name: 'medical.notes', label: 'Observations', value: medical.notes || '', idPrefix: p, hint: 'Toute information utile à l\'équipe (lunettes, appareil dentaire, difficultés…).' })),
    section(`${p}-auth`, 'Autorisations',
      AUTHORISATIONS.map((a) => yesNoGroup({ name: `authorisations.${a.key}`, legend: a.label, value: auth[a.key] ?? null, required: true, idPrefix: p }))),
    section(`${p}-persons`, "Personnes autorisées à récupérer l'enfant",
      h('p', {}, 'En dehors des parents, les personnes que l\'équipe peut laisser repartir avec votre enfant.'),
      persons.node),
    isNew ? null : section(`${p}-school`, 'Informations scolaires',
      h('div', { 'data-pending': 'school', class: 'school-line' },
        h('p', {}, c.school ? formatValue(c.school) : 'Non renseignées.', ' ',
          h('a', { href: '/mon-compte/scolarite' }, 'Modifier les informations scolaires')))),
    h('div', { class: 'form-actions' },
      h('a', { class: 'btn btn-secondary', href: '/mon-compte/enfants' }, 'Retour à « Mes enfants »'),
      submit));
  if (!isNew) markPending(form, pendingOf(file, 'child', c.child_id));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const get = (name) => formValue(form, name);
    const fields = {};
    if (!get('last_name')) fields.last_name = "Indiquez le nom de l'enfant.";
    if (!get('first_name')) fields.first_name = "Indiquez le prénom de l'enfant.";
    if (!get('sex')) fields.sex = "Indiquez le sexe de l'enfant.";
    if (!get('birth_date')) fields.birth_date = "Indiquez la date de naissance de l'enfant.";
    else if (get('birth_date') > today()) fields.birth_date = 'La date ne peut pas être dans le futur.';
    if (get('medical.doctor_phone') && !isFrenchPhone(get('medical.doctor_phone'))) fields['medical.doctor_phone'] = 'Saisissez un numéro de téléphone français à 10 chiffres.';
    Object.assign(fields, vaccinations.check({ name: 'Indiquez le nom du vaccin.', date: 'Indiquez la date du vaccin.' }));
    vaccinations.values().forEach((row, i) => {
      if (row.date && row.date > today()) fields[`medical.vaccinations.${i}.date`] = 'La date ne peut pas être dans le futur.';
    });
    for (const a of AUTHORISATIONS) {
      if (yesNoValue(form, `authorisations.${a.key}`) === null) fields[`authorisations.${a.key}`] = 'Répondez par oui ou par non.';
    }
    Object.assign(fields, persons.check({ name: 'Indiquez le nom de la personne.', relationship: 'Indiquez le lien de parenté.', phone: 'Indiquez le téléphone de la personne.' }));
    persons.values().forEach((row, i) => {
      if (row.phone && !isFrenchPhone(row.phone)) fields[`authorised_persons.${i}.phone`] = 'Saisissez un numéro de téléphone français à 10 chiffres.';
    });
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    const body = {
      last_name: get('last_name'), first_name: get('first_name'), sex: get('sex'), birth_date: get('birth_date'),
      medical: {
        doctor_name: get('medical.doctor_name'),
        doctor_phone: get('medical.doctor_phone') ? compactPhone(get('medical.doctor_phone')) : null,
        vaccinations: vaccinations.values(),
        allergies: get('medical.allergies'), diet: get('medical.diet'),
        pai: yesNoValue(form, 'medical.pai') === true,
        treatments: get('medical.treatments'), notes: get('medical.notes'),
      },
      authorisations: Object.fromEntries(AUTHORISATIONS.map((a) => [a.key, yesNoValue(form, `authorisations.${a.key}`)])),
      authorised_persons: persons.values().map((row) => ({ ...row, phone: compactPhone(row.phone) })),
      school: c.school || null,
    };
    try {
      if (isNew) {
        const created = await busy(submit, () => post(`${ENROLMENT}/children`, body), 'Enregistrement…');
        setFlash(`${created.first_name} est ajouté(e) à vos enfants.`);
        navigate('/mon-compte/enfants');
        return;
      }
      const saved = await busy(submit, () => put(`${ENROLMENT}/children/${encodeURIComponent(c.child_id)}`, body), 'Enregistrement…');
      clearErrors(form);
      const pending = pendingOf(saved, 'child', c.child_id);
      markPending(form, pending);
      announceSaved(done, pending, `Les informations de ${body.first_name} sont enregistrées.`);
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });

  let removal = null;
  const inUse = !isNew && ((file.requests || []).some((r) => r.child_id === c.child_id)
    || (file.documents || []).some((d) => d.child_id === c.child_id));
  if (!isNew && !inUse) {
    const outcome = h('div', { class: 'status-region' });
    const remove = h('button', {
      type: 'button', class: 'btn btn-secondary btn-danger',
      onclick: async () => {
        // eslint-disable-next-line no-alert
        if (!window.confirm(`Supprimer ${childName(c)} de votre dossier ?`)) return;
        try {
          await busy(remove, () => del(`${ENROLMENT}/children/${encodeURIComponent(c.child_id)}`), 'Suppression…');
          setFlash(`${c.first_name} a été retiré(e) de vos enfants.`);
          navigate('/mon-compte/enfants', { replace: true });
        } catch (error) {
          const box = alertBox('error', null, error.message);
          box.tabIndex = -1;
          outcome.replaceChildren(box);
          box.focus();
        }
      },
    }, 'Supprimer cet enfant');
    removal = h('section', { class: 'danger-zone', 'aria-labelledby': `${p}-remove` },
      h('h2', { id: `${p}-remove` }, 'Supprimer cet enfant'),
      h('p', {}, "Possible tant qu'aucune demande de pré-inscription ni aucun document ne le concerne."),
      remove, outcome);
  }

  return h('div', { class: 'child', 'data-title': isNew ? 'Ajouter un enfant' : `${childName(c)} – Mes enfants` },
    accountCrumbs({ label: 'Mes enfants', href: '/mon-compte/enfants' }, { label: title }),
    pageTitle(title),
    form, done, removal);
}
