// "/mon-compte/profil" — personal information, change of e-mail, change of password.

import { post } from '../api.js';
import {
  h, field, pageTitle, breadcrumb, requiredNote, errorSummary, showErrors, clearErrors, busy,
  statusRegion, announce, showPasswordsToggle, EMAIL_RE,
} from '../ui.js';
import { currentAccount, endSession, setFlash } from '../session.js';
import { newPasswordFields } from './reset-password.js';

const CIVILITY = { 'M.': 'Monsieur', Mme: 'Madame' };

/** "+33612345678" (as stored) -> "06 12 34 56 78". */
export function frenchPhone(value) {
  const match = /^\+33([1-9]\d{8})$/.exec(value || '');
  return match ? `0${match[1]}`.replace(/(\d{2})(?=\d)/g, '$1 ') : value;
}

function identity(account) {
  const a = account.address || {};
  const rows = [
    ['Civilité', CIVILITY[account.civility] || account.civility],
    ['Nom', account.last_name],
    ['Prénom', account.first_name],
    ['Adresse e-mail', account.email],
    ['Téléphone mobile', frenchPhone(account.phone)],
    ['Adresse postale', [a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' ')].filter(Boolean)],
  ];
  return h('dl', { class: 'details' }, rows.map(([term, value]) => [
    h('dt', {}, term),
    h('dd', {}, Array.isArray(value)
      ? value.map((line, i) => [i ? h('br') : null, line])
      : value || 'Non renseigné'),
  ]));
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
  return h('div', { class: 'profile' },
    breadcrumb([{ label: 'Accueil', href: '/' }, { label: 'Mon compte', href: '/mon-compte' }, { label: 'Mon profil' }]),
    pageTitle('Mon profil'),
    h('section', { class: 'panel', 'aria-labelledby': 'profile-info' },
      h('h2', { id: 'profile-info' }, 'Mes informations personnelles'),
      identity(account),
      h('p', { class: 'hint' }, "La modification de l'adresse postale, du téléphone et des informations professionnelles sera bientôt disponible. Toute modification devra être validée par le responsable de la structure.")),
    h('div', { class: 'panels' }, emailForm(account), passwordForm(navigate, account.email)));
}
