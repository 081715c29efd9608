// "/mot-de-passe/nouveau?token=…" — choose a new password from an emailed
// link; with &invitation=1 it is a staff invitation ("Choisir mon mot de passe").

import { post } from '../api.js';
import {
  h, field, pageTitle, requiredNote, errorSummary, showErrors, busy, alertBox,
  passwordChecklist, showPasswordsToggle, passwordIsStrong,
} from '../ui.js';

/** New password typed twice, with the rules checklist. Returns {nodes, read}. */
export function newPasswordFields(idPrefix, { label = 'Nouveau mot de passe', name = 'new_password' } = {}) {
  const pass = field({ name, label, type: 'password', required: true, autocomplete: 'new-password', idPrefix });
  const confirm = field({ name: `${name}_confirm`, label: 'Confirmation du nouveau mot de passe', type: 'password', required: true, autocomplete: 'new-password', idPrefix, hint: 'Saisissez à nouveau le même mot de passe.' });
  const inputs = [pass.querySelector('input'), confirm.querySelector('input')];
  pass.append(passwordChecklist(inputs[0]));
  const check = () => {
    const [a, b] = inputs.map((input) => input.value);
    const fields = {};
    if (!a) fields[name] = 'Choisissez un mot de passe.';
    else if (!passwordIsStrong(a)) fields[name] = 'Le mot de passe ne respecte pas toutes les règles indiquées.';
    if (!b) fields[`${name}_confirm`] = 'Saisissez à nouveau le mot de passe.';
    else if (a !== b) fields[`${name}_confirm`] = 'Les deux mots de passe ne sont pas identiques.';
    return fields;
  };
  return { nodes: [pass, confirm], inputs, check, value: () => inputs[0].value };
}

export function render({ query }) {
  const token = query.get('token');
  const invitation = query.get('invitation') === '1';
  const title = invitation ? 'Choisir mon mot de passe' : 'Choisir un nouveau mot de passe';
  const login = invitation ? '/gestion/connexion' : '/connexion';

  if (!token) {
    return h('div', { class: 'narrow' }, pageTitle(title),
      alertBox('error', null, 'Le lien est incomplet. Copiez le lien entier reçu par mail, ou demandez-en un nouveau.'),
      h('p', {}, h('a', { href: '/mot-de-passe-oublie' }, 'Recevoir un nouveau lien')));
  }

  const password = newPasswordFields('reset');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Enregistrer mon mot de passe');
  const result = h('div', {});
  const form = h('form', { novalidate: true },
    errorSummary(), requiredNote(), password.nodes,
    showPasswordsToggle(password.inputs, 'reset'),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = password.check();
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    try {
      await busy(submit, () => post('/api/accounts/password/reset', { token, new_password: password.value() }, { auth: false }), 'Enregistrement…');
      form.hidden = true;
      result.replaceChildren(
        alertBox('success', 'Votre mot de passe est enregistré.', h('p', {}, 'Vous pouvez maintenant vous connecter avec ce mot de passe.')),
        h('p', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: login }, 'Se connecter')));
      result.querySelector('a').focus();
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
      if (error.code === 'invalid_token') {
        result.replaceChildren(h('p', {}, invitation
          ? "Demandez à l'administrateur de vous envoyer une nouvelle invitation, ou "
          : 'Vous pouvez ', h('a', { href: '/mot-de-passe-oublie' }, 'recevoir un nouveau lien'), '.'));
      }
    }
  });

  return h('div', { class: 'narrow' },
    pageTitle(title),
    h('p', { class: 'lead' }, invitation
      ? 'Bienvenue sur le Portail Familles. Choisissez le mot de passe de votre compte professionnel.'
      : 'Choisissez le nouveau mot de passe de votre compte.'),
    form, result);
}
