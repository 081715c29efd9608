// "/mon-compte/foyer" — Mon foyer: conjoint(e), coordonnées de la famille /
// facturation, régime allocataire, quotient familial, autres enfants du foyer
// (PUT /api/enrolment/family/household).

import { put } from '../api.js';
import {
  h, field, radioGroup, group, checkbox, repeater, pageTitle, requiredNote, errorSummary, showErrors,
  clearErrors, busy, statusRegion, formValue, EMAIL_RE, POSTAL_CODE_RE, isFrenchMobile,
} from '../ui.js';
import { currentAccount } from '../session.js';
import {
  ENROLMENT, loadFamily, frenchPhone, pendingOf, markPending, announceSaved, accountCrumbs, CIVILITIES,
} from '../family-file.js';

const p = 'household';
const compactPhone = (value) => value.replace(/[\s.()-]/g, '');
const REGIMES = [
  { value: 'CAF', label: 'CAF' },
  { value: 'MSA', label: 'MSA' },
  { value: 'autre', label: 'Autre régime' },
];

function defaults(file, account) {
  if (file.household) return file.household;
  const profile = file.profile || {};
  const name = [profile.first_name || account.first_name, profile.last_name || account.last_name]
    .filter(Boolean).join(' ');
  return {
    spouse: null,
    billing: { name, address: profile.address || account.address || {}, email: account.email },
    allocataire: { regime: '', number: '' },
    quotient: null,
    other_children: [],
  };
}

function spouseBlock(spouse) {
  const s = spouse || {};
  const toggle = checkbox({ name: 'has_spouse', label: 'Je renseigne les informations de mon conjoint / ma conjointe', checked: Boolean(spouse), idPrefix: p });
  const fields = h('div', { class: 'subfields', id: `${p}-spouse-fields`, hidden: !spouse },
    radioGroup({ name: 'spouse.civility', legend: 'Civilité', options: CIVILITIES, required: true, value: s.civility || '', idPrefix: p }),
    field({ name: 'spouse.last_name', label: 'Nom', required: true, value: s.last_name || '', autocomplete: 'off', idPrefix: p }),
    field({ name: 'spouse.first_name', label: 'Prénom', required: true, value: s.first_name || '', autocomplete: 'off', idPrefix: p }),
    field({ name: 'spouse.mobile_phone', label: 'Téléphone mobile', type: 'tel', value: frenchPhone(s.mobile_phone) || '', autocomplete: 'off', idPrefix: p, hint: 'Facultatif. Format attendu : 06 12 34 56 78' }),
    field({ name: 'spouse.email', label: 'Adresse e-mail', type: 'email', value: s.email || '', autocomplete: 'off', spellcheck: 'false', idPrefix: p, hint: 'Facultatif. Format attendu : nom@exemple.fr' }),
    field({ name: 'spouse.profession', label: 'Profession', value: s.profession || '', autocomplete: 'off', idPrefix: p }),
    field({ name: 'spouse.employer', label: 'Employeur', value: s.employer || '', autocomplete: 'off', idPrefix: p }));
  const box = toggle.querySelector('input');
  box.setAttribute('aria-controls', fields.id);
  box.setAttribute('aria-expanded', String(Boolean(spouse)));
  box.addEventListener('change', () => {
    fields.hidden = !box.checked;
    box.setAttribute('aria-expanded', String(box.checked));
  });
  return group('Conjoint(e)', { 'data-pending': 'spouse' },
    h('p', { class: 'hint' }, 'Facultatif : à remplir si vous vivez en couple.'), toggle, fields);
}

export async function render() {
  const [file, account] = await Promise.all([loadFamily(), currentAccount()]);
  const v = defaults(file, account);
  const billing = v.billing || {};
  const address = billing.address || {};
  const allocataire = v.allocataire || {};
  const quotient = v.quotient || {};
  const others = repeater({
    name: 'other_children', legend: 'Autres enfants du foyer', idPrefix: p,
    hint: 'Les enfants du foyer qui ne sont pas inscrits (frères et sœurs), utiles pour le calcul de vos tarifs.',
    itemLabel: 'Enfant', addLabel: 'Ajouter un enfant du foyer', emptyText: 'Aucun autre enfant déclaré.',
    columns: [
      { key: 'first_name', label: 'Prénom', required: true },
      { key: 'birth_date', label: 'Date de naissance', type: 'date', required: true },
    ],
    rows: v.other_children || [],
  });
  others.node.dataset.pending = 'other_children';

  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer mon foyer');
  const form = h('form', { novalidate: true, class: 'file-form', 'aria-label': 'Mon foyer' },
    errorSummary(), requiredNote(),
    spouseBlock(v.spouse),
    group('Coordonnées de la famille / facturation', { 'data-pending': 'billing' },
      field({ name: 'billing.name', label: 'Nom de la famille (facturation)', required: true, value: billing.name || '', autocomplete: 'name', idPrefix: p, hint: 'Nom auquel les factures sont adressées' }),
      field({ name: 'billing.address.line1', label: 'Adresse', required: true, value: address.line1 || '', autocomplete: 'address-line1', idPrefix: p }),
      field({ name: 'billing.address.line2', label: "Complément d'adresse", value: address.line2 || '', autocomplete: 'address-line2', idPrefix: p }),
      field({ name: 'billing.address.postal_code', label: 'Code postal', required: true, value: address.postal_code || '', autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 5, idPrefix: p, hint: '5 chiffres, par exemple 67590' }),
      field({ name: 'billing.address.city', label: 'Ville', required: true, value: address.city || '', autocomplete: 'address-level2', idPrefix: p }),
      field({ name: 'billing.email', label: 'Adresse e-mail de facturation', type: 'email', value: billing.email || '', autocomplete: 'email', spellcheck: 'false', idPrefix: p, hint: 'Facultatif. Format attendu : nom@exemple.fr' })),
    group('Régime allocataire', { 'data-pending': 'allocataire' },
      radioGroup({ name: 'allocataire.regime', legend: 'Régime', options: REGIMES, required: true, value: allocataire.regime || '', idPrefix: p }),
      field({ name: 'allocataire.number', label: "Numéro d'allocataire", value: allocataire.number || '', autocomplete: 'off', maxlength: 20, idPrefix: p, hint: 'Obligatoire pour la CAF et la MSA.' })),
    group('Quotient familial', { 'data-pending': 'quotient' },
      h('p', { class: 'hint' }, 'Facultatif. Il figure sur votre attestation CAF ou MSA.'),
      field({ name: 'quotient.value', label: 'Quotient familial', inputmode: 'numeric', value: quotient.value ?? '', autocomplete: 'off', idPrefix: p, hint: 'En euros, sans décimales (par exemple 850)' }),
      field({ name: 'quotient.date', label: 'Date du quotient familial', type: 'date', value: quotient.date || '', idPrefix: p, hint: "Date de l'attestation" })),
    others.node,
    h('div', { class: 'form-actions' }, submit));
  markPending(form, pendingOf(file, 'household'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const get = (name) => formValue(form, name);
    const fields = {};
    const hasSpouse = form.elements.namedItem('has_spouse').checked;
    if (hasSpouse) {
      if (!get('spouse.civility')) fields['spouse.civility'] = 'Indiquez la civilité de votre conjoint(e).';
      if (!get('spouse.last_name')) fields['spouse.last_name'] = 'Indiquez le nom de votre conjoint(e).';
      if (!get('spouse.first_name')) fields['spouse.first_name'] = 'Indiquez le prénom de votre conjoint(e).';
      if (get('spouse.mobile_phone') && !isFrenchMobile(get('spouse.mobile_phone'))) fields['spouse.mobile_phone'] = "Le numéro n'est pas un mobile français valide. Format attendu : 06 12 34 56 78";
      if (get('spouse.email') && !EMAIL_RE.test(get('spouse.email'))) fields['spouse.email'] = "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr";
    }
    if (!get('billing.name')) fields['billing.name'] = 'Indiquez le nom de facturation.';
    if (!get('billing.address.line1')) fields['billing.address.line1'] = "Indiquez l'adresse de facturation.";
    if (!get('billing.address.postal_code')) fields['billing.address.postal_code'] = 'Indiquez le code postal.';
    else if (!POSTAL_CODE_RE.test(get('billing.address.postal_code'))) fields['billing.address.postal_code'] = 'Le code postal doit contenir 5 chiffres.';
    if (!get('billing.address.city')) fields['billing.address.city'] = 'Indiquez la ville.';
    if (get('billing.email') && !EMAIL_RE.test(get('billing.email'))) fields['billing.email'] = "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr";
    const regime = get('allocataire.regime');
    if (!regime) fields['allocataire.regime'] = 'Choisissez votre régime allocataire.';
    else if (regime !== 'autre' && !get('allocataire.number')) fields['allocataire.number'] = `Le numéro d'allocataire ${regime} est obligatoire.`;
    const qValue = get('quotient.value');
    const qDate = get('quotient.date');
    if (qValue && !/^\d{1,6}$/.test(qValue)) fields['quotient.value'] = 'Indiquez le quotient familial en chiffres (par exemple 850).';
    if (qValue && !qDate) fields['quotient.date'] = 'Indiquez la date du quotient familial.';
    if (qDate && !qValue) fields['quotient.value'] = 'Indiquez le quotient familial.';
    Object.assign(fields, others.check({
      first_name: "Indiquez le prénom de l'enfant.", birth_date: "Indiquez la date de naissance de l'enfant.",
    }));
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    const body = {
      spouse: hasSpouse ? {
        civility: get('spouse.civility'), last_name: get('spouse.last_name'), first_name: get('spouse.first_name'),
        mobile_phone: get('spouse.mobile_phone') ? compactPhone(get('spouse.mobile_phone')) : null,
        email: get('spouse.email') || null, profession: get('spouse.profession'), employer: get('spouse.employer'),
      } : null,
      billing: {
        name: get('billing.name'),
        address: {
          line1: get('billing.address.line1'), line2: get('billing.address.line2'),
          postal_code: get('billing.address.postal_code'), city: get('billing.address.city'),
        },
        email: get('billing.email') || null,
      },
      allocataire: { regime, number: get('allocataire.number') },
      quotient: qValue ? { value: Number(qValue), date: qDate } : null,
      other_children: others.values(),
    };
    try {
      const saved = await busy(submit, () => put(`${ENROLMENT}/family/household`, body), 'Enregistrement…');
      clearErrors(form);
      const pending = pendingOf(saved, 'household');
      markPending(form, pending);
      announceSaved(done, pending, 'Les informations de votre foyer sont enregistrées.');
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });

  return h('div', { class: 'household' },
    accountCrumbs({ label: 'Mon foyer' }),
    pageTitle('Mon foyer'),
    h('p', { class: 'lead' }, 'Informations concernant votre conjoint(e), coordonnées de la famille / facturation et informations complémentaires (régime allocataire, numéro allocataire etc.).'),
    form, done);
}
