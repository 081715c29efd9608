// "/mon-compte/profil" — personal information (the family file's profile,
// PUT /api/enrolment/family/profile), change of e-mail, change of password.

import { post, put } from '../api.js';
import {
  h, field, radioGroup, group, pageTitle, requiredNote, errorSummary, showErrors, clearErrors, busy,
  statusRegion, announce, showPasswordsToggle, formValue, EMAIL_RE, POSTAL_CODE_RE, isFrenchMobile,
  isFrenchPhone,
} from '../ui.js';
import { currentAccount, endSession, setFlash } from '../session.js';
import { newPasswordFields } from './reset-password.js';
import {
  ENROLMENT, loadFamily, frenchPhone, pendingOf, markPending, announceSaved, accountCrumbs, CIVILITIES,
} from '../family-file.js';

export { frenchPhone };

const compactPhone = (value) => value.replace(/[\s.()-]/g, '');

/** The profile to show: the file's, or what the account knows while it is still empty. */
function initialProfile(file, account) {
  if (file && file.profile) return file.profile;
  return {
    civility: account.civility, last_name: account.last_name, first_name: account.first_name,
    address: account.address || {}, mobile_phone: account.phone,
  };
}

function profileForm(file, account) {
  const p = 'profile';
  const v = initialProfile(file, account);
  const a = v.address || {};
  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer mon profil');
  const form = h('form', { novalidate: true, 'aria-labelledby': `${p}-title`, class: 'file-form' },
    errorSummary(), requiredNote(),
    radioGroup({ name: 'civility', legend: 'Civilité', options: CIVILITIES, required: true, value: v.civility || '', idPrefix: p }),
    field({ name: 'last_name', label: 'Nom', required: true, value: v.last_name || '', autocomplete: 'family-name', idPrefix: p }),
    field({ name: 'first_name', label: 'Prénom', required: true, value: v.first_name || '', autocomplete: 'given-name', idPrefix: p }),
    group('Adresse postale', { 'data-pending': 'address' },
      field({ name: 'address.line1', label: 'Adresse', required: true, value: a.line1 || '', autocomplete: 'address-line1', idPrefix: p, hint: 'Numéro et nom de la voie' }),
      field({ name: 'address.line2', label: "Complément d'adresse", value: a.line2 || '', autocomplete: 'address-line2', idPrefix: p, hint: 'Bâtiment, étage, lieu-dit… (facultatif)' }),
      field({ name: 'address.postal_code', label: 'Code postal', required: true, value: a.postal_code || '', autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 5, idPrefix: p, hint: '5 chiffres, par exemple 67590' }),
      field({ name: 'address.city', label: 'Ville', required: true, value: a.city || '', autocomplete: 'address-level2', idPrefix: p })),
    group('Téléphones', {},
      field({ name: 'mobile_phone', label: 'Téléphone mobile', type: 'tel', required: true, value: frenchPhone(v.mobile_phone) || '', autocomplete: 'tel', idPrefix: p, hint: 'Format attendu : 06 12 34 56 78' }),
      field({ name: 'home_phone', label: 'Téléphone fixe', type: 'tel', value: frenchPhone(v.home_phone) || '', autocomplete: 'tel', idPrefix: p, hint: 'Facultatif. Format attendu : 03 88 12 34 56' })),
    group('Informations professionnelles', {},
      field({ name: 'profession', label: 'Profession', value: v.profession || '', autocomplete: 'organization-title', idPrefix: p }),
      field({ name: 'employer', label: 'Employeur', value: v.employer || '', autocomplete: 'organization', idPrefix: p }),
      field({ name: 'work_phone', label: 'Téléphone professionnel', type: 'tel', value: frenchPhone(v.work_phone) || '', autocomplete: 'off', idPrefix: p, hint: 'Facultatif. Format attendu : 03 88 12 34 56' })),
    h('div', { class: 'form-actions' }, submit));
  markPending(form, pendingOf(file, 'profile'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const get = (name) => formValue(form, name);
    const fields = {};
    if (!get('civility')) fields.civility = 'Indiquez votre civilité.';
    if (!get('last_name')) fields.last_name = 'Indiquez votre nom.';
    if (!get('first_name')) fields.first_name = 'Indiquez votre prénom.';
    if (!get('address.line1')) fields['address.line1'] = 'Indiquez votre adresse.';
    if (!get('address.postal_code')) fields['address.postal_code'] = 'Indiquez votre code postal.';
    else if (!POSTAL_CODE_RE.test(get('address.postal_code'))) fields['address.postal_code'] = 'Le code postal doit contenir 5 chiffres.';
    if (!get('address.city')) fields['address.city'] = 'Indiquez votre ville.';
    if (!get('mobile_phone')) fields.mobile_phone = 'Indiquez votre numéro de téléphone mobile.';
    else if (!isFrenchMobile(get('mobile_phone'))) fields.mobile_phone = "Le numéro n'est pas un mobile français valide. Format attendu : 06 12 34 56 78";
    for (const name of ['home_phone', 'work_phone']) {
      if (get(name) && !isFrenchPhone(get(name))) fields[name] = 'Saisissez un numéro de téléphone français à 10 chiffres.';
    }
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    const body = {
      civility: get('civility'), last_name: get('last_name'), first_name: get('first_name'),
      address: {
        line1: get('address.line1'), line2: get('address.line2'),
        postal_code: get('address.postal_code'), city: get('address.city'),
      },
      mobile_phone: compactPhone(get('mobile_phone')),
      home_phone: get('home_phone') ? compactPhone(get('home_phone')) : null,
      profession: get('profession'), employer: get('employer'),
      work_phone: get('work_phone') ? compactPhone(get('work_phone')) : null,
    };
    try {
      const saved = await busy(submit, () => put(`${ENROLMENT}/family/profile`, body), 'Enregistrement…');
      clearErrors(form);
      const pending = pendingOf(saved, 'profile');
      markPending(form, pending);
      announceSaved(done, pending, 'Votre profil est enregistré.');
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return h('section', { class: 'panel panel-wide', 'aria-labelledby': `${p}-title` },
    h('h2', { id: `${p}-title` }, 'Mes informations personnelles'),
    h('p', {}, 'Adresse postale, téléphone, informations professionnelles. Une fois votre dossier validé, chaque modification devra être validée par le responsable de la structure.'),
    form, done);
}

function emailForm(account) {
  const p = 'email-change';
  const done = statusRegion();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Modifier mon adresse e-mail');
  const passwordField = field({ name: 'password', label: 'Mot de passe actuel', type: 'password', required: true, autocomplete: 'current-password', idPrefix: p, hint: 'Pour votre sécurité, confirmez votre identité.' });
  const form = h('form', { novalidate: true, 'aria-labelledby': `${p}-title` },
    errorSummary(), requiredNote(),
    h('p', {}, 'Adresse actuelle : ', h('strong', {}, account.email)),
    field({ name: 'new_email', label: 'Nouvelle adresse e-mail', type: 'email', required: true, autocomplete: 'email', spellcheck: 'false', idPrefix: p, hint: 'Format attendu : nom@exemple.fr. Un lien de confirmation y sera envoyé.' }),
    passwordField,
    showPasswordsToggle([passwordField.querySelector('input')], p),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    done.replaceChildren();
    const values = {
      new_email: form.elements.namedItem('new_email').value.trim(),
      password: form.elements.namedItem('password').value,
    };
    const fields = {};
    if (!values.new_email) fields.new_email = 'Indiquez votre nouvelle adresse e-mail.';
    else if (!EMAIL_RE.test(values.new_email)) fields.new_email = "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr";
    else if (values.new_email.toLowerCase() === String(account.email).toLowerCase()) fields.new_email = "C'est déjà l'adresse de votre compte.";
    if (!values.password) fields.password = 'Indiquez votre mot de passe actuel.';
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    try {
      const result = await busy(submit, () => post('/api/accounts/email/change', values), 'Envoi en cours…');
      clearErrors(form);
      form.reset();
      announce(done, 'success', null, (result && result.message)
        || `Un lien de confirmation a été envoyé à ${values.new_email}. Votre adresse sera modifiée lorsque vous aurez cliqué sur ce lien.`,
      h('p', {}, 'Pensez à bien vérifier vos SPAMS.'));
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': `${p}-title` },
    h('h2', { id: `${p}-title` }, 'Modifier mon adresse e-mail'), form, done);
}

function passwordForm(navigate, email) {
  const p = 'password-change';
  const current = field({ name: 'current_password', label: 'Mot de passe actuel', type: 'password', required: true, autocomplete: 'current-password', idPrefix: p });
  const fresh = newPasswordFields(p);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Modifier mon mot de passe');
  const form = h('form', { novalidate: true, 'aria-labelledby': `${p}-title` },
    errorSummary(), requiredNote(),
    h('input', { type: 'email', name: 'username', autocomplete: 'username', value: email, hidden: true, tabindex: '-1' }),
    current, fresh.nodes,
    showPasswordsToggle([current.querySelector('input'), ...fresh.inputs], p),
    h('p', { class: 'hint' }, 'Après la modification, toutes vos sessions sont fermées : vous devrez vous reconnecter avec votre nouveau mot de passe.'),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const currentValue = form.elements.namedItem('current_password').value;
    const fields = {};
    if (!currentValue) fields.current_password = 'Indiquez votre mot de passe actuel.';
    Object.assign(fields, fresh.check());
    if (!fields.new_password && currentValue && currentValue === fresh.value()) {
      fields.new_password = "Le nouveau mot de passe doit être différent de l'actuel.";
    }
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    try {
      await busy(submit, () => post('/api/accounts/password/change', {
        current_password: currentValue, new_password: fresh.value(),
      }), 'Enregistrement…');
      endSession();
      setFlash('Votre mot de passe a été modifié. Pour votre sécurité, toutes vos sessions ont été fermées : connectez-vous avec votre nouveau mot de passe.');
      navigate('/connexion', { replace: true });
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': `${p}-title` },
    h('h2', { id: `${p}-title` }, 'Modifier mon mot de passe'), form);
}

export async function render({ navigate }) {
  const account = await currentAccount({ refresh: true });
  if (!account) {
    navigate('/connexion?retour=%2Fmon-compte%2Fprofil', { replace: true });
    return h('div');
  }
  const file = await loadFamily();
  return h('div', { class: 'profile' },
    accountCrumbs({ label: 'Mon profil' }),
    pageTitle('Mon profil'),
    profileForm(file, account),
    h('div', { class: 'panels' }, emailForm(account), passwordForm(navigate, account.email)));
}
