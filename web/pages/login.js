// "/connexion" (families) and "/gestion/connexion" (staff): same API.

import { post } from '../api.js';
import {
  h, field, pageTitle, requiredNote, errorSummary, showErrors, busy, showPasswordsToggle,
  EMAIL_RE,
} from '../ui.js';
import { startSession, homeFor, isStaff, safeReturn } from '../session.js';
import { resendLink } from './signup-done.js';

function destination(account, query) {
  const back = safeReturn(query.get('retour'));
  const home = homeFor(account);
  // Only go back to a page of the person's own space.
  if (back && (isStaff(account) ? back.startsWith('/gestion') : back.startsWith('/mon-compte'))) return back;
  return home;
}

export function render({ route, query, navigate }) {
  const staff = route.variant === 'staff';
  const p = staff ? 'staff-login' : 'login';
  const extra = h('div', { class: 'login-extra' });
  const email = field({ name: 'email', label: 'Adresse e-mail', type: 'email', required: true, autocomplete: 'username', spellcheck: 'false', idPrefix: p });
  const password = field({ name: 'password', label: 'Mot de passe', type: 'password', required: true, autocomplete: 'current-password', idPrefix: p });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Se connecter');
  const form = h('form', { novalidate: true, class: 'login-form' },
    errorSummary(), requiredNote(), email, password,
    showPasswordsToggle([password.querySelector('input')], p),
    h('p', {}, h('a', { href: '/mot-de-passe-oublie' }, 'Mot de passe oublié ?')),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    extra.replaceChildren();
    const values = {
      email: form.elements.namedItem('email').value.trim(),
      password: form.elements.namedItem('password').value,
    };
    const fields = {};
    if (!values.email) fields.email = 'Indiquez votre adresse e-mail.';
    else if (!EMAIL_RE.test(values.email)) fields.email = "L'adresse e-mail n'est pas valide. Format attendu : nom@exemple.fr";
    if (!values.password) fields.password = 'Indiquez votre mot de passe.';
    if (Object.keys(fields).length) {
      showErrors(form, { message: 'Veuillez corriger les erreurs signalées.', fields });
      return;
    }
    try {
      const result = await busy(submit, () => post('/api/accounts/login', values, { auth: false }), 'Connexion en cours…');
      startSession(result);
      navigate(destination(result.account || {}, query));
    } catch (error) {
      showErrors(form, { message: error.message, fields: error.fields });
      if (error.code === 'email_not_confirmed') {
        extra.replaceChildren(
          h('h2', {}, 'Recevoir un nouveau lien de confirmation'),
          resendLink(values.email, { idPrefix: `${p}-resend` }));
      }
    }
  });

  const intro = staff
    ? h('p', { class: 'lead' }, 'Espace réservé aux équipes de l\'association : responsables de structure, coordination séjours, commission d\'attribution et administration.')
    : h('p', { class: 'lead' }, 'Connectez-vous pour accéder à votre espace famille.');
  const aside = staff
    ? h('p', {}, 'Vous êtes une famille ? ', h('a', { href: '/connexion' }, 'Connexion à l\'espace famille'))
    : h('div', { class: 'signup-cta' },
      h('h2', {}, 'Vous n\'avez pas encore de compte ?'),
      h('p', {}, h('a', { class: 'btn btn-secondary', href: '/inscription' }, 'Créer mon compte')));

  return h('div', { class: 'narrow' },
    pageTitle(staff ? 'Espace professionnel – Connexion' : 'Se connecter'),
    intro, form, extra, aside);
}
